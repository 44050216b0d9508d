// Processes the comparison starts itself (qemu, the bare unshare baseline, host workloads):
// each with a timeout, tracked by PID, and killed when boxlab exits or is interrupted, so no
// qemu or container process outlives the command. (Container processes started through the
// engine are the engine's: compare removes those containers itself.)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Map<number, ChildProcess>();
/** every PID compare has started in this process, for tests and the report */
export const startedPids: number[] = [];
let hooked = false;

function killAll(): void {
  for (const [pid, child] of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    live.delete(pid);
  }
}

/** async clean-ups to run on Ctrl-C / SIGTERM (removing containers compare made), at most 10 s */
const cleanups = new Set<() => Promise<void>>();
let interrupted = false;

function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  killAll();
  const all = Promise.allSettled([...cleanups].map((f) => f()));
  const limit = new Promise((r) => setTimeout(r, 10_000).unref());
  void Promise.race([all, limit]).then(() => {
    unhook(true);
    process.kill(process.pid, sig);
  });
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

function unhook(force = false): void {
  if (!hooked || (!force && (live.size || cleanups.size))) return;
  hooked = false;
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
}

/** Run fn on Ctrl-C or SIGTERM while registered (before boxlab exits); returns the unregister. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  hook();
  return () => {
    cleanups.delete(fn);
    unhook();
  };
}

export interface Spawned {
  pid: number;
  /** resolves when the process has exited (or was killed) */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; ms: number }>;
  kill(): void;
  onLine(fn: (line: string, atMs: number) => void): void;
  /** ms since spawn */
  elapsed(): number;
}

export class SpawnError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

/** Start argv with stdout+stderr read line by line; killed (SIGKILL) after timeoutMs. */
export function start(argv: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', ...opts.env } });
    let timedOut = false;
    const listeners: ((line: string, at: number) => void)[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        const at = performance.now() - t0;
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          for (const l of listeners) l(line, at);
        }
      });
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(new SpawnError(e.code === 'ENOENT' ? `${argv[0]} is not installed` : `${argv[0]}: ${e.message}`, e.code === 'ENOENT'));
    });
    child.once('spawn', () => {
      const pid = child.pid as number;
      hook();
      live.set(pid, child);
      startedPids.push(pid);
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; ms: number }>((res) => {
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          live.delete(pid);
          unhook();
          res({ code, signal, timedOut, ms: performance.now() - t0 });
        });
      });
      feed(child.stdout!);
      feed(child.stderr!);
      resolve({
        pid,
        done,
        kill: () => child.kill('SIGKILL'),
        onLine: (fn) => listeners.push(fn),
        elapsed: () => performance.now() - t0,
      });
    });
  });
}

/** Run to the end; stdout, exit code and wall time. */
export async function runTimed(argv: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; ms: number; timedOut: boolean }> {
  const p = await start(argv, { timeoutMs });
  let stdout = '';
  p.onLine((l) => (stdout += `${l}\n`));
  const r = await p.done;
  return { code: r.code, stdout, ms: r.ms, timedOut: r.timedOut };
}

/** Is this PID still a live process (not a zombie)? */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
