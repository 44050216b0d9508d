// The comparison as text: row by row the claim, the container's and the VM's figure with a bar
// drawn to scale (log scale where the values span more than RANGE_FOR_LOG×), further figures
// (baselines, cited references with their sources), and one sentence on what it means and where
// the claim oversimplifies. The CLI prints it; the UI's Compare screen shows the same lines.
import type { Cell, Comparison, Row } from './types.js';

export const RANGE_FOR_LOG = 20;

export interface Scale {
  lo: number;
  hi: number;
  log: boolean;
}

/** The scale for a row's values: log when asked and the range needs it, else linear from 0. */
export function scaleFor(values: number[], preferLog: boolean): Scale | null {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (!v.length) return null;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const log = preferLog && hi / lo > RANGE_FOR_LOG;
  return log ? { lo: lo / 2, hi, log } : { lo: 0, hi, log };
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of at most `width` cells for value on scale; eighth blocks for the remainder; at least a sliver when > 0. */
export function bar(value: number, scale: Scale, width: number): string {
  if (!Number.isFinite(value) || value <= 0 || width <= 0) return '';
  let frac: number;
  if (scale.log) {
    const span = Math.log(scale.hi) - Math.log(scale.lo);
    frac = span > 0 ? (Math.log(value) - Math.log(scale.lo)) / span : 1;
  } else frac = scale.hi > 0 ? value / scale.hi : 0;
  frac = Math.max(0, Math.min(1, frac));
  const eighths = Math.max(1, Math.round(frac * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));

function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && (indent + line + ' ' + w).length > width) {
      out.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out;
}

const TITLES: Record<Row['id'], string> = {
  start: 'START', disk: 'DISK', memory: 'MEMORY', performance: 'PERFORMANCE', density: 'DENSITY', isolation: 'ISOLATION',
};

export function rowLines(row: Row, width: number): string[] {
  const labelW = Math.min(34, Math.max(14, Math.floor(width * 0.3)));
  const barW = Math.max(8, Math.min(28, Math.floor(width * 0.22)));
  const cells: { label: string; cell: Cell; main: boolean }[] = [
    { label: 'container', cell: row.container, main: true },
    { label: 'VM', cell: row.vm, main: true },
    ...row.more.map((m) => ({ label: m.label, cell: m as Cell, main: false })),
  ];
  const unit = [row.container, row.vm, ...row.more].find((c) => c.unit !== 'text' && c.value !== undefined)?.unit;
  const numeric = cells.filter((c) => c.cell.value !== undefined && c.cell.unit === unit);
  const scale = unit ? scaleFor(numeric.map((c) => c.cell.value!), row.log) : null;
  const lines = [`${TITLES[row.id]}  “${row.claim}”`];
  for (const { label, cell, main } of cells) {
    const b = scale && cell.value !== undefined && cell.unit === unit ? bar(cell.value, scale, barW) : '';
    const tag = cell.source && !cell.measured ? ' [cited]' : '';
    const prefix = `  ${pad(label.length > labelW ? `${label.slice(0, labelW - 1)}…` : label, labelW)} ${pad(b, barW)} `;
    const body = wrap(`${cell.text}${tag}`, Math.max(20, width - prefix.length), '');
    body.forEach((l, i) => lines.push(`${i ? ' '.repeat(prefix.length) : prefix}${l}`));
    if (main && cell.measured) lines.push(...wrap(`how: ${cell.method}`, width, '      '));
    if (cell.source) lines.push(...wrap(`source: ${cell.source.title}${/^https?:/.test(cell.source.url) ? ` — ${cell.source.url}` : ''}`, width, '      '));
    if (cell.failure) lines.push(...wrap(`! ${cell.failure}`, width, '      '));
  }
  if (scale) lines.push(`  ${' '.repeat(labelW + 1)}${scale.log ? 'log scale' : 'linear scale'}${scale.log ? ` ${fmt(scale.lo * 2, unit!)} … ${fmt(scale.hi, unit!)}` : ` 0 … ${fmt(scale.hi, unit!)}`}`);
  lines.push(...wrap(`→ ${row.meaning}`, width, '  '));
  return lines;
}

function fmt(v: number, unit: Cell['unit']): string {
  const n = v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2);
  return unit === 'x' ? `${n}×` : unit === 'count' ? n : `${n} ${unit}`;
}

export function headerLines(cmp: Comparison, width: number): string[] {
  const what = cmp.mode === 'real' ? 'measured on this machine' : 'sim mode: cited figures, not measured here';
  const lines = [
    `Container vs VM — ${what}${cmp.quick ? ' (quick: few samples)' : ''}`,
    `${cmp.mode === 'real' ? 'host' : 'this machine (not used in sim mode)'}: Linux ${cmp.host.kernel}, ${cmp.host.cpus} CPUs, ${Math.round(cmp.host.memMB / 1024)} GB · ${cmp.at}`,
  ];
  if (cmp.vm.note) lines.push(...wrap(`VM: ${cmp.vm.note}`, width, ''));
  return lines;
}

export function renderComparison(cmp: Comparison, width = 100): string {
  const w = Math.max(60, width);
  const out = [...headerLines(cmp, w), ''];
  for (const r of cmp.rows) out.push(...rowLines(r, w), '');
  if (cmp.notes.length) {
    out.push('What could not be measured, or fell back:');
    for (const n of [...new Set(cmp.notes)]) out.push(...wrap(`- ${n}`, w, ''));
  }
  return out.join('\n') + '\n';
}
