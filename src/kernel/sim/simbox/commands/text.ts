// simbox text commands: echo printf wc head tail grep cut sort uniq tee seq tr — filters over
// files or stdin, with busybox's option letters and output layout.
import { eachInput, errText, getopt, lines, type CommandFn, type Ctx } from './types.js';

function escapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '\\' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'e': out += '\x1b'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case '0': {
        const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0];
        out += String.fromCharCode(parseInt(m || '0', 8));
        i += m.length;
        break;
      }
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += '\\x';
        break;
      }
      default: out += `\\${n}`;
    }
  }
  return { text: out, stop: false };
}

const echo: CommandFn = (c) => {
  const args = c.argv.slice(1);
  let newline = true;
  let esc = false;
  while (args.length && /^-[neE]+$/.test(args[0])) {
    const a = args.shift()!;
    if (a.includes('n')) newline = false;
    if (a.includes('e')) esc = true;
    if (a.includes('E')) esc = false;
  }
  let text = args.join(' ');
  if (esc) {
    const r = escapes(text);
    text = r.text;
    if (r.stop) newline = false;
  }
  c.out(newline ? `${text}\n` : text);
  return 0;
};

const printf: CommandFn = (c) => {
  const [fmt, ...args] = c.argv.slice(1);
  if (fmt === undefined) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: printf FORMAT [ARG]...\n');
    return 1;
  }
  let out = '';
  let ai = 0;
  let status = 0;
  do {
    const used = ai;
    let stop = false;
    out += fmt.replace(/%([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([sdibxXocufeEgG%])|\\(?:[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/g, (m, flags: string, width: string, prec: string, conv: string) => {
      if (stop) return '';
      if (m.startsWith('\\')) {
        const r = escapes(m);
        if (r.stop) stop = true;
        return r.text;
      }
      if (conv === '%') return '%';
      let w = width;
      if (w === '*') w = args[ai++] ?? '0';
      const arg = args[ai++];
      let s: string;
      switch (conv) {
        case 's': s = arg ?? ''; if (prec !== undefined) s = s.slice(0, Number(prec)); break;
        case 'b': { const r = escapes(arg ?? ''); s = r.text; if (r.stop) stop = true; break; }
        case 'c': s = (arg ?? '').slice(0, 1); break;
        case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
          const n = arg === undefined || arg === '' ? 0 : /^'/.test(arg) ? arg.charCodeAt(1) : Number(arg);
          if (!Number.isFinite(n)) {
            c.err(`printf: invalid number '${arg}'\n`);
            status = 1;
          }
          const v = Math.trunc(Number.isFinite(n) ? n : 0);
          s = conv === 'x' ? v.toString(16) : conv === 'X' ? v.toString(16).toUpperCase() : conv === 'o' ? v.toString(8) : String(v);
          if (flags.includes('+') && v >= 0 && (conv === 'd' || conv === 'i')) s = `+${s}`;
          break;
        }
        default: {
          const n = Number(arg ?? 0);
          s = conv === 'e' || conv === 'E' ? n.toExponential(Number(prec ?? 6)) : conv === 'g' || conv === 'G' ? String(n) : n.toFixed(Number(prec ?? 6));
        }
      }
      const wn = Number(w ?? 0);
      if (s.length < wn) {
        if (flags.includes('-')) s = s.padEnd(wn);
        else if (flags.includes('0') && conv !== 's') s = s.startsWith('-') ? '-' + s.slice(1).padStart(wn - 1, '0') : s.padStart(wn, '0');
        else s = s.padStart(wn);
      }
      return s;
    });
    if (stop || ai === used) break;
  } while (ai < args.length);
  c.out(out);
  return status;
};

const wc: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  let want = ['l', 'w', 'c', 'L'].filter((f) => o.flags.has(f) || (f === 'c' && o.flags.has('m')));
  if (!want.length) want = ['l', 'w', 'c'];
  const totals: Record<string, number> = { l: 0, w: 0, c: 0, L: 0 };
  const rows: { counts: Record<string, number>; name: string }[] = [];
  const status = eachInput(c, 'wc', o.rest, (text, file) => {
    const counts: Record<string, number> = {
      l: (text.match(/\n/g) ?? []).length,
      w: text.split(/\s+/).filter(Boolean).length,
      c: Buffer.byteLength(text),
      L: Math.max(0, ...text.split('\n').map((l) => l.length)),
    };
    for (const k of Object.keys(totals)) totals[k] = k === 'L' ? Math.max(totals[k], counts[k]) : totals[k] + counts[k];
    rows.push({ counts, name: file === '-' && !o.rest.length ? '' : file });
  });
  if (rows.length > 1) rows.push({ counts: totals, name: 'total' });
  for (const r of rows) {
    if (!r.name && want.length === 1) {
      c.out(`${r.counts[want[0]]}\n`);
      continue;
    }
    const cols = want.map((k, i) => (i === 0 ? String(r.counts[k]).padStart(9) : ' ' + String(r.counts[k]).padStart(9))).join('');
    c.out(`${cols}${r.name ? ` ${r.name}` : ''}\n`);
  }
  return status;
};

/** -n N / -N / -n +N argument handling shared by head and tail. */
function countArg(c: Ctx): { n: number; from: boolean; bytes: boolean; files: string[] } | null {
  const args = c.argv.slice(1).map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const o = getopt(args, 'nc');
  const raw = o.vals.c ?? o.vals.n ?? '10';
  const from = raw.startsWith('+');
  const n = Number(raw.replace(/^[+-]/, ''));
  if (!Number.isInteger(n)) {
    c.err(`${c.argv[0]}: invalid number '${raw}'\n`);
    return null;
  }
  return { n, from, bytes: o.vals.c !== undefined, files: o.rest };
}

const head: CommandFn = (c) => {
  const a = countArg(c);
  if (!a) return 1;
  const many = a.files.length > 1;
  let first = true;
  return eachInput(c, 'head', a.files, (text, file) => {
    if (many) c.out(`${first ? '' : '\n'}==> ${file === '-' ? 'standard input' : file} <==\n`);
    first = false;
    if (a.bytes) c.out(text.slice(0, a.n));
    else c.out(lines(text).slice(0, a.n).map((l) => `${l}\n`).join(''));
  });
};

const tail: CommandFn = (c) => {
  const a = countArg(c);
  if (!a) return 1;
  const many = a.files.length > 1;
  let first = true;
  return eachInput(c, 'tail', a.files, (text, file) => {
    if (many) c.out(`${first ? '' : '\n'}==> ${file === '-' ? 'standard input' : file} <==\n`);
    first = false;
    if (a.bytes) {
      c.out(a.from ? text.slice(Math.max(0, a.n - 1)) : a.n === 0 ? '' : text.slice(-a.n));
      return;
    }
    const ls = lines(text);
    const picked = a.from ? ls.slice(Math.max(0, a.n - 1)) : a.n === 0 ? [] : ls.slice(-a.n);
    c.out(picked.map((l) => `${l}\n`).join(''));
  });
};

/** POSIX basic regular expression → JavaScript RegExp source. */
function breToJs(re: string): string {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\' && i + 1 < re.length) {
      const n = re[++i];
      if ('(){}|+?'.includes(n)) out += n;
      else if (n === '<' || n === '>') out += '\\b';
      else out += `\\${n}`;
      continue;
    }
    if (ch === '[') {
      const close = re.indexOf(']', i + (re[i + 1] === '^' ? 3 : 2) - 1 + 1);
      if (close > 0) {
        out += re.slice(i, close + 1).replace(/\[:(\w+):\]/g, (_, cls: string) => POSIX_CLASSES[cls] ?? '');
        i = close;
        continue;
      }
    }
    if ('(){}|+?'.includes(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f',
};

const grep: CommandFn = (c) => {
  const args = c.argv.slice(1);
  const o = getopt(args, 'em');
  const f = o.flags;
  const patterns: string[] = [];
  if (o.vals.e !== undefined) patterns.push(o.vals.e);
  else if (o.rest.length) patterns.push(o.rest.shift()!);
  else {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n');
    return 2;
  }
  const extended = f.has('E') || c.argv[0] === 'egrep';
  const fixed = f.has('F') || c.argv[0] === 'fgrep';
  let re: RegExp;
  try {
    const src = patterns
      .map((p) => (fixed ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : extended ? p : breToJs(p)))
      .map((p) => (f.has('w') ? `\\b(?:${p})\\b` : f.has('x') ? `^(?:${p})$` : p))
      .join('|');
    re = new RegExp(src, f.has('i') ? 'i' : '');
  } catch (e) {
    c.err(`grep: bad regex '${patterns[0]}': ${errText(e)}\n`);
    return 2;
  }
  const files = o.rest;
  const showName = (files.length > 1 || f.has('H')) && !f.has('h');
  const max = o.vals.m !== undefined ? Number(o.vals.m) : Infinity;
  let matched = false;
  const status = eachInput(c, 'grep', files, (text, file) => {
    const name = file === '-' ? '(standard input)' : file;
    let count = 0;
    lines(text).forEach((line, idx) => {
      if (count >= max) return;
      const hit = re.test(line) !== f.has('v');
      if (!hit) return;
      count++;
      matched = true;
      if (f.has('q') || f.has('l') || f.has('L') || f.has('c')) return;
      const prefix = `${showName ? `${name}:` : ''}${f.has('n') ? `${idx + 1}:` : ''}`;
      if (f.has('o') && !f.has('v')) {
        const g = new RegExp(re.source, re.flags + 'g');
        for (const m of line.matchAll(g)) if (m[0]) c.out(`${prefix}${m[0]}\n`);
      } else c.out(`${prefix}${line}\n`);
    });
    if (f.has('q')) return;
    if (f.has('c')) c.out(`${showName ? `${name}:` : ''}${count}\n`);
    else if (f.has('l') && count) c.out(`${name}\n`);
    else if (f.has('L') && !count) c.out(`${name}\n`);
  });
  if (f.has('q') && matched) return 0;
  if (status && !f.has('s')) return 2;
  return matched ? 0 : 1;
};

function parseList(spec: string): ((n: number) => boolean) | null {
  const ranges: [number, number][] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (!m[1] && !m[3])) return null;
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    ranges.push([a, b]);
  }
  return (n) => ranges.some(([a, b]) => n >= a && n <= b);
}

