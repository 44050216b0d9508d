// Choosing a kernel: the simulated one (default, any OS) or the real one (Linux, root).
import type { Clock, Kernel } from './kernel.js';
import { KernelError } from './kernel.js';
import { SimKernel } from './sim/kernel.js';
import type { SimState } from './sim/state.js';

export type Mode = 'sim' | 'real';

export interface KernelOptions {
  /** the sim kernel's stored state, if there is one */
  state?: unknown;
  clock?: Clock;
}

export function createKernel(mode: Mode, opts: KernelOptions = {}): Kernel {
  if (mode === 'real') {
    throw new KernelError(
      'Real mode is not available yet: the real-kernel backend is still being built.',
      'ENOSYS',
    );
  }
  return new SimKernel({ state: opts.state as SimState | undefined, clock: opts.clock });
}

export type { Kernel } from './kernel.js';
