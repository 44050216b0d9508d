// What every command needs: the lab for the chosen mode, an engine over it, output streams,
// and the one place errors become one line and an exit code.
import { Engine, type Io } from '../engine/engine.js';
import { UserError } from '../engine/errors.js';
import type { LabEvent } from '../engine/events.js';
import { Lab, defaultHome } from '../engine/lab.js';
import { createKernel, type Mode } from '../kernel/index.js';
import { KernelError } from '../kernel/kernel.js';

export interface GlobalArgs {
  mode?: string;
  real?: boolean;
  events?: boolean;
}

export const io: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export function modeOf(argv: GlobalArgs): Mode {
  if (argv.real) return 'real';
  if (argv.mode === 'real' || argv.mode === 'sim') return argv.mode;
  return 'sim';
}

export function engineFor(argv: GlobalArgs): Engine {
  const mode = modeOf(argv);
  // BOXLAB_HOST_NETNS puts real mode's bridge in a namespace of its own (tests, demos on a shared host)
  const hostNetns = process.env.BOXLAB_HOST_NETNS || undefined;
  const lab = new Lab({ mode, home: defaultHome(mode), kernel: (m, o) => createKernel(m, { ...o, real: { hostNetns } }) });
  if (argv.events) lab.onEvent((e) => io.err(describeEvent(e)));
  for (const l of labListeners) lab.onEvent(l);
  return new Engine(lab);
}

/** Listeners every lab made by engineFor hears: in-process runs (the lesson runner) collect events here. */
export const labListeners = new Set<(e: LabEvent) => void>();

/** --events: engine steps as a sentence, kernel actions as the command that does them. */
export function describeEvent(e: LabEvent): string {
  if (e.kind === 'engine.step') return `== ${e.text}\n`;
  return `   $ ${e.command}\n`;
}

/** The exit code a command ends with, set by handlers. */
export const exit = { code: 0 };

/** Apply fn to each name; report each failure as docker does, go on, and exit 1 if any failed. */
export async function each(names: string[], fn: (name: string) => Promise<void>): Promise<void> {
  let failed = 0;
  for (const n of names) {
    try {
      await fn(n);
    } catch (e) {
      if (names.length === 1 || !(e instanceof UserError)) throw e;
      io.err(`boxlab: ${e.message}\n`);
      failed++;
    }
  }
  if (failed) exit.code = 1;
}

/** Turn an error into one line on stderr and an exit code; anything unexpected is a bug. */
export function reportError(e: unknown): number {
  if (e instanceof UserError) {
    const sep = /[.!?:]$/.test(e.message) ? '' : '.';
    io.err(`boxlab: ${e.message}${e.tryNext ? `${sep} ${e.tryNext}` : ''}\n`);
    return e.exitCode;
  }
  if (e instanceof KernelError) {
    io.err(`boxlab: ${e.message}${e.command ? ` (ran: ${e.command})` : ''}\n`);
    return 1;
  }
  const err = e as Error;
  io.err(`boxlab: internal error: ${err?.message ?? String(e)}\nThis is a bug in boxlab; the details follow.\n${err?.stack ?? ''}\n`);
  return 1;
}