const cut: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'dfcb');
  const spec = o.vals.f ?? o.vals.c ?? o.vals.b;
  const pick = spec ? parseList(spec) : null;
  if (!pick) {
    c.err(spec ? `cut: invalid range '${spec}'\n` : 'cut: expected a list of bytes, characters, or fields\n');
    return 1;
  }
  const delim = o.vals.d ?? '\t';
  return eachInput(c, 'cut', o.rest, (text) => {
    for (const line of lines(text)) {
      if (o.vals.f !== undefined) {
        if (!line.includes(delim)) {
          if (!o.flags.has('s')) c.out(`${line}\n`);
          continue;
        }
        c.out(line.split(delim).filter((_, i) => pick(i + 1)).join(delim) + '\n');
      } else c.out([...line].filter((_, i) => pick(i + 1)).join('') + '\n');
    }
  });
};

const sort: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'kt');
  const all: string[] = [];
  const status = eachInput(c, 'sort', o.rest, (text) => all.push(...lines(text)));
  const key = (l: string): string => {
    if (!o.vals.k) return l;
    const k = Number(o.vals.k.split(',')[0].split('.')[0]);
    const fields = o.vals.t ? l.split(o.vals.t) : l.trim().split(/\s+/);
    return fields.slice(k - 1).join(o.vals.t ?? ' ');
  };
  const num = (s: string): number => {
    const m = /^\s*-?\d+(\.\d+)?/.exec(s);
    return m ? Number(m[0]) : 0;
  };
  let sorted = all.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (o.flags.has('n')) return num(ka) - num(kb) || (a < b ? -1 : a > b ? 1 : 0);
    const x = o.flags.has('f') ? ka.toLowerCase() : ka;
    const y = o.flags.has('f') ? kb.toLowerCase() : kb;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  if (o.flags.has('r')) sorted.reverse();
  if (o.flags.has('u')) sorted = sorted.filter((l, i) => i === 0 || key(l) !== key(sorted[i - 1]));
  c.out(sorted.map((l) => `${l}\n`).join(''));
  return status;
};

