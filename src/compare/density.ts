// Density, computed (not started): how many units fit a memory budget, and how many can be
// started one after another within a time budget, from the per-unit memory and start time
// measured (or cited) in the other rows. The smaller of the two bounds is the answer.

export interface Budget {
  memoryMB: number;
  seconds: number;
}

export interface Fit {
  byMemory: number;
  byTime: number;
  fit: number;
  bound: 'memory' | 'time';
}

export function fits(perUnitMB: number, startMs: number, budget: Budget): Fit {
  const byMemory = perUnitMB > 0 ? Math.floor(budget.memoryMB / perUnitMB) : Infinity;
  const byTime = startMs > 0 ? Math.floor((budget.seconds * 1000) / startMs) : Infinity;
  const fit = Math.min(byMemory, byTime);
  return { byMemory, byTime, fit: Number.isFinite(fit) ? fit : 0, bound: byMemory <= byTime ? 'memory' : 'time' };
}

/** Half the memory this machine has free (at most 8 GiB), and 10 seconds. */
export function defaultBudget(memAvailableMB: number): Budget {
  return { memoryMB: Math.max(256, Math.min(8192, Math.floor(memAvailableMB / 2))), seconds: 10 };
}
