// simbox shell lexer: turns script text into words (with their quoting and $-expansions kept
// apart) and operators, the way a POSIX sh tokenizer does. Everything it produces is plain JSON.

/** One piece of a word. `q` = quoted (no field splitting or globbing applies). */
export type Part =
  | { k: 'lit'; v: string; q: boolean }
  | { k: 'var'; name: string; q: boolean; op?: string; arg?: Part[] }
  | { k: 'sub'; src: string; q: boolean }
  | { k: 'arith'; src: string; q: boolean };

export type Word = Part[];

export type Token =
  | { t: 'word'; parts: Word; pos: number; end: number }
  | { t: 'op'; v: string; pos: number; end: number }
  | { t: 'redir'; fd: number; op: '>' | '>>' | '<' | '>&' | '<&' | '&>' | '<<' | '<<-'; pos: number; end: number; body?: string; quoted?: boolean }
  | { t: 'eof'; pos: number; end: number };

export class ShSyntaxError extends Error {
  constructor(readonly near: string) {
    super(near === 'end of file' ? 'syntax error: unexpected end of file' : `syntax error: unexpected ${near}`);
  }
}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const SPECIAL_VARS = new Set(['?', '$', '!', '#', '@', '*', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Find the index just past the `)` closing a `$(` whose body starts at i. */
function matchParen(src: string, i: number): number {
  let depth = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const j = src.indexOf("'", i + 1);
      if (j < 0) throw new ShSyntaxError('end of file');
      i = j + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      if (i >= src.length) throw new ShSyntaxError('end of file');
      i++;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new ShSyntaxError('end of file');
}

/** Parse a `$...` expansion at src[i] === '$'. Returns the part and the index after it, or null for a lone `$`. */
function dollar(src: string, i: number, q: boolean): { part: Part; next: number } | null {
  const c = src[i + 1];
  if (c === '(') {
    if (src[i + 2] === '(') {
      const end = matchParen(src, i + 3);
      if (src[end] !== ')') throw new ShSyntaxError('end of file');
      return { part: { k: 'arith', src: src.slice(i + 3, end - 1), q }, next: end + 1 };
    }
    const end = matchParen(src, i + 2);
    return { part: { k: 'sub', src: src.slice(i + 2, end - 1), q }, next: end };
  }
  if (c === '{') {
    const close = src.indexOf('}', i + 2);
    if (close < 0) throw new ShSyntaxError('end of file');
    const body = src.slice(i + 2, close);
    const m = /^(#?)([A-Za-z_][A-Za-z0-9_]*|[?$!#@*0-9])(?:(:?[-=+?]|#|%)(.*))?$/s.exec(body);
    if (!m) throw new ShSyntaxError(`"${'${' + body + '}'}"`);
    if (m[1]) return { part: { k: 'var', name: m[2], q, op: 'len' }, next: close + 1 };
    const part: Part = { k: 'var', name: m[2], q };
    if (m[3]) {
      part.op = m[3];
      part.arg = lexWordText(m[4] ?? '', q);
    }
    return { part, next: close + 1 };
  }
  if (c !== undefined && SPECIAL_VARS.has(c)) return { part: { k: 'var', name: c, q }, next: i + 2 };
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1));
  if (m) return { part: { k: 'var', name: m[0], q }, next: i + 1 + m[0].length };
  return null;
}

/** Lex the text of a ${VAR:-word} argument (quotes allowed inside). */
function lexWordText(text: string, q: boolean): Word {
  const parts: Word = [];
  let i = 0;
  let lit = '';
  const flush = (): void => {
    if (lit) parts.push({ k: 'lit', v: lit, q });
    lit = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '$') {
      const d = dollar(text, i, q);
      if (d) {
        flush();
        parts.push(d.part);
        i = d.next;
        continue;
      }
    }
    if (c === "'" && !q) {
      const j = text.indexOf("'", i + 1);
      flush();
      parts.push({ k: 'lit', v: text.slice(i + 1, j < 0 ? text.length : j), q: true });
      i = j < 0 ? text.length : j + 1;
      continue;
    }
    if (c === '"') {
      i++;
      continue;
    }
    lit += c;
    i++;
  }
  flush();
  return parts;
}

