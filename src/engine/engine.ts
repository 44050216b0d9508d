// The engine's verbs, as the CLI and lessons call them. Each verb is one or more lab
// transactions; waiting (for a process to exit, for stop's grace period, for log lines)
// happens between transactions so other boxlab commands can run meanwhile.
import { closeSync, existsSync, openSync, readSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignal, systemClock, type Clock, type Signal } from '../kernel/kernel.js';
import {
  createContainer, envObject, findContainer, killAndWait, refresh, refreshAll, refreshForCreate, removeContainer, signalContainer, startContainer, userOf,
  type CreateOptions,
} from './containers/lifecycle.js';
import { UserError } from './errors.js';
import { newId } from './ids.js';
import type { Lab, Tx } from './lab.js';
import type { ContainerRec } from './state.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** A terminal for `run -it`: read a line after a prompt (null at end of input), and hear Ctrl-C. */
export interface Terminal {
  readLine(prompt: string): Promise<string | null>;
  onInterrupt(fn: () => void): () => void;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  log: string;
  time: string;
}

/** Read JSON-lines log entries from byte offset; returns them and the new offset. */
export function readLog(path: string, offset: number): { lines: LogLine[]; offset: number } {
  if (!existsSync(path)) return { lines: [], offset };
  const size = statSync(path).size;
  if (size <= offset) return { lines: [], offset };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    const lines = text
      .slice(0, end)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
    return { lines, offset: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

function emit(io: Io, lines: LogLine[]): void {
  for (const l of lines) (l.stream === 'stderr' ? io.err : io.out)(l.log);
}

export class Engine {
  readonly clock: Clock;
  /** how often a waiting command looks again */
  pollMs = 100;

  constructor(
    readonly lab: Lab,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.lab.tx(fn);
  }

  /**
   * The wait before look number `round` of a process's end: 5 ms, doubling up to pollMs, so a
   * quick command is noticed when it ends rather than a whole poll later.
   */
  private backoff(round: number): number {
    return Math.min(this.pollMs, 5 * 2 ** round);
  }

  /** The wait before the next look: the backoff, cut short when the kernel says the process ended. */
  private pause(round: number, ended?: Promise<void>): Promise<void> {
    const sleep = this.clock.sleep(this.backoff(round));
    return ended ? Promise.race([sleep, ended]) : sleep;
  }

  /** A read of the lab with every container's state brought up to date. */
  view<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    return this.tx(async (tx) => {
      await refreshAll(tx);
      return fn(tx);
    });
  }

  async create(opts: CreateOptions, io: Io): Promise<ContainerRec> {
    return this.tx(async (tx) => {
      await refreshForCreate(tx, opts);
      return structuredClone(await createContainer(tx, opts, (l) => io.err(`${l}\n`)));
    });
  }

  /** docker run: create, start, and (unless detached) follow the output until the process exits. */
  async run(
    opts: CreateOptions & { detach?: boolean; stdin?: string },
    io: Io,
    term?: Terminal,
    interrupts?: Pick<Terminal, 'onInterrupt'>,
  ): Promise<{ id: string; exitCode: number }> {
    const id = await this.tx(async (tx) => {
      await refreshForCreate(tx, opts);
      const c = await createContainer(tx, { ...opts, tty: opts.tty && !!term }, (l) => io.err(`${l}\n`));
      if (!opts.detach) c.attachedBy = process.pid;
      try {
        await startContainer(tx, c, { stdin: opts.stdin, terminal: !!term });
      } catch (e) {
        if (c.hostConfig.autoRemove && tx.state.containers[c.id]) await removeContainer(tx, c, { force: true, volumes: true });
        throw e;
      }
      return c.id;
    });
    if (opts.detach) {
      io.out(`${id}\n`);
      return { id, exitCode: 0 };
    }
    if (term) return { id, exitCode: await this.interact(id, io, term) };
    return { id, exitCode: await this.attach(id, io, 0, interrupts) };
  }

  /**
   * docker run -it: a shell on a terminal. Each line typed goes to the container's shell; its
   * output comes back; Ctrl-C interrupts what runs in the foreground; Ctrl-D or `exit` ends it.
   */
  async interact(id: string, io: Io, term: Terminal): Promise<number> {
    // a kernel that gave the container this terminal: it reads and writes it itself, and Ctrl-C
    // reaches what runs in its foreground; wait for it to end (the CLI must not die of Ctrl-C)
    if (await this.tx(async (tx) => !!tx.kernel.handsOverTerminal)) return this.attach(id, io, 0, { onInterrupt: () => term.onInterrupt(() => undefined) });
    let offset = 0;
    let interrupt = false;
    const off = term.onInterrupt(() => (interrupt = true));
    try {
      for (;;) {
        const r = await this.tx(async (tx) => {
          const c = tx.state.containers[id];
          if (!c) return { done: true as const, code: 0 };
          await refresh(tx, c, { autoRemove: false });
          if (interrupt && c.state.status === 'running') {
            interrupt = false;
            await tx.kernel.input(c.state.pid, '\x03');
          }
          const got = readLog(c.logPath, offset);
          offset = got.offset;
          emit(io, got.lines);
          if (c.state.status !== 'running') {
            const code = c.state.exitCode;
            if (c.hostConfig.autoRemove) await removeContainer(tx, c, { force: true, volumes: true });
            return { done: true as const, code };
          }
          const st = await tx.kernel.status(c.state.pid);
          return { done: false as const, prompt: st?.waitingInput ? `${st.cwd ?? '/'} # ` : null };
        });
        if (r.done) return r.code;
        if (r.prompt === null) {
          await this.clock.sleep(this.pollMs);
          continue;
        }
        const line = await term.readLine(r.prompt);
        await this.tx(async (tx) => {
          const c = tx.state.containers[id];
          if (c?.state.status === 'running') await tx.kernel.input(c.state.pid, line === null ? 'exit' : line);
        });
      }
    } finally {
      off();
    }
  }

  /**
   * Follow a container's log until its process exits; returns the exit code. Ctrl-C forwards
   * SIGINT to the container (as docker's sig-proxy does); a second Ctrl-C detaches.
   */
  async attach(id: string, io: Io, fromOffset: number, interrupts?: Pick<Terminal, 'onInterrupt'>): Promise<number> {
    let offset = fromOffset;
    let pressed = 0;
    let handled = 0;
    const off = interrupts?.onInterrupt(() => pressed++) ?? (() => undefined);
    try {
      let round = 0;
      for (;;) {
        const r = await this.tx(async (tx) => {
          const c = tx.state.containers[id];
          if (!c) return { done: true, code: 0 };
          if (pressed > handled && c.state.status === 'running') {
            handled = pressed;
            if (handled >= 2) {
              io.err(`boxlab: detached; ${c.name} keeps running (boxlab stop ${c.name} ends it).\n`);
              return { done: true, code: 130 };
            }
            await tx.kernel.signal(c.state.pid, 'SIGINT');
            io.err(`boxlab: sent SIGINT to ${c.name}; press Ctrl-C again to detach.\n`);
          }
          await refresh(tx, c, { autoRemove: false });
          const got = readLog(c.logPath, offset);
          offset = got.offset;
          emit(io, got.lines);
          if (c.state.status === 'running') return { done: false, code: 0, ended: tx.kernel.whenEnded?.(c.state.pid, this.pollMs) };
          const code = c.state.oomKilled && c.state.exitCode === 0 ? 137 : c.state.exitCode;
          if (c.hostConfig.autoRemove) await removeContainer(tx, c, { force: true, volumes: true });
          return { done: true, code };
        });
        if (r.done) return r.code;
        await this.pause(round++, r.ended);
      }
    } finally {
      off();
    }
  }

  async start(names: string[], io: Io, attach = false): Promise<number> {
    let failed = 0;
    for (const name of names) {
      try {
        const r = await this.tx(async (tx) => {
          await refreshAll(tx);
          const c = findContainer(tx, name);
          const offset = existsSync(c.logPath) ? statSync(c.logPath).size : 0;
          if (c.state.status === 'running') return { id: c.id, offset };
          await startContainer(tx, c);
          return { id: c.id, offset };
        });
        if (attach) return await this.attach(r.id, io, r.offset);
        io.out(`${name}\n`);
      } catch (e) {
        if (!(e instanceof UserError) || names.length === 1) throw e;
        io.err(`Error response from daemon: ${e.message}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  }

  /** Wait, between transactions, until the container is no longer running (or timeoutMs passes). */
  async waitExit(id: string, timeoutMs = Infinity): Promise<ContainerRec | null> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const c = await this.tx(async (tx) => {
        const c = tx.state.containers[id];
        if (!c) return null;
        await refresh(tx, c);
        return tx.state.containers[id] ? structuredClone(c) : null;
      });
      if (!c || c.state.status !== 'running') return c;
      if (this.clock.now() >= deadline) return c;
      await this.clock.sleep(Math.min(this.pollMs, Math.max(1, deadline - this.clock.now())));
    }
  }

  /** docker stop: the stop signal, then SIGKILL after `timeoutSec` if it is still running. */
  async stop(name: string, timeoutSec?: number): Promise<ContainerRec> {
    const c = await this.tx(async (tx) => {
      await refreshAll(tx);
      const c = findContainer(tx, name);
      if (c.state.status !== 'running') return structuredClone(c);
      const sig = (parseSignal(c.config.stopSignal) ?? 'SIGTERM') as Signal;
      tx.step('container.stop', `Sent ${sig} to ${c.name}; SIGKILL follows after ${timeoutSec ?? c.config.stopTimeout}s if it is still running.`, `docker stop -t ${timeoutSec ?? c.config.stopTimeout} ${c.name}`);
      await tx.kernel.signal(c.state.pid, sig);
      await refresh(tx, c);
      return structuredClone(c);
    });
    if (c.state.status !== 'running') return c;
    const after = await this.waitExit(c.id, (timeoutSec ?? c.config.stopTimeout) * 1000);
    if (!after || after.state.status !== 'running') return after ?? c;
    return this.tx(async (tx) => {
      const cur = tx.state.containers[c.id];
      if (!cur) return c;
      if (cur.state.status === 'running') await killAndWait(tx, cur.state.pid);
      await refresh(tx, cur);
      return structuredClone(cur);
    });
  }

  async kill(name: string, signal = 'SIGKILL'): Promise<void> {
    const sig = parseSignal(signal);
    if (!sig) throw new UserError(`Invalid signal: ${signal}`, 'Use a name like TERM, KILL, INT, HUP or a number.');
    await this.tx(async (tx) => {
      await refreshAll(tx);
      const c = findContainer(tx, name);
      await signalContainer(tx, c, sig);
      await refresh(tx, c);
    });
  }

  async restart(name: string, timeoutSec?: number): Promise<void> {
    await this.stop(name, timeoutSec);
    await this.tx(async (tx) => {
      const c = findContainer(tx, name);
      c.restartCount++;
      await startContainer(tx, c);
    });
  }

  async rm(name: string, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
    await this.tx(async (tx) => {
      await refreshAll(tx);
      await removeContainer(tx, findContainer(tx, name), opts);
    });
  }

  /** docker exec: a new process in the container's namespaces and cgroup; returns its exit code. */
  async exec(name: string, argv: string[], opts: { env?: string[]; workdir?: string; stdin?: string; tty?: boolean }, io: Io): Promise<number> {
    const logPath = join(this.lab.dataDir, `exec-${newId().slice(0, 16)}.log`);
    const pid = await this.tx(async (tx) => {
      await refreshAll(tx);
      const c = findContainer(tx, name);
      if (c.state.status !== 'running') {
        throw new UserError(`Container ${c.id} is not running`, `Start it first: boxlab start ${c.name}`);
      }
      // as docker exec: the container's user, looked up again in its files
      const user = await userOf(tx, c);
      const env = envObject([...c.config.env, ...(opts.env ?? [])], c.config.hostname, user?.home);
      const as = user ? { user: { uid: user.uid, gid: user.gid, groups: user.groups } } : {};
      // -it on a terminal, where the kernel hands it over: the process reads and writes it itself
      const tty = opts.tty && tx.kernel.handsOverTerminal ? { tty: true } : {};
      const st = await tx.kernel.exec(c.state.pid, { argv, env, cwd: opts.workdir || c.config.workdir, log: logPath, stdin: opts.stdin, ...as, ...tty }).catch((e: Error & { errno?: string }) => {
        if (e.errno === 'ENOENT') {
          throw new UserError(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH`, `See what the container has: boxlab exec ${c.name} ls /bin`, 127);
        }
        throw e;
      });
      return st.pid;
    });
    let offset = 0;
    try {
      let round = 0;
      for (;;) {
        const r = await this.tx(async (tx) => {
          const st = await tx.kernel.status(pid);
          const got = readLog(logPath, offset);
          offset = got.offset;
          emit(io, got.lines);
          if (!st || st.state === 'exited') {
            tx.kernel.forget(pid);
            return { done: true, code: st?.exitCode ?? 0 };
          }
          return { done: false, code: 0, ended: tx.kernel.whenEnded?.(pid, this.pollMs) };
        });
        if (r.done) return r.code;
        await this.pause(round++, r.ended);
      }
    } finally {
      rmSync(logPath, { force: true });
    }
  }

  /** docker logs [--tail N] [-f] */
  async logs(name: string, opts: { tail?: number; follow?: boolean; timestamps?: boolean }, io: Io): Promise<void> {
    const { c, handedOver } = await this.view((tx) => ({ c: structuredClone(findContainer(tx, name)), handedOver: !!tx.kernel.handsOverTerminal }));
    if (handedOver && c.config.tty && c.config.openStdin) {
      io.err(`boxlab: ${c.name} was run with -it on a terminal: what it did there was not recorded (only output without a terminal is).\n`);
    }
    const all = readLog(c.logPath, 0);
    const stamp = (l: LogLine): LogLine => (opts.timestamps ? { ...l, log: `${l.time} ${l.log}` } : l);
    const lines = opts.tail !== undefined && opts.tail >= 0 ? all.lines.slice(Math.max(0, all.lines.length - opts.tail)) : all.lines;
    emit(io, lines.map(stamp));
    if (!opts.follow || c.state.status !== 'running') return;
    let offset = all.offset;
    for (;;) {
      await this.clock.sleep(this.pollMs);
      const r = await this.tx(async (tx) => {
        const cur = tx.state.containers[c.id];
        if (cur) await refresh(tx, cur);
        const got = readLog(c.logPath, offset);
        offset = got.offset;
        emit(io, got.lines.map(stamp));
        return !cur || !tx.state.containers[c.id] || cur.state.status !== 'running';
      });
      if (r) return;
    }
  }

  async wait(name: string): Promise<number> {
    const c = await this.view((tx) => structuredClone(findContainer(tx, name)));
    const done = await this.waitExit(c.id);
    return done?.state.exitCode ?? c.state.exitCode;
  }
}
