// simbox shell parser: tokens → a JSON AST (lists, and-or chains, pipelines, simple commands,
// if/for/while/until, { } and ( ) groups), with ash's "syntax error: unexpected X" messages.
import { lex, plainWord, ShSyntaxError, type Token, type Word } from './lexer.js';

export type RedirOp = '>' | '>>' | '<' | '>&' | '<&' | '&>' | '<<' | '<<-';
export interface Redir {
  fd: number;
  op: RedirOp;
  target: Word;
  body?: string;
  quoted?: boolean;
}
export interface Assign {
  name: string;
  value: Word;
}
export type Cmd =
  | { t: 'simple'; assigns: Assign[]; words: Word[]; redirs: Redir[] }
  | { t: 'if'; clauses: { cond: List; body: List }[]; else?: List; redirs: Redir[] }
  | { t: 'for'; name: string; items: Word[] | null; body: List; redirs: Redir[] }
  | { t: 'while'; until: boolean; cond: List; body: List; redirs: Redir[] }
  | { t: 'group'; body: List; subshell: boolean; redirs: Redir[] }
  | { t: 'func'; name: string; body: Cmd; redirs: Redir[] };
export interface Pipeline {
  bang: boolean;
  cmds: Cmd[];
}
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; p: Pipeline }[];
}
export interface Item {
  ao: AndOr;
  bg: boolean;
  /** source text of the and-or list (to hand a background job to a child shell) */
  src: string;
}
export type List = Item[];

const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', '{', '}', '!', 'case', 'esac']);
/** words that end a list */
const TERMINATORS = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', '}', 'esac']);

export function parse(src: string): List {
  return new Parser(src).program();
}