const uniq: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const all: string[] = [];
  const status = eachInput(c, 'uniq', o.rest.slice(0, 1), (text) => all.push(...lines(text)));
  const groups: { line: string; n: number }[] = [];
  for (const l of all) {
    const last = groups[groups.length - 1];
    const same = last && (o.flags.has('i') ? last.line.toLowerCase() === l.toLowerCase() : last.line === l);
    if (same) last.n++;
    else groups.push({ line: l, n: 1 });
  }
  for (const g of groups) {
    if (o.flags.has('d') && g.n < 2) continue;
    if (o.flags.has('u') && g.n > 1) continue;
    c.out(o.flags.has('c') ? `${String(g.n).padStart(7)} ${g.line}\n` : `${g.line}\n`);
  }
  return status;
};

const tee: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const text = c.stdin();
  let status = 0;
  for (const f of o.rest) {
    try {
      c.sys.writeFile(f, text, { append: o.flags.has('a') });
    } catch (e) {
      c.err(`tee: ${f}: ${errText(e)}\n`);
      status = 1;
    }
  }
  c.out(text);
  return status;
};

const seq: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1).map((a) => (/^-\d/.test(a) ? `\u0000${a}` : a)), 's');
  const nums = o.rest.map((a) => a.replace(/^\u0000/, ''));
  if (!nums.length || nums.length > 3) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n');
    return 1;
  }
  const vals = nums.map(Number);
  const bad = nums.find((n, i) => !Number.isFinite(vals[i]));
  if (bad !== undefined) {
    c.err(`seq: invalid number '${bad}'\n`);
    return 1;
  }
  const [first, inc, last] = vals.length === 1 ? [1, 1, vals[0]] : vals.length === 2 ? [vals[0], 1, vals[1]] : vals;
  if (inc === 0) return 1;
  const decimals = Math.max(...nums.map((n) => (n.includes('.') ? n.split('.')[1].length : 0)));
  const out: string[] = [];
  for (let v = first, i = 0; inc > 0 ? v <= last + 1e-9 : v >= last - 1e-9; v = first + ++i * inc) {
    out.push(v.toFixed(decimals));
    if (out.length > 1_000_000) break;
  }
  const width = o.flags.has('w') ? Math.max(...out.map((s) => s.length)) : 0;
  c.out(out.map((s) => s.padStart(width, '0')).join(o.vals.s ?? '\n') + (out.length ? '\n' : ''));
  return 0;
};

