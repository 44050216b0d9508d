// Choosing a kernel: the simulated one (default, any OS) or the real one (Linux, root).
import type { Clock, Kernel } from './kernel.js';
import { KernelError } from './kernel.js';
import { SimKernel } from './sim/kernel.js';
import { RealKernel, type RealKernelOptions } from './real/kernel.js';
import { realUnavailable } from './real/ready.js';
import type { SimState } from './sim/state.js';

export type Mode = 'sim' | 'real';

export interface KernelOptions {
  /** the sim kernel's stored state, if there is one */
  state?: unknown;
  clock?: Clock;
  /** real mode: run dir, cgroup root, a network namespace for the bridge (tests) */
  real?: Omit<RealKernelOptions, 'clock'>;
}

export function createKernel(mode: Mode, opts: KernelOptions = {}): Kernel {
  if (mode === 'real') {
    const why = realUnavailable();
    if (why) throw new KernelError(`Real mode cannot run here: ${why.reason}. Continue in sim mode (drop --real); 'boxlab doctor' lists every check.`, why.errno);
    return new RealKernel({ ...opts.real, clock: opts.clock });
  }
  return new SimKernel({ state: opts.state as SimState | undefined, clock: opts.clock });
}

export type { Kernel } from './kernel.js';