class Parser {
  private toks: Token[];
  private i = 0;
  constructor(private src: string) {
    this.toks = lex(src);
  }

  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private kw(): string | null {
    const t = this.peek();
    return t.t === 'word' ? plainWord(t.parts) : null;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private fail(t: Token = this.peek()): never {
    if (t.t === 'eof') throw new ShSyntaxError('end of file');
    if (t.t === 'op') throw new ShSyntaxError(t.v === '\n' ? 'newline' : `"${t.v}"`);
    if (t.t === 'redir') throw new ShSyntaxError(`"${this.src.slice(t.pos, t.end)}"`);
    throw new ShSyntaxError(`"${this.src.slice(t.pos, t.end)}"`);
  }
  private newlines(): void {
    while (this.isOp('\n')) this.i++;
  }
  private expectKw(word: string): void {
    if (this.kw() !== word) this.fail();
    this.i++;
  }

  program(): List {
    this.newlines();
    const list = this.list(true);
    if (this.peek().t !== 'eof') this.fail();
    return list;
  }

  /** A list up to a terminator keyword, `)` or end of input. */
  private list(top = false): List {
    const items: List = [];
    for (;;) {
      this.newlines();
      const t = this.peek();
      if (t.t === 'eof') break;
      if (t.t === 'op' && t.v === ')') break;
      const k = this.kw();
      if (k && TERMINATORS.has(k)) break;
      if (t.t === 'op' && t.v !== '(') this.fail();
      const start = t.pos;
      const ao = this.andOr();
      const end = this.toks[this.i - 1].end;
      const item: Item = { ao, bg: false, src: this.src.slice(start, end) };
      items.push(item);
      const s = this.peek();
      if (s.t === 'op' && (s.v === ';' || s.v === '&')) {
        this.i++;
        item.bg = s.v === '&';
        continue;
      }
      if (s.t === 'op' && s.v === '\n') continue;
      break;
    }
    void top;
    return items;
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '&&' || t.v === '||')) {
        this.i++;
        this.newlines();
        rest.push({ op: t.v, p: this.pipeline() });
        continue;
      }
      return { first, rest };
    }
  }

  private pipeline(): Pipeline {
    let bang = false;
    if (this.kw() === '!') {
      this.i++;
      bang = true;
    }
    const cmds = [this.command()];
    while (this.isOp('|')) {
      this.i++;
      this.newlines();
      cmds.push(this.command());
    }
    return { bang, cmds };
  }

  private command(): Cmd {
    const k = this.kw();
    let cmd: Cmd;
    if (k === 'if') cmd = this.ifCmd();
    else if (k === 'for') cmd = this.forCmd();
    else if (k === 'while' || k === 'until') cmd = this.whileCmd(k === 'until');
    else if (k === '{') {
      this.i++;
      const body = this.list();
      this.expectKw('}');
      if (!body.length) this.fail(this.toks[this.i - 1]);
      cmd = { t: 'group', body, subshell: false, redirs: [] };
    } else if (this.isOp('(')) {
      this.i++;
      const body = this.list();
      if (!this.isOp(')')) this.fail();
      if (!body.length) this.fail();
      this.i++;
      cmd = { t: 'group', body, subshell: true, redirs: [] };
    } else if (k && RESERVED.has(k) && k !== '!') {
      this.fail();
    } else {
      return this.simple();
    }
    while (this.peek().t === 'redir') cmd.redirs.push(this.redir());
    return cmd;
  }

  private ifCmd(): Cmd {
    this.i++;
    const clauses: { cond: List; body: List }[] = [];
    let elseBody: List | undefined;
    for (;;) {
      const cond = this.list();
      this.expectKw('then');
      const body = this.list();
      if (!cond.length || !body.length) this.fail(this.toks[this.i - 1]);
      clauses.push({ cond, body });
      const k = this.kw();
      if (k === 'elif') {
        this.i++;
        continue;
      }
      if (k === 'else') {
        this.i++;
        elseBody = this.list();
        this.expectKw('fi');
        break;
      }
      this.expectKw('fi');
      break;
    }
    return { t: 'if', clauses, else: elseBody, redirs: [] };
  }

  private forCmd(): Cmd {
    this.i++;
    const nameTok = this.next();
    const name = nameTok.t === 'word' ? plainWord(nameTok.parts) : null;
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail(nameTok);
    let items: Word[] | null = null;
    this.newlines();
    if (this.kw() === 'in') {
      this.i++;
      items = [];
      while (this.peek().t === 'word') items.push((this.next() as { parts: Word }).parts);
      if (this.isOp(';') || this.isOp('\n')) this.i++;
      else this.fail();
    } else if (this.isOp(';')) this.i++;
    this.newlines();
    this.expectKw('do');
    const body = this.list();
    this.expectKw('done');
    if (!body.length) this.fail(this.toks[this.i - 1]);
    return { t: 'for', name, items, body, redirs: [] };
  }

  private whileCmd(until: boolean): Cmd {
    this.i++;
    const cond = this.list();
    this.expectKw('do');
    const body = this.list();
    this.expectKw('done');
    if (!cond.length || !body.length) this.fail(this.toks[this.i - 1]);
    return { t: 'while', until, cond, body, redirs: [] };
  }

  private redir(): Redir {
    const r = this.next();
    if (r.t !== 'redir') this.fail(r);
    const target = this.next();
    if (target.t !== 'word') this.fail(target);
    return { fd: r.fd, op: r.op, target: target.parts, body: r.body, quoted: r.quoted };
  }

  private simple(): Cmd {
    const assigns: { name: string; value: Word }[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'redir') {
        redirs.push(this.redir());
        continue;
      }
      if (t.t !== 'word') break;
      if (!words.length) {
        const first = t.parts[0];
        const m = first && first.k === 'lit' && !first.q ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.v) : null;
        if (m) {
          this.i++;
          const rest = m.input.slice(m[0].length);
          const value: Word = [...(rest ? [{ k: 'lit' as const, v: rest, q: false }] : []), ...t.parts.slice(1)];
          assigns.push({ name: m[1], value });
          continue;
        }
        // function definition: name() { ... }
        const fname = plainWord(t.parts);
        const after = this.toks[this.i + 1];
        const close = this.toks[this.i + 2];
        if (fname && after?.t === 'op' && after.v === '(' && close?.t === 'op' && close.v === ')') {
          this.i += 3;
          this.newlines();
          const body = this.command();
          return { t: 'func', name: fname, body, redirs: [] };
        }
      }
      this.i++;
      words.push(t.parts);
    }
    if (!words.length && !assigns.length && !redirs.length) this.fail();
    return { t: 'simple', assigns, words, redirs };
  }
}
