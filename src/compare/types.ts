// The comparison's data: rows of claims, each with a container cell and a VM cell. A cell is
// either measured here (method, samples, median, spread) or cited (source, "not measured here").
import type { Summary } from './stats.js';

export type Unit = 'ms' | 'MB' | 'x' | 'count' | 'text';

export interface Source {
  title: string;
  url: string;
}

export interface Cell {
  /** the number the bar is drawn from (ms, MB, ratio, count); absent for text-only cells */
  value?: number;
  unit: Unit;
  /** what the cell says, e.g. "3.1 ms (IQR 2.9–3.4, n=9)" */
  text: string;
  measured: boolean;
  /** how it was measured (the command), or what the cited figure is */
  method: string;
  /** samples behind the figure; 0 for a cited one */
  samples: number;
  stat?: Summary;
  source?: Source;
  /** what went wrong, in one line, when this cell fell back */
  failure?: string;
}

export type RowId = 'start' | 'disk' | 'memory' | 'performance' | 'density' | 'isolation';

export interface Row {
  id: RowId;
  /** the seeds' claim, as the usual table states it */
  claim: string;
  container: Cell;
  vm: Cell;
  /** further figures: baselines, cited references */
  more: (Cell & { label: string })[];
  /** draw the bars on a log scale (the values span orders of magnitude) */
  log: boolean;
  /** one sentence: what it means, and where the claim oversimplifies */
  meaning: string;
}

export interface Comparison {
  mode: 'sim' | 'real';
  quick: boolean;
  /** when it was measured, ISO */
  at: string;
  host: { kernel: string; cpus: number; memMB: number };
  /** how the VM ran: accelerator and why, kernel, initramfs */
  vm: { accel: 'kvm' | 'tcg' | 'none'; note: string; kernel?: string };
  rows: Row[];
  /** every fault met, one line each */
  notes: string[];
  /** the host PIDs of every process compare started (qemu, unshare, workloads, the memory container's PID 1): none outlives the command */
  pids: number[];
}

export const NOT_MEASURED = 'not measured here';
