// The lesson runner: each lesson has a lab of its own (a separate state home), so a lesson never
// touches the student's containers. A step's `boxlab ...` commands run in this process through
// the CLI's main() (output captured, events collected); checks then read the lab's state through
// the engine and the kernel: a container's status, a file (by exec, or in the writable layer),
// a cgroup file, a namespace id against the host's.
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Engine, type Io } from '../engine/engine.js';
import type { LabEvent } from '../engine/events.js';
import { Lab, defaultHome, type KernelFactory } from '../engine/lab.js';
import type { ContainerRec } from '../engine/state.js';
import type { Check, CheckResult, CommandResult, Lesson, LessonMode, LessonRunner, StepResult } from './types.js';
import { splitWords } from './words.js';

/** Runs `boxlab ARGS` against the lab in `home` (BOXLAB_HOME for the command). */
export type BoxlabExec = (
  args: string[],
  opts: { home: string; onEvent?: (e: LabEvent) => void },
) => Promise<{ stdout: string; stderr: string; exitCode: number; events: LabEvent[] }>;

export interface RunnerOptions {
  mode?: LessonMode;
  /** the lesson lab's state home; default lessonHome(lesson.id) */
  home?: string;
  /** how boxlab commands run (the CLI passes its in-process runner: arrows point down) */
  exec: BoxlabExec;
  /** the kernel of the lesson's lab, for checks (the CLI passes src/kernel's createKernel) */
  kernel: KernelFactory;
  /** how a raw `$ ` command runs in real mode (the CLI passes one that runs it through sh) */
  shell?: (line: string) => Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

/** Where boxlab keeps state: $BOXLAB_HOME, else $XDG_DATA_HOME/boxlab, else ~/.local/share/boxlab. */
export function stateBase(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BOXLAB_HOME) return env.BOXLAB_HOME;
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'boxlab');
}

/** A lesson's own lab: <state base>/lessons/<id> (its sim state under sim/, as BOXLAB_HOME lays out). */
export function lessonHome(id: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateBase(env), 'lessons', id);
}

export function createRunner(lesson: Lesson, opts: RunnerOptions): Runner {
  return new Runner(lesson, opts);
}

export class Runner implements LessonRunner {
  readonly mode: LessonMode;
  readonly home: string;
  private exec: BoxlabExec;
  private kernel: KernelFactory;
  private shell?: RunnerOptions['shell'];
  /** the exit code of the last command run, for `exit:` checks */
  private lastExit: number | null = null;

  constructor(
    readonly lesson: Lesson,
    opts: RunnerOptions,
  ) {
    this.mode = opts.mode ?? 'sim';
    this.home = opts.home ?? lessonHome(lesson.id);
    this.exec = opts.exec;
    this.kernel = opts.kernel;
    this.shell = opts.shell;
  }

  private engine(): Engine {
    const lab = new Lab({ mode: this.mode, home: defaultHome(this.mode, { BOXLAB_HOME: this.home }), kernel: this.kernel });
    return new Engine(lab);
  }

  async runStep(index: number, onEvent?: (e: LabEvent) => void): Promise<StepResult> {
    const step = this.step(index);
    const commands: CommandResult[] = [];
    const list = step.kind === 'run' ? step.commands : step.kind === 'task' ? step.solution : [];
    for (const c of list) commands.push(await this.runCommand(c, onEvent));
    const checks = step.kind === 'quiz' ? [] : await this.checkStep(index);
    return { stepId: step.id, commands, checks, passed: checks.every((c) => c.ok) };
  }

  async runCommand(command: string, onEvent?: (e: LabEvent) => void): Promise<CommandResult> {
    const line = command.trim();
    let r: Omit<CommandResult, 'command'>;
    if (/^boxlab(\s|$)/.test(line)) {
      let words: string[];
      try {
        words = splitWords(line).slice(1);
      } catch (e) {
        r = { stdout: '', stderr: `boxlab: ${(e as Error).message}\n`, exitCode: 2, events: [] };
        return this.done(line, r);
      }
      if (this.mode === 'real' && !words.includes('--real')) words.unshift('--real');
      r = await this.exec(words, { home: this.home, onEvent });
    } else if (line.startsWith('$ ') && this.mode === 'real' && this.shell) {
      r = { ...(await this.shell(line.slice(2))), events: [] };
    } else {
      r = { stdout: '', stderr: `boxlab: a lesson runs boxlab commands here; start the line with \`boxlab\`, e.g. boxlab ps\n`, exitCode: 127, events: [] };
    }
    return this.done(line, r);
  }