export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  const pending: number[] = [];
  const push = (tok: Token): void => {
    if (tok.t === 'redir' && (tok.op === '<<' || tok.op === '<<-')) pending.push(out.length);
    out.push(tok);
  };
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      push({ t: 'op', v: '\n', pos: i, end: i + 1 });
      i++;
      i = heredocBodies(src, i, out, pending);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === ';;') {
      push({ t: 'op', v: two, pos: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === '&>') {
      push({ t: 'redir', fd: 1, op: '&>', pos: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      push({ t: 'op', v: c, pos: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '<' || c === '>') {
      i = redir(src, i, c === '<' ? 0 : 1, push);
      continue;
    }
    // a word (or an fd number prefixing a redirection)
    const fdm = /^(\d)[<>]/.exec(src.slice(i, i + 2));
    if (fdm) {
      i = redir(src, i + 1, Number(fdm[1]), push, i);
      continue;
    }
    const start = i;
    const parts: Word = [];
    let lit = '';
    const flush = (): void => {
      if (lit) parts.push({ k: 'lit', v: lit, q: false });
      lit = '';
    };
    while (i < n && !META.has(src[i])) {
      const ch = src[i];
      if (ch === '\\') {
        flush();
        if (i + 1 < n && src[i + 1] === '\n') {
          i += 2;
          continue;
        }
        if (i + 1 < n) parts.push({ k: 'lit', v: src[i + 1], q: true });
        i += 2;
        continue;
      }
      if (ch === "'") {
        const j = src.indexOf("'", i + 1);
        if (j < 0) throw new ShSyntaxError('end of file');
        flush();
        parts.push({ k: 'lit', v: src.slice(i + 1, j), q: true });
        i = j + 1;
        continue;
      }
      if (ch === '"') {
        flush();
        i++;
        let s = '';
        const sflush = (): void => {
          parts.push({ k: 'lit', v: s, q: true });
          s = '';
        };
        let any = false;
        while (true) {
          if (i >= n) throw new ShSyntaxError('end of file');
          const d = src[i];
          if (d === '"') {
            i++;
            break;
          }
          if (d === '\\' && i + 1 < n && '$`"\\\n'.includes(src[i + 1])) {
            if (src[i + 1] !== '\n') s += src[i + 1];
            i += 2;
            continue;
          }
          if (d === '$') {
            const dd = dollar(src, i, true);
            if (dd) {
              if (s) sflush();
              parts.push(dd.part);
              any = true;
              i = dd.next;
              continue;
            }
          }
          if (d === '`') {
            const j = src.indexOf('`', i + 1);
            if (j < 0) throw new ShSyntaxError('end of file');
            if (s) sflush();
            parts.push({ k: 'sub', src: src.slice(i + 1, j), q: true });
            any = true;
            i = j + 1;
            continue;
          }
          s += d;
          i++;
        }
        if (s || !any) sflush();
        continue;
      }
      if (ch === '$') {
        const dd = dollar(src, i, false);
        if (dd) {
          flush();
          parts.push(dd.part);
          i = dd.next;
          continue;
        }
      }
      if (ch === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) throw new ShSyntaxError('end of file');
        flush();
        parts.push({ k: 'sub', src: src.slice(i + 1, j), q: false });
        i = j + 1;
        continue;
      }
      lit += ch;
      i++;
    }
    flush();
    push({ t: 'word', parts, pos: start, end: i });
  }
  if (pending.length) heredocBodies(src, n, out, pending);
  push({ t: 'eof', pos: n, end: n });
  return out;
}

/** After a newline: read the bodies of the here-documents opened on the line just ended. */
function heredocBodies(src: string, i: number, out: Token[], pending: number[]): number {
  while (pending.length) {
    const at = pending.shift()!;
    const tok = out[at];
    const delimTok = out[at + 1];
    if (tok.t !== 'redir' || !delimTok || delimTok.t !== 'word') continue;
    const delim = delimTok.parts.map((p) => (p.k === 'lit' ? p.v : '')).join('');
    tok.quoted = delimTok.parts.some((p) => p.q);
    const lines: string[] = [];
    while (i < src.length) {
      const nl = src.indexOf('\n', i);
      const line = src.slice(i, nl < 0 ? src.length : nl);
      i = nl < 0 ? src.length : nl + 1;
      const cmp = tok.op === '<<-' ? line.replace(/^\t+/, '') : line;
      if (cmp === delim) break;
      lines.push(cmp);
    }
    tok.body = lines.map((l) => l + '\n').join('');
  }
  return i;
}

function redir(src: string, i: number, fd: number, push: (t: Token) => void, start = i): number {
  const c = src[i];
  const next = src[i + 1];
  if (c === '>') {
    if (next === '>') {
      push({ t: 'redir', fd, op: '>>', pos: start, end: i + 2 });
      return i + 2;
    }
    if (next === '&') {
      push({ t: 'redir', fd, op: '>&', pos: start, end: i + 2 });
      return i + 2;
    }
    if (next === '|') {
      push({ t: 'redir', fd, op: '>', pos: start, end: i + 2 });
      return i + 2;
    }
    push({ t: 'redir', fd, op: '>', pos: start, end: i + 1 });
    return i + 1;
  }
  if (next === '<') {
    if (src[i + 2] === '-') {
      push({ t: 'redir', fd, op: '<<-', pos: start, end: i + 3 });
      return i + 3;
    }
    push({ t: 'redir', fd, op: '<<', pos: start, end: i + 2 });
    return i + 2;
  }
  if (next === '&') {
    push({ t: 'redir', fd, op: '<&', pos: start, end: i + 2 });
    return i + 2;
  }
  push({ t: 'redir', fd, op: '<', pos: start, end: i + 1 });
  return i + 1;
}

/** The literal text of a word if it has no expansions and no quoting (for keywords). */
export function plainWord(w: Word): string | null {
  if (w.length !== 1) return null;
  const p = w[0];
  return p.k === 'lit' && !p.q ? p.v : null;
}
