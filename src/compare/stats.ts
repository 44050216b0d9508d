// Statistics for the comparison: median, spread (IQR when there are enough samples, else
// min–max) and the sample count, so every figure says how it was summarised.

export interface Spread {
  kind: 'iqr' | 'min-max';
  lo: number;
  hi: number;
}

export interface Summary {
  median: number;
  spread: Spread;
  /** how many samples the summary is of */
  n: number;
  min: number;
  max: number;
}

/** The q-quantile (0..1) of sorted values, linear between neighbours (R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** IQR from 4 samples up (fewer cannot make quartiles worth the name); min–max below that. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) throw new Error('summarize: no samples');
  const s = [...finite].sort((a, b) => a - b);
  const spread: Spread = s.length >= 4 ? { kind: 'iqr', lo: quantile(s, 0.25), hi: quantile(s, 0.75) } : { kind: 'min-max', lo: s[0], hi: s[s.length - 1] };
  return { median: quantile(s, 0.5), spread, n: s.length, min: s[0], max: s[s.length - 1] };
}

/** "12.3 ms (IQR 11.9–13.0, n=9)" */
export function describeSummary(s: Summary, fmt: (v: number) => string): string {
  const spread = s.n === 1 ? '' : `${s.spread.kind === 'iqr' ? 'IQR' : 'min–max'} ${fmt(s.spread.lo)}–${fmt(s.spread.hi)}, `;
  return `${fmt(s.median)} (${spread}n=${s.n})`;
}