  private done(command: string, r: Omit<CommandResult, 'command'>): CommandResult {
    this.lastExit = r.exitCode;
    return { command, ...r };
  }

  async checkStep(index: number): Promise<CheckResult[]> {
    const step = this.step(index);
    if (step.kind === 'quiz') return [];
    const engine = this.engine();
    const out: CheckResult[] = [];
    for (const check of step.checks) {
      try {
        out.push({ check, ...(await this.evaluate(engine, check)) });
      } catch (e) {
        out.push({ check, ok: false, message: `could not check: ${(e as Error).message}` });
      }
    }
    return out;
  }

  answer(index: number, choice: number): { correct: boolean; explain: string } {
    const step = this.step(index);
    if (step.kind !== 'quiz') throw new Error(`step ${index + 1} (${step.id}) is not a quiz`);
    const c = step.choices[choice];
    if (!c) throw new Error(`the quiz has choices 1 to ${step.choices.length}`);
    return { correct: c.correct, explain: c.explain };
  }

  async reset(): Promise<void> {
    if (this.mode === 'real') {
      // nothing may stay in the kernel: remove every container (and its volumes) through the engine
      const { removeContainer } = await import('../engine/containers/lifecycle.js');
      const { removeVolume } = await import('../engine/volumes/volumes.js');
      await this.engine().tx(async (tx) => {
        for (const c of Object.values(tx.state.containers)) await removeContainer(tx, c, { force: true, volumes: true });
        for (const v of Object.keys(tx.state.volumes)) await removeVolume(tx, v, true);
      });
    }
    rmSync(this.home, { recursive: true, force: true });
    this.lastExit = null;
  }

  private step(index: number) {
    const s = this.lesson.steps[index];
    if (!s) throw new Error(`${this.lesson.id} has steps 1 to ${this.lesson.steps.length}; there is no step ${index + 1}`);
    return s;
  }

  private async container(engine: Engine, name: string): Promise<ContainerRec | null> {
    return engine.view((tx) => {
      const c = Object.values(tx.state.containers).find((x) => x.name === name || x.id.startsWith(name));
      return c ? structuredClone(c) : null;
    });
  }

  private async execCapture(engine: Engine, name: string, argv: string[]): Promise<{ code: number; stdout: string }> {
    const o = { stdout: '', stderr: '' };
    const io: Io = { out: (t) => void (o.stdout += t), err: (t) => void (o.stderr += t) };
    engine.pollMs = 10;
    const code = await engine.exec(name, argv, {}, io);
    return { code, stdout: o.stdout };
  }

