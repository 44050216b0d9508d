// The one place boxlab runs a host program: the exact argv, LC_ALL=C, and what came back
// (exit code, stdout, stderr, duration), so every real-kernel event carries what really ran.
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';

export interface RunResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** the program is not installed */
  missing: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** no pipes: for a program that leaves a detached child behind (`setsid -f ...`), which must not hold our stdout open */
  detached?: boolean;
  /** more environment (LC_ALL=C is always set) */
  env?: Record<string, string>;
  /** keep the output exactly, final newline included */
  raw?: boolean;
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const r = await execa(argv[0], argv.slice(1), {
    reject: false,
    env: { ...opts.env, LC_ALL: 'C' },
    timeout: opts.timeoutMs ?? 10_000,
    stripFinalNewline: !opts.raw,
    ...(opts.detached ? { stdio: 'ignore' as const } : { input: opts.input }),
  });
  const missing = (r as { code?: string }).code === 'ENOENT';
  return {
    argv,
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : 127,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: performance.now() - t0,
    missing,
  };
}

/**
 * Start argv on this process's own terminal (stdin, stdout and stderr inherited) and return at
 * once; `ended` resolves with its exit code (127 when it is not installed). For a program that
 * takes over the terminal in the foreground, as a container started with `-it` does.
 */
export function startOnTerminal(argv: string[]): { ended: Promise<number> } {
  const child = execa(argv[0], argv.slice(1), { reject: false, stdio: 'inherit', env: { LC_ALL: 'C' } });
  return { ended: child.then((r) => (typeof r.exitCode === 'number' ? r.exitCode : (r as { code?: string }).code === 'ENOENT' ? 127 : 1)) };
}

/**
 * Start argv detached, as `setsid -f` would (a session of its own, no terminal, stdio on
 * /dev/null) and return once it runs, without waiting for it: for a supervisor that outlives
 * the CLI. exitCode 0 means it started; 127 and missing, that it is not installed.
 */
export async function startDetached(argv: string[]): Promise<RunResult> {
  const t0 = performance.now();
  const child = execa(argv[0], argv.slice(1), { detached: true, stdio: 'ignore', reject: false, cleanup: false, env: { LC_ALL: 'C' } });
  child.unref();
  void child.catch(() => undefined);
  const started = await new Promise<boolean>((res) => {
    child.once('spawn', () => res(true));
    child.once('error', () => res(false));
  });
  return { argv, exitCode: started ? 0 : 127, stdout: '', stderr: '', durationMs: performance.now() - t0, missing: !started };
}

/** run() without awaiting: for the few synchronous readers (readRealTree's getfattr). */
export function runSync(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): RunResult {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), {
    env: { ...process.env, LC_ALL: 'C' },
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return {
    argv,
    exitCode: typeof r.status === 'number' ? r.status : 127,
    stdout: String(r.stdout ?? '').replace(/\n$/, ''),
    stderr: String(r.stderr ?? '').replace(/\n$/, ''),
    durationMs: performance.now() - t0,
    missing,
  };
}