function expandSet(s: string): string {
  let out = '';
  const classes: Record<string, string> = {
    '[:upper:]': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '[:lower:]': 'abcdefghijklmnopqrstuvwxyz', '[:digit:]': '0123456789',
    '[:space:]': ' \t\n\r\f\v', '[:blank:]': ' \t',
  };
  for (const [k, v] of Object.entries(classes)) s = s.split(k).join(v);
  s = escapes(s).text;
  for (let i = 0; i < s.length; i++) {
    if (s[i + 1] === '-' && i + 2 < s.length) {
      for (let ch = s.charCodeAt(i); ch <= s.charCodeAt(i + 2); ch++) out += String.fromCharCode(ch);
      i += 2;
    } else out += s[i];
  }
  return out;
}

const tr: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const [a, b] = o.rest;
  if (a === undefined) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: tr [-cds] STRING1 [STRING2]\n');
    return 1;
  }
  const s1 = expandSet(a);
  const s2 = b === undefined ? '' : expandSet(b);
  const text = c.stdin();
  let out = '';
  for (const ch of text) {
    const i = s1.indexOf(ch);
    if (o.flags.has('d')) {
      if (i < 0) out += ch;
      continue;
    }
    out += i < 0 || !s2 ? ch : s2[Math.min(i, s2.length - 1)];
  }
  if (o.flags.has('s')) {
    const set = s2 || s1;
    out = out.replace(/(.)\1+/gs, (m, ch: string) => (set.includes(ch) ? ch : m));
  }
  c.out(out);
  return 0;
};

export const TEXT_COMMANDS: Record<string, CommandFn> = {
  echo, printf, wc, head, tail, grep, egrep: grep, fgrep: grep, cut, sort, uniq, tee, seq, tr,
};
