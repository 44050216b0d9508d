import type { Clock } from '../../src/kernel/kernel.js';

/** A clock that only moves when something sleeps on it: a ten-minute sleep takes no time. */
export function fakeClock(start = Date.UTC(2026, 10, 25, 12, 0, 0)): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
