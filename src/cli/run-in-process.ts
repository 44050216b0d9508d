// Run a boxlab command inside this process, as the lesson runner does: main() with stdout and
// stderr captured (context's io is swapped for the call), the lab's events collected (through
// context's labListeners), and the state home chosen by BOXLAB_HOME for the call. Calls are
// queued: one command at a time, as a person types them.
import { readFileSync } from 'node:fs';
import type { LabEvent } from '../engine/events.js';
import { createKernel } from '../kernel/index.js';
import { run } from '../kernel/real/run.js';
import { io, labListeners } from './context.js';
import { packageRoot } from '../paths.js';

export interface InProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  events: LabEvent[];
}

const root = `${packageRoot()}/`;
let version: string | undefined;
function versionOf(): string {
  version ??= (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  return version;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * `boxlab ARGS` with BOXLAB_HOME=home, in this process. --help and --version print through
 * yargs (console.log, process.exit), so those run in a child process instead.
 */
export function runInProcess(args: string[], opts: { home: string; onEvent?: (e: LabEvent) => void }): Promise<InProcessResult> {
  const next = queue.then(() => (args.includes('--help') || args.includes('--version') ? viaChild(args, opts.home) : inProcess(args, opts)));
  queue = next.catch(() => undefined);
  return next;
}

async function inProcess(args: string[], opts: { home: string; onEvent?: (e: LabEvent) => void }): Promise<InProcessResult> {
  const r: InProcessResult = { stdout: '', stderr: '', exitCode: 0, events: [] };
  const saved = { out: io.out, err: io.err, home: process.env.BOXLAB_HOME };
  const listen = (e: LabEvent) => {
    r.events.push(e);
    opts.onEvent?.(e);
  };
  io.out = (t) => void (r.stdout += t);
  io.err = (t) => void (r.stderr += t);
  process.env.BOXLAB_HOME = opts.home;
  labListeners.add(listen);
  try {
    // loaded when first used: the lab UI opens without the whole CLI
    const { main } = await import('./main.js');
    r.exitCode = await main(args, versionOf());
  } finally {
    labListeners.delete(listen);
    io.out = saved.out;
    io.err = saved.err;
    if (saved.home === undefined) delete process.env.BOXLAB_HOME;
    else process.env.BOXLAB_HOME = saved.home;
  }
  return r;
}

async function viaChild(args: string[], home: string): Promise<InProcessResult> {
  const r = await run([process.execPath, `${root}bin/boxlab.js`, ...args], { env: { BOXLAB_HOME: home }, raw: true });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, events: [] };
}

/** What a lesson needs from the CLI: boxlab commands in-process, raw commands through sh, the kernel. */
export const lessonHost = {
  exec: (args: string[], opts: { home: string; onEvent?: (e: LabEvent) => void }) => runInProcess(args, opts),
  // the lesson's checks see the lab the commands made: its bridge where BOXLAB_HOST_NETNS put it
  kernel: ((m, o) => createKernel(m, { ...o, real: { hostNetns: process.env.BOXLAB_HOST_NETNS || undefined } })) as typeof createKernel,
  shell: async (line: string) => {
    const r = await run(['sh', '-c', line], { timeoutMs: 60_000, raw: true });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  },
};
