// simbox: the small busybox of the simulated kernel — a POSIX-ish shell plus applets, run against
// SysCtx. A running shell is a JSON continuation (Cont) the kernel stores between CLI invocations.
import type { BlockProgram, SysCtx } from '../sys.js';
import { appletNames, BLOCKERS, COMMANDS, PROGRAMS } from './commands/index.js';
import { Interp, newState, type ExecOutcome, type Outcome as InterpOutcome, type ShellState } from './interpreter.js';
import { ShSyntaxError } from './lexer.js';
import { parse, type List } from './parser.js';
import { normSignal } from './signals.js';

/** A shell's continuation: remaining frames (AST still to run), variables, $?, traps. Plain JSON. */
export type Cont = ShellState;

export type Outcome = InterpOutcome;

export type { BlockProgram };

export function isCommand(name: string): boolean {
  return appletNames().includes(name) || name in PROGRAMS || name === 'which' || name === 'busybox';
}

export function commandNames(): string[] {
  return [...new Set([...appletNames(), 'which', 'busybox'])].sort();
}

function base(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** `sh -c 'one simple command'` that blocks: ash execs it, so the process becomes that command. */
function singleBlocking(interp: Interp, list: List): { argv: string[]; program: BlockProgram } | null {
  if (list.length !== 1 || list[0].bg) return null;
  const ao = list[0].ao;
  if (ao.rest.length || ao.first.bang || ao.first.cmds.length !== 1) return null;
  const cmd = ao.first.cmds[0];
  if (cmd.t !== 'simple' || !cmd.words.length) return null;
  const argv = cmd.words.flatMap((w) => interp.expand(w));
  if (!argv.length) return null;
  argv[0] = argv[0].includes('/') ? base(argv[0]) : argv[0];
  const program = Interp.execProgram(argv);
  if (!program) return null;
  if (cmd.redirs.length && !interp.redirect(cmd.redirs, interp.io())) return null;
  return { argv, program };
}

function isSingleSimple(list: List): boolean {
  if (list.length !== 1 || list[0].bg) return false;
  const ao = list[0].ao;
  return !ao.rest.length && !ao.first.bang && ao.first.cmds.length === 1 && ao.first.cmds[0].t === 'simple';
}

/** Start a process image: `sh [-c SCRIPT [ARG0 ARGS...]]`, `sh FILE`, or an applet's argv. */
export function start(sys: SysCtx, argv: string[], env: Record<string, string>): Outcome | ExecOutcome {
  const name = base(argv[0] ?? 'sh');
  if (name === 'sh' || name === 'ash') {
    const args = argv.slice(1);
    let script: string | null = null;
    let params: string[] = [];
    let i = 0;
    let dashC = false;
    for (; i < args.length; i++) {
      const a = args[i];
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-') || a === '-') break;
      if (a.slice(1).includes('c')) dashC = true;
    }
    const rest = args.slice(i);
    if (dashC) {
      script = rest[0] ?? '';
      params = rest.length > 1 ? rest.slice(1) : ['sh'];
    } else if (rest.length) {
      try {
        script = sys.readFile(rest[0]);
      } catch (e) {
        sys.stderr(`sh: can't open '${rest[0]}': ${e instanceof Error ? e.message : String(e)}\n`);
        return { kind: 'exit', code: 2 };
      }
      params = rest;
    } else {
      script = sys.stdin();
      params = ['sh'];
    }
    if (!script.trim()) return { kind: 'exit', code: 0 };
    const st = newState(env, params);
    const interp = new Interp(sys, st);
    let list: List;
    try {
      list = parse(script);
    } catch (e) {
      if (e instanceof ShSyntaxError) {
        sys.stderr(`sh: ${e.message}\n`);
        return { kind: 'exit', code: 2 };
      }
      throw e;
    }
    const exec = singleBlocking(interp, list);
    if (exec) return { kind: 'exec', argv: exec.argv, program: exec.program };
    interp.canExec = true;
    interp.noForkNext = isSingleSimple(list);
    st.stack.push({ f: 'list', items: list, i: 0 });
    return interp.run();
  }
  if (BLOCKERS[name]) {
    const r = BLOCKERS[name]([name, ...argv.slice(1)]);
    if ('program' in r) return { kind: 'exec', argv: [name, ...argv.slice(1)], program: r.program };
    sys.stderr(r.error);
    return { kind: 'exit', code: r.code };
  }
  if (COMMANDS[name]) {
    const interp = new Interp(sys, newState(env, [name]));
    interp.runArgv([name, ...argv.slice(1)], interp.io(), [], true);
    return { kind: 'exit', code: interp.st.status };
  }
  sys.stderr(`sh: ${argv[0] ?? ''}: not found\n`);
  return { kind: 'exit', code: 127 };
}

function settle(r: Outcome | ExecOutcome): Outcome {
  // only `start` may replace the process image; later an exec'd command is waited for, then exit
  if (r.kind !== 'exec') return r;
  return { kind: 'wait-child', argv: r.argv, program: r.program, cont: newState({}, ['sh']) };
}

/** An interactive shell (`sh` on a terminal): it reads a line, runs it, and waits for the next. */
export function interactiveShell(env: Record<string, string>): Cont {
  const st = newState(env, ['sh']);
  st.interactive = true;
  return st;
}

/** Run one line typed at an interactive shell's prompt. */
export function feed(sys: SysCtx, cont: Cont, line: string): Outcome {
  const st = clone(cont);
  let list: List;
  try {
    list = parse(line);
  } catch (e) {
    if (e instanceof ShSyntaxError) {
      sys.stderr(`sh: ${e.message}\n`);
      st.status = 2;
      return { kind: 'prompt', cont: st };
    }
    throw e;
  }
  st.stack.push({ f: 'list', items: list, i: 0 });
  return settle(new Interp(sys, st).run());
}

/** Resume a shell whose blocking command (or `wait`) finished with `childStatus`. */
export function resume(sys: SysCtx, cont: Cont, childStatus: number): Outcome {
  const st = clone(cont);
  st.status = childStatus;
  for (const f of st.stack) if (f.f === 'while') f.n = 0;
  return settle(new Interp(sys, st).run());
}

/** Whether the shell has set a trap (including an empty, ignoring one) for the signal. */
export function trapFor(cont: Cont, signal: string): boolean {
  const sig = normSignal(signal);
  return sig !== null && sig !== 'EXIT' && cont.traps[sig] !== undefined;
}

/** Run the shell's trap for the signal, then carry on; the interrupted wait yields $? = 128+n. */
export function runTrap(sys: SysCtx, cont: Cont, signal: string): Outcome {
  const st = clone(cont);
  for (const f of st.stack) if (f.f === 'while') f.n = 0;
  return settle(new Interp(sys, st).runTrap(signal));
}
