// Output as the docker CLI prints it: tables padded like Go's tabwriter (three spaces between
// columns), durations like go-units' HumanDuration, sizes like go-units' HumanSize, and a small
// Go-template subset for --format ({{.Field}}, {{json .}}, {{.A.B}}, `table` prefix).
import { UserError } from '../engine/errors.js';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** go-units HumanDuration: "Less than a second", "5 seconds", "About a minute", "3 hours" ... */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(m / 60);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** go-units HumanSize (decimal units, 3 significant digits): 4.26MB, 1.2kB, 0B */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Docker's Ellipsis then strconv.Quote: `"sh -c 'sleep 1…"` */
export function quoteCommand(cmd: string, max = 20): string {
  const chars = [...cmd];
  const cut = chars.length > max ? chars.slice(0, max - 1).join('') + '…' : cmd;
  return JSON.stringify(cut);
}

function lookup(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const key of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v as object).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

/** Render a Go-template subset against one object. Throws on a template it cannot read. */
export function renderTemplate(template: string, data: unknown): string {
  const t = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return t.replace(/\{\{\s*(.*?)\s*\}\}/g, (_all, expr: string) => {
    const json = /^json\s+(\S+)$/.exec(expr);
    if (json) return JSON.stringify(json[1] === '.' ? data : lookup(data, json[1]));
    const field = /^(\.[\w.]*)$/.exec(expr);
    if (field) return field[1] === '.' ? show(data) : show(lookup(data, field[1]));
    const up = /^(upper|lower)\s+(\.[\w.]*)$/.exec(expr);
    if (up) return up[1] === 'upper' ? show(lookup(data, up[2])).toUpperCase() : show(lookup(data, up[2])).toLowerCase();
    throw new UserError(`template: unsupported expression {{${expr}}}`, 'boxlab understands {{.Field}}, {{.A.B}}, {{json .}}, {{upper .F}} and a leading `table`.', 1);
  });
}

/** --format for listings: `table ...` keeps a header row; otherwise one line per row. */
export function formatRows(template: string, rows: Record<string, unknown>[], headerNames: Record<string, string> = {}): string {
  const isTable = template.startsWith('table');
  const body = isTable ? template.replace(/^table\s*/, '') : template;
  if (!isTable) return rows.map((r) => renderTemplate(body, r) + '\n').join('');
  const cells = (text: string) => text.split('\t');
  const header = cells(body.replace(/\\t/g, '\t').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_a, f: string) => headerNames[f] ?? f.toUpperCase()));
  return table(header, rows.map((r) => cells(renderTemplate(body, r))));
}