  private async evaluate(engine: Engine, check: Check): Promise<{ ok: boolean; message: string }> {
    switch (check.kind) {
      case 'container': {
        const c = await this.container(engine, check.name);
        if (check.exists === false) return { ok: !c, message: c ? `${check.name} still exists (${c.state.status})` : `${check.name} is gone` };
        if (!c) return { ok: false, message: `there is no container ${check.name}` };
        const facts = `${check.name} is ${c.state.status}${c.state.status === 'exited' ? ` with exit code ${c.state.exitCode}` : ''}${c.state.oomKilled ? ', killed by the OOM killer' : ''}`;
        const ok =
          (check.status === undefined || c.state.status === check.status) &&
          (check.exitCode === undefined || (c.state.status === 'exited' && c.state.exitCode === check.exitCode)) &&
          (check.oomKilled === undefined || c.state.oomKilled === check.oomKilled);
        return { ok, message: facts };
      }
      case 'image': {
        const { findImage } = await import('../engine/images/catalog.js');
        const img = await engine.view((tx) => findImage(tx, check.name) ?? null);
        if (check.exists === false) return { ok: !img, message: img ? `image ${check.name} exists` : `there is no image ${check.name}` };
        if (!img) return { ok: false, message: `there is no image ${check.name}` };
        const n = img.layers.length;
        return { ok: check.layers === undefined || n === check.layers, message: `image ${check.name} has ${n} layer${n === 1 ? '' : 's'}` };
      }
      case 'volume': {
        const v = await engine.view((tx) => tx.state.volumes[check.name] ?? null);
        const want = check.exists !== false;
        return { ok: !!v === want, message: v ? `volume ${check.name} exists` : `there is no volume ${check.name}` };
      }
      case 'exit':
        return {
          ok: this.lastExit === check.code,
          message: this.lastExit === null ? 'no command has run yet' : `the last command exited with ${this.lastExit}`,
        };
      case 'namespace': {
        const c = await this.container(engine, check.container);
        if (!c || c.state.status !== 'running') return { ok: false, message: `${check.container} is not running, so it has no namespaces to compare` };
        const o = await engine.view((tx) => tx.kernel.observe(c.state.pid));
        const mine = o.ns[check.type];
        const host = o.hostNs[check.type];
        const differs = mine !== host;
        return {
          ok: differs === check.differsFromHost,
          message: `${check.container}'s ${check.type} namespace is ${check.type}:[${mine}], the host's is ${check.type}:[${host}]${differs ? '' : ' (the same)'}`,
        };
      }
      case 'cgroup': {
        const c = await this.container(engine, check.container);
        if (!c) return { ok: false, message: `there is no container ${check.container}` };
        // read from the host side, as the kernel keeps it (on cgroup v1 the kernel's driver finds the
        // controller's file for the v2 name: memory.max is memory.limit_in_bytes there)
        const value = (await engine.view((tx) => tx.kernel.cgroupRead(c.cgroup, check.file))).trim();
        const ok = (check.equals === undefined || value === check.equals) && (check.atLeast === undefined || Number(value) >= check.atLeast);
        return { ok, message: `${check.file} of ${check.container} is ${value}` };
      }
      case 'file':
        return this.fileCheck(engine, check);
    }
  }

  private async fileCheck(engine: Engine, check: Extract<Check, { kind: 'file' }>): Promise<{ ok: boolean; message: string }> {
    const c = await this.container(engine, check.container);
    if (!c) return { ok: false, message: `there is no container ${check.container}` };
    const where = `${check.path} in ${check.container}`;
    if (check.whiteout !== undefined || check.inUpperLayer !== undefined) {
      const rel = check.path.replace(/^\/+/, '').replace(/\/+$/, '');
      const upper = await engine.view((tx) => tx.kernel.fs.readTree(c.layer.upper));
      const e = upper.find((x) => x.path.replace(/^\.?\/+/, '') === rel);
      const isWhiteout = !!e && e.type === 'chardev' && !e.devmajor && !e.devminor;
      if (check.whiteout !== undefined) {
        const ok = isWhiteout === check.whiteout;
        return { ok, message: isWhiteout ? `the writable layer holds a whiteout for ${check.path} (a 0/0 character device that hides the image's file)` : `the writable layer has no whiteout for ${check.path}` };
      }
      const inUpper = !!e && !isWhiteout;
      if (inUpper !== check.inUpperLayer) {
        return { ok: false, message: inUpper ? `${check.path} is in ${check.container}'s writable layer` : `${check.path} is not in ${check.container}'s writable layer (${c.layer.upper})` };
      }
      if (inUpper && check.contains !== undefined) {
        const text = e?.data?.toString('utf8') ?? '';
        return { ok: text.includes(check.contains), message: `${check.path} in the writable layer ${text.includes(check.contains) ? 'contains' : 'does not contain'} "${check.contains}"` };
      }
      if (check.absent === undefined) return { ok: true, message: inUpper ? `${check.path} is in ${check.container}'s writable layer ${c.layer.upper}` : `${check.path} is not in ${check.container}'s writable layer` };
    }
    if (c.state.status !== 'running') return { ok: false, message: `${check.container} is not running, so ${check.path} cannot be read inside it` };
    if (check.absent !== undefined || check.contains === undefined) {
      const r = await this.execCapture(engine, check.container, ['ls', check.path]);
      const present = r.code === 0;
      const want = check.absent !== true;
      if (present !== want || check.contains === undefined) return { ok: present === want, message: present ? `${where} exists` : `${where} does not exist` };
    }
    const r = await this.execCapture(engine, check.container, ['cat', check.path]);
    if (r.code !== 0) return { ok: false, message: `${where} cannot be read` };
    const has = r.stdout.includes(check.contains ?? '');
    return { ok: has, message: `${where} ${has ? 'contains' : 'does not contain'} "${check.contains}"` };
  }
}
