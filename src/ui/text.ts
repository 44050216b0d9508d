// Fitting text into a box: display width (CJK counts two columns), hard wrapping, and keeping the
// last lines that fit, so a panel's height never grows with its content and the screen stays put.
import { stripVTControlCharacters } from 'node:util';

const wide = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x115f) ||
  (cp >= 0x2e80 && cp <= 0xa4cf) ||
  (cp >= 0xac00 && cp <= 0xd7a3) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0xfe30 && cp <= 0xfe4f) ||
  (cp >= 0xff00 && cp <= 0xff60) ||
  (cp >= 0xffe0 && cp <= 0xffe6) ||
  (cp >= 0x1f300 && cp <= 0x1faff) ||
  (cp >= 0x20000 && cp <= 0x3fffd);

/** Columns a string takes on a terminal (escape sequences ignored). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of stripVTControlCharacters(s)) w += wide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return w;
}

/** Split one line (no escapes) into rows of at most `width` columns. */
export function hardWrap(line: string, width: number): string[] {
  const w = Math.max(1, width);
  const plain = stripVTControlCharacters(line).replace(/\t/g, '    ');
  if (plain === '') return [''];
  const rows: string[] = [];
  let row = '';
  let cols = 0;
  for (const ch of plain) {
    const cw = wide(ch.codePointAt(0) ?? 0) ? 2 : 1;
    if (cols + cw > w) {
      rows.push(row);
      row = '';
      cols = 0;
    }
    row += ch;
    cols += cw;
  }
  rows.push(row);
  return rows;
}

/** The last `max` rows of `lines` wrapped to `width`, and how many rows were left out above. */
export function tailRows(lines: readonly string[], width: number, max: number): { rows: string[]; hidden: number } {
  const rows = lines.flatMap((l) => hardWrap(l, width));
  if (rows.length <= max) return { rows, hidden: 0 };
  const keep = Math.max(0, max - 1); // one row says how many were left out
  return { rows: rows.slice(rows.length - keep), hidden: rows.length - keep };
}

/** Text split into lines, without a trailing empty one. */
export function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Cut a string to `width` columns, ending with … when cut. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  const rows = hardWrap(s, Math.max(1, width - 1));
  return `${rows[0]}…`;
}
