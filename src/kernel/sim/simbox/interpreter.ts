// simbox shell interpreter: an explicit, JSON-serialisable frame stack, so a script can stop at a
// blocking command (sleep, alloc, wait) and be resumed by a later CLI invocation from its Cont.
import { SysError, type BlockProgram, type SysCtx } from '../sys.js';
import { arith } from './arith.js';
import { SIGNALS, normSignal } from './signals.js';
import { BLOCKERS, COMMANDS, NO_FORK } from './commands/index.js';
import { errText, join, type Ctx } from './commands/types.js';
import { lex, ShSyntaxError, type Part, type Word } from './lexer.js';
import { parse, type AndOr, type Cmd, type List, type Pipeline, type Redir } from './parser.js';

export type Sink = { k: 'sys'; fd: 1 | 2 } | { k: 'null' } | { k: 'file'; path: string } | { k: 'cap'; id: number };
export type Source = { k: 'sys' } | { k: 'buf'; id: number };
export interface Io {
  out: Sink;
  err: Sink;
  in: Source;
}

type IfCmd = Extract<Cmd, { t: 'if' }>;
type WhileCmd = Extract<Cmd, { t: 'while' }>;

export type Frame =
  | { f: 'list'; items: List; i: number }
  | { f: 'andor'; ao: AndOr; i: number }
  | { f: 'pipe'; p: Pipeline; i: number; inBuf: number | null; outBuf: number | null; pushed: boolean }
  | { f: 'if'; c: IfCmd; k: number; phase: 'start' | 'test' | 'done' }
  | { f: 'for'; name: string; items: string[]; i: number; body: List }
  | { f: 'while'; c: WhileCmd; phase: 'cond' | 'test'; n: number; bs: number }
  | { f: 'popio' }
  | { f: 'status'; code: number }
  | { f: 'exit'; code: number }
  | { f: 'args'; saved: string[] }
  | { f: 'restore'; vars: Record<string, string>; exported: string[]; cwd: string };

/** A running shell, as plain JSON. */
export interface ShellState {
  v: 1;
  stack: Frame[];
  vars: Record<string, string>;
  exported: string[];
  funcs: Record<string, Cmd>;
  /** $0 $1 ... */
  args: string[];
  status: number;
  lastBg: number | null;
  traps: Record<string, string>;
  io: Io[];
  bufs: Record<string, string>;
  nextBuf: number;
  /** the shell's own stdin once read from the kernel */
  sysIn: string | null;
  /** an interactive shell: when a line is done it waits for the next instead of exiting */
  interactive?: boolean;
}

export type Outcome =
  | { kind: 'exit'; code: number }
  | { kind: 'wait-child'; argv: string[]; program: BlockProgram; cont: ShellState }
  | { kind: 'wait-all'; cont: ShellState }
  | { kind: 'prompt'; cont: ShellState };
export type ExecOutcome = { kind: 'exec'; argv: string[]; program: BlockProgram };

const DEFAULT_IO: Io = { out: { k: 'sys', fd: 1 }, err: { k: 'sys', fd: 2 }, in: { k: 'sys' } };
const MAX_LOOP = 10_000;
const MAX_DEPTH = 500;

export const SHELL_BUILTINS = new Set([
  'cd', 'exit', 'export', 'unset', 'trap', 'wait', 'exec', 'set', 'shift', 'read', 'break', 'continue',
  ':', '.', 'source', 'eval', 'return', 'local', 'readonly', 'type', 'command', 'umask', 'ulimit', 'times', 'jobs', 'sh', 'ash',
]);

export function newState(env: Record<string, string>, args: string[]): ShellState {
  return {
    v: 1, stack: [], vars: { ...env }, exported: Object.keys(env), funcs: {}, args, status: 0, lastBg: null, traps: {},
    io: [], bufs: {}, nextBuf: 1, sysIn: null,
  };
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

class ExitNow {
  constructor(readonly code: number) {}
}

type Ctl = Outcome | ExecOutcome | null;

export class Interp {
  /** true while running a command substitution: blocking commands return at once, exit ends it */
  private sync = false;
  /** `start` may replace the process image (exec) instead of forking */
  canExec = false;
  /** the next simple command is the whole of `sh -c`: ash execs it without forking */
  noForkNext = false;
  private steps = 0;

  constructor(
    readonly sys: SysCtx,
    readonly st: ShellState,
  ) {}

  // ---------------------------------------------------------------- driving

  /** Run until the stack is empty (exit), or a command blocks. */
  run(): Outcome | ExecOutcome {
    for (;;) {
      const r = this.drive(0);
      if (r) return r;
      // stack empty: the script ended (an interactive shell waits for its next line instead)
      if (this.st.interactive && !this.sync) return { kind: 'prompt', cont: this.st };
      const exit = this.exit(this.st.status);
      if (exit) return exit;
    }
  }

  /** Advance frames until the stack shrinks to `base` (null) or something must be returned. */
  private drive(base: number): Ctl {
    while (this.st.stack.length > base) {
      if (++this.steps > 2_000_000) {
        this.write(this.io().err, 'sh: too many steps, giving up\n');
        return { kind: 'exit', code: 2 };
      }
      if (this.st.stack.length > MAX_DEPTH) {
        this.write(this.io().err, 'sh: recursion too deep\n');
        this.st.stack.length = base;
        this.st.status = 2;
        return null;
      }
      let r: Ctl;
      try {
        r = this.step();
      } catch (e) {
        if (e instanceof ExitNow) {
          r = this.exitFrom(e.code, base);
        } else throw e;
      }
      if (r) return r;
    }
    return null;
  }

  /** `exit N`: leave the nearest subshell, or the shell (running the EXIT trap first). */
  private exitFrom(code: number, base: number): Ctl {
    const stack = this.st.stack;
    for (let j = stack.length - 1; j >= base; j--) {
      if (stack[j].f === 'restore') {
        this.unwind(j + 1);
        this.st.status = code;
        return null;
      }
    }
    if (this.sync) {
      this.unwind(base);
      this.st.status = code;
      return null;
    }
    this.unwind(0);
    return this.exit(code);
  }

  /** The shell ends with `code`; with an EXIT trap set, that runs first. */
  private exit(code: number): Outcome | null {
    const trap = this.st.traps.EXIT;
    if (trap !== undefined && !this.sync) {
      delete this.st.traps.EXIT;
      this.unwind(0);
      this.st.stack.push({ f: 'exit', code });
      this.pushScript(trap);
      return null;
    }
    return { kind: 'exit', code };
  }

  /** Pop frames down to `len`, undoing what they set up. */
  private unwind(len: number): void {
    const stack = this.st.stack;
    while (stack.length > len) {
      const fr = stack.pop()!;
      this.cleanup(fr);
    }
  }

  private cleanup(fr: Frame): void {
    if (fr.f === 'popio') this.st.io.pop();
    else if (fr.f === 'pipe') {
      if (fr.pushed) this.st.io.pop();
      if (fr.inBuf !== null) delete this.st.bufs[fr.inBuf];
      if (fr.outBuf !== null) delete this.st.bufs[fr.outBuf];
    } else if (fr.f === 'args') this.st.args = fr.saved;
    else if (fr.f === 'restore') {
      this.st.vars = fr.vars;
      this.st.exported = fr.exported;
      try {
        this.sys.chdir(fr.cwd);
      } catch {
        /* directory gone */
      }
    }
  }

  pushScript(src: string): boolean {
    let list: List;
    try {
      list = parse(src);
    } catch (e) {
      if (e instanceof ShSyntaxError) {
        this.write(this.io().err, `sh: ${e.message}\n`);
        this.st.status = 2;
        return false;
      }
      throw e;
    }
    this.st.stack.push({ f: 'list', items: list, i: 0 });
    return true;
  }

  private pop(): void {
    this.st.stack.pop();
  }

  private step(): Ctl {
    const st = this.st;
    const fr = st.stack[st.stack.length - 1];
    switch (fr.f) {
      case 'list': {
        if (fr.i >= fr.items.length) {
          this.pop();
          return null;
        }
        const item = fr.items[fr.i++];
        if (item.bg) {
          this.background(item.ao, item.src);
          return null;
        }
        st.stack.push({ f: 'andor', ao: item.ao, i: 0 });
        return null;
      }
      case 'andor': {
        if (fr.i === 0) {
          fr.i = 1;
          return this.startPipeline(fr.ao.first);
        }
        while (fr.i <= fr.ao.rest.length) {
          const r = fr.ao.rest[fr.i - 1];
          fr.i++;
          if ((r.op === '&&') === (st.status === 0)) return this.startPipeline(r.p);
        }
        this.pop();
        return null;
      }
      case 'pipe': {
        if (fr.pushed) {
          st.io.pop();
          fr.pushed = false;
          if (fr.inBuf !== null) delete st.bufs[fr.inBuf];
          fr.inBuf = fr.outBuf;
          fr.outBuf = null;
        }
        if (fr.i >= fr.p.cmds.length) {
          this.pop();
          if (fr.inBuf !== null) delete st.bufs[fr.inBuf];
          if (fr.p.bang) st.status = st.status === 0 ? 1 : 0;
          return null;
        }
        const last = fr.i === fr.p.cmds.length - 1;
        const io: Io = { ...this.io() };
        if (fr.inBuf !== null) io.in = { k: 'buf', id: fr.inBuf };
        if (!last) {
          fr.outBuf = this.newBuf('');
          io.out = { k: 'cap', id: fr.outBuf };
        }
        st.io.push(io);
        fr.pushed = true;
        return this.startCmd(fr.p.cmds[fr.i++]);
      }
      case 'if': {
        if (fr.phase === 'start') {
          fr.phase = 'test';
          st.stack.push({ f: 'list', items: fr.c.clauses[0].cond, i: 0 });
          return null;
        }
        if (fr.phase === 'test') {
          if (st.status === 0) {
            fr.phase = 'done';
            st.stack.push({ f: 'list', items: fr.c.clauses[fr.k].body, i: 0 });
            return null;
          }
          fr.k++;
          if (fr.k < fr.c.clauses.length) {
            st.stack.push({ f: 'list', items: fr.c.clauses[fr.k].cond, i: 0 });
            return null;
          }
          fr.phase = 'done';
          if (fr.c.else) st.stack.push({ f: 'list', items: fr.c.else, i: 0 });
          else st.status = 0;
          return null;
        }
        this.pop();
        return null;
      }
      case 'for': {
        if (fr.i >= fr.items.length) {
          this.pop();
          return null;
        }
        this.setVar(fr.name, fr.items[fr.i++]);
        st.stack.push({ f: 'list', items: fr.body, i: 0 });
        return null;
      }
      case 'while': {
        if (fr.phase === 'cond') {
          if (fr.n > 0) fr.bs = st.status;
          fr.phase = 'test';
          st.stack.push({ f: 'list', items: fr.c.cond, i: 0 });
          return null;
        }
        const ok = (st.status === 0) !== fr.c.until;
        if (ok && fr.n < MAX_LOOP) {
          fr.n++;
          fr.phase = 'cond';
          st.stack.push({ f: 'list', items: fr.c.body, i: 0 });
          return null;
        }
        if (ok) this.write(this.io().err, `sh: loop stopped after ${MAX_LOOP} iterations (simbox limit)\n`);
        this.pop();
        st.status = fr.bs;
        return null;
      }
      case 'popio':
        this.pop();
        st.io.pop();
        return null;
      case 'status':
        this.pop();
        st.status = fr.code;
        return null;
      case 'exit':
        this.pop();
        return { kind: 'exit', code: fr.code };
      case 'args':
      case 'restore': {
        this.pop();
        this.cleanup(fr);
        return null;
      }
    }
  }

  private startPipeline(p: Pipeline): Ctl {
    if (p.cmds.length === 1 && !p.bang) return this.startCmd(p.cmds[0]);
    this.st.stack.push({ f: 'pipe', p, i: 0, inBuf: null, outBuf: null, pushed: false });
    return null;
  }

  /** Start one command: simple commands run now; compound ones push their frame. */
  private startCmd(cmd: Cmd): Ctl {
    const st = this.st;
    if (cmd.t === 'simple') return this.simple(cmd);
    if (cmd.t === 'func') {
      st.funcs[cmd.name] = cmd.body;
      st.status = 0;
      return null;
    }
    if (cmd.redirs.length) {
      const io = this.redirect(cmd.redirs, this.io());
      if (!io) {
        st.status = 1;
        return null;
      }
      st.stack.push({ f: 'popio' });
      st.io.push(io);
    }
    switch (cmd.t) {
      case 'if':
        st.stack.push({ f: 'if', c: cmd, k: 0, phase: 'start' });
        return null;
      case 'for': {
        const items = cmd.items ? cmd.items.flatMap((w) => this.expand(w)) : st.args.slice(1);
        st.status = 0;
        st.stack.push({ f: 'for', name: cmd.name, items, i: 0, body: cmd.body });
        return null;
      }
      case 'while':
        st.stack.push({ f: 'while', c: cmd, phase: 'cond', n: 0, bs: 0 });
        return null;
      case 'group':
        if (cmd.subshell) st.stack.push(this.restoreFrame());
        st.stack.push({ f: 'list', items: cmd.body, i: 0 });
        return null;
    }
  }

  private restoreFrame(): Frame {
    return { f: 'restore', vars: { ...this.st.vars }, exported: [...this.st.exported], cwd: this.sys.cwd() };
  }

  // ---------------------------------------------------------------- io

  io(): Io {
    return this.st.io[this.st.io.length - 1] ?? DEFAULT_IO;
  }

  private newBuf(text: string): number {
    const id = this.st.nextBuf++;
    this.st.bufs[id] = text;
    return id;
  }

  write(sink: Sink, text: string): void {
    if (!text) return;
    switch (sink.k) {
      case 'sys':
        if (sink.fd === 1) this.sys.stdout(text);
        else this.sys.stderr(text);
        return;
      case 'null':
        return;
      case 'cap':
        if (this.st.bufs[sink.id] !== undefined) this.st.bufs[sink.id] += text;
        return;
      case 'file':
        try {
          this.sys.writeFile(sink.path, text, { append: true });
        } catch {
          /* reported when the redirection was opened */
        }
    }
  }

  /** Everything left on a source (consumed). */
  readAll(src: Source): string {
    if (src.k === 'buf') {
      const s = this.st.bufs[src.id] ?? '';
      if (this.st.bufs[src.id] !== undefined) this.st.bufs[src.id] = '';
      return s;
    }
    if (this.st.sysIn === null) this.st.sysIn = this.sys.stdin();
    const s = this.st.sysIn;
    this.st.sysIn = '';
    return s;
  }

  /** One line from a source (without its newline), or null at end of input. */
  readLine(src: Source): string | null {
    let text: string;
    if (src.k === 'buf') text = this.st.bufs[src.id] ?? '';
    else {
      if (this.st.sysIn === null) this.st.sysIn = this.sys.stdin();
      text = this.st.sysIn;
    }
    if (text === '') return null;
    const nl = text.indexOf('\n');
    const line = nl < 0 ? text : text.slice(0, nl);
    const rest = nl < 0 ? '' : text.slice(nl + 1);
    if (src.k === 'buf') this.st.bufs[src.id] = rest;
    else this.st.sysIn = rest;
    return line;
  }

  private abs(path: string): string {
    return path.startsWith('/') ? path : join(this.sys.cwd(), path);
  }

  /** Apply redirections on top of `base`; prints ash's message and returns null on failure. */
  redirect(redirs: Redir[], base: Io): Io | null {
    const io: Io = { ...base };
    const errSink = (): Sink => io.err;
    for (const r of redirs) {
      if (r.op === '<<' || r.op === '<<-') {
        const body = r.quoted ? (r.body ?? '') : this.expandHeredoc(r.body ?? '');
        io.in = { k: 'buf', id: this.newBuf(body) };
        continue;
      }
      const target = this.expand(r.target, false).join(' ');
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') {
          if (r.fd === 0) io.in = { k: 'buf', id: this.newBuf('') };
          else if (r.fd === 1) io.out = { k: 'null' };
          else if (r.fd === 2) io.err = { k: 'null' };
          continue;
        }
        if (r.op === '>&' && !/^\d$/.test(target)) {
          // >&file is &>file
          const sink = this.openWrite(target, false, errSink());
          if (!sink) return null;
          io.out = sink;
          io.err = sink;
          continue;
        }
        const src = target === '1' ? io.out : target === '2' ? io.err : null;
        if (r.op === '<&' || r.fd === 0) continue;
        if (!src) {
          this.write(errSink(), `sh: ${target}: Bad file descriptor\n`);
          return null;
        }
        if (r.fd === 1) io.out = src;
        else if (r.fd === 2) io.err = src;
        continue;
      }
      if (r.op === '<') {
        try {
          io.in = { k: 'buf', id: this.newBuf(this.sys.readFile(target)) };
        } catch (e) {
          this.write(errSink(), `sh: can't open '${target}': ${errText(e)}\n`);
          return null;
        }
        continue;
      }
      const sink = this.openWrite(target, r.op === '>>', errSink());
      if (!sink) return null;
      if (r.op === '&>') {
        io.out = sink;
        io.err = sink;
      } else if (r.fd === 1) io.out = sink;
      else if (r.fd === 2) io.err = sink;
    }
    return io;
  }

  private openWrite(target: string, append: boolean, err: Sink): Sink | null {
    if (target === '/dev/null') return { k: 'null' };
    if (target === '/dev/stdout') return this.io().out;
    if (target === '/dev/stderr') return this.io().err;
    const path = this.abs(target);
    try {
      const existing = safeStat(this.sys, path);
      if (existing?.type === 'dir') throw new SysError('EISDIR', path);
      this.sys.writeFile(path, '', { append });
    } catch (e) {
      this.write(err, `sh: can't create ${target}: ${errText(e)}\n`);
      return null;
    }
    return { k: 'file', path };
  }

  // ---------------------------------------------------------------- expansion

  private lookup(name: string): string | undefined {
    const st = this.st;
    switch (name) {
      case '?':
        return String(st.status);
      case '$':
        return String(this.sys.pid);
      case '!':
        return st.lastBg === null ? '' : String(st.lastBg);
      case '#':
        return String(Math.max(0, st.args.length - 1));
      case '@':
      case '*':
        return st.args.slice(1).join(' ');
      case '-':
        return '';
    }
    if (/^\d$/.test(name)) return st.args[Number(name)];
    // ash sets PPID from getppid() at startup: 0 when the parent is outside the PID namespace
    if (name === 'PPID' && st.vars.PPID === undefined) return String(this.sys.ppid);
    return st.vars[name];
  }

  setVar(name: string, value: string): void {
    this.st.vars[name] = value;
  }

  /** Value of a ${...} expansion (before splitting). */
  private varValue(p: Extract<Part, { k: 'var' }>): string {
    const v = this.lookup(p.name);
    if (p.op === 'len') return String((v ?? '').length);
    if (!p.op) return v ?? '';
    const arg = (): string => this.expand(p.arg ?? [], false).join(' ');
    const unsetOrNull = p.op.startsWith(':') ? !v : v === undefined;
    switch (p.op) {
      case '-':
      case ':-':
        return unsetOrNull ? arg() : v!;
      case '=':
      case ':=':
        if (unsetOrNull) {
          const a = arg();
          this.setVar(p.name, a);
          return a;
        }
        return v!;
      case '+':
      case ':+':
        return unsetOrNull ? '' : arg();
      case '?':
      case ':?':
        if (unsetOrNull) {
          const a = arg();
          this.write(this.io().err, `sh: ${p.name}: ${a || 'parameter not set'}\n`);
          throw new ExitNow(1);
        }
        return v!;
      case '#':
      case '%': {
        const val = v ?? '';
        const re = globRegex(arg(), false);
        if (p.op === '#') {
          for (let i = 0; i <= val.length; i++) if (new RegExp(`^${re}$`, 's').test(val.slice(0, i))) return val.slice(i);
        } else {
          for (let i = val.length; i >= 0; i--) if (new RegExp(`^${re}$`, 's').test(val.slice(i))) return val.slice(0, i);
        }
        return val;
      }
    }
    return v ?? '';
  }

  /** Run a $(...) command substitution: a subshell whose stdout is captured, trailing newlines cut. */
  private substitute(src: string): string {
    const st = this.st;
    const sub = new Interp(this.sys, {
      ...clone({ ...st, stack: [], io: [] as Io[] }),
      traps: {},
    });
    sub.sync = true;
    const id = sub.newBuf('');
    const parentIo = this.io();
    sub.st.io.push({ out: { k: 'cap', id }, err: parentIo.err.k === 'cap' ? { k: 'sys', fd: 2 } : parentIo.err, in: { k: 'buf', id: sub.newBuf('') } });
    if (sub.pushScript(src)) sub.drive(0);
    st.status = sub.st.status;
    this.substituted = true;
    return (sub.st.bufs[id] ?? '').replace(/\n+$/, '');
  }

  /** set when the last expansion ran a command substitution (its status becomes $? of a bare assignment) */
  private substituted = false;

  private partText(p: Part): string {
    switch (p.k) {
      case 'lit':
        return p.v;
      case 'var':
        return this.varValue(p);
      case 'sub':
        return this.substitute(p.src);
      case 'arith':
        try {
          const expanded = this.expand(lexDq(p.src), false).join(' ');
          return String(arith(expanded, (n) => this.lookup(n) ?? ''));
        } catch (e) {
          this.write(this.io().err, `sh: arithmetic syntax error\n`);
          void e;
          throw new ExitNow(2);
        }
    }
  }

  /**
   * Expand a word into fields: parameters, command substitution, arithmetic; unquoted results
   * are split on whitespace and globbed (unless split is false, as for assignments).
   */
  expand(w: Word, split = true): string[] {
    interface Field {
      s: string;
      /** per character: 1 = unquoted (glob-active) */
      m: string;
      some: boolean;
    }
    const fields: Field[] = [];
    let cur: Field = { s: '', m: '', some: false };
    const add = (text: string, q: boolean): void => {
      cur.s += text;
      cur.m += (q ? '0' : '1').repeat(text.length);
      cur.some = true;
    };
    w.forEach((p, idx) => {
      if (p.k === 'lit') {
        let v = p.v;
        if (!p.q && idx === 0 && (v === '~' || v.startsWith('~/'))) {
          add(this.st.vars.HOME ?? '/root', true);
          v = v.slice(1);
        }
        add(v, p.q);
        if (p.q) cur.some = true;
        return;
      }
      if (p.k === 'var' && p.name === '@' && p.q && !p.op) {
        const args = this.st.args.slice(1);
        args.forEach((a, j) => {
          if (j > 0) {
            fields.push(cur);
            cur = { s: '', m: '', some: false };
          }
          add(a, true);
        });
        return;
      }
      const text = this.partText(p);
      if (p.q || !split) {
        add(text, true);
        if (p.q) cur.some = true;
        return;
      }
      // field splitting on IFS whitespace
      const pieces = text.split(/[ \t\n]+/);
      pieces.forEach((piece, j) => {
        if (j > 0 && (cur.some || cur.s)) {
          fields.push(cur);
          cur = { s: '', m: '', some: false };
        }
        if (piece) add(piece, true);
      });
    });
    if (cur.some || cur.s) fields.push(cur);
    if (!split) return [fields.map((f) => f.s).join('')];
    const out: string[] = [];
    for (const f of fields) {
      if (/[*?[]/.test(maskedGlobChars(f.s, f.m))) {
        const hits = this.glob(f.s, f.m);
        if (hits.length) {
          out.push(...hits);
          continue;
        }
      }
      out.push(f.s);
    }
    return out;
  }

  private expandHeredoc(body: string): string {
    return this.expand(lexDq(body), false).join('');
  }

  /** Pathname expansion, component by component. */
  private glob(s: string, m: string): string[] {
    const absolute = s.startsWith('/');
    const comps: { s: string; m: string }[] = [];
    let off = 0;
    for (const c of s.split('/')) {
      comps.push({ s: c, m: m.slice(off, off + c.length) });
      off += c.length + 1;
    }
    if (absolute) comps.shift();
    let paths: string[] = [absolute ? '/' : ''];
    for (const comp of comps) {
      if (comp.s === '') continue;
      const next: string[] = [];
      const wild = /[*?[]/.test(maskedGlobChars(comp.s, comp.m));
      for (const base of paths) {
        const dir = base === '' ? '.' : base;
        const prefix = base === '' ? '' : base.endsWith('/') ? base : base + '/';
        if (!wild) {
          next.push(prefix + comp.s);
          continue;
        }
        let names: string[];
        try {
          names = this.sys.readdir(dir);
        } catch {
          continue;
        }
        let re = '';
        for (let i = 0; i < comp.s.length; i++) {
          const ch = comp.s[i];
          if (comp.m[i] === '1' && ch === '*') re += '[^/]*';
          else if (comp.m[i] === '1' && ch === '?') re += '[^/]';
          else if (comp.m[i] === '1' && ch === '[') {
            const close = comp.s.indexOf(']', i + 2);
            if (close > 0) {
              let cls = comp.s.slice(i + 1, close);
              if (cls.startsWith('!')) cls = '^' + cls.slice(1);
              re += `[${cls.replace(/\\/g, '\\\\')}]`;
              i = close;
            } else re += '\\[';
          } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
        const rx = new RegExp(`^${re}$`);
        for (const n of names.sort()) {
          if (n.startsWith('.') && !comp.s.startsWith('.')) continue;
          if (rx.test(n)) next.push(prefix + n);
        }
      }
      paths = next;
      if (!paths.length) return [];
    }
    return paths.filter((p) => p !== '' && p !== '/' && safeLstat(this.sys, p));
  }

  // ---------------------------------------------------------------- commands

  /** Expand and run a simple command. */
  private simple(c: Extract<Cmd, { t: 'simple' }>): Ctl {
    const st = this.st;
    this.substituted = false;
    const argv = c.words.flatMap((w) => this.expand(w));
    const assigns: [string, string][] = c.assigns.map((a) => [a.name, this.expand(a.value, false).join('')]);
    const subStatus = this.substituted ? st.status : 0;
    if (!argv.length) {
      for (const [k, v] of assigns) this.setVar(k, v);
      if (c.redirs.length && !this.redirect(c.redirs, this.io())) {
        st.status = 1;
        return null;
      }
      st.status = subStatus;
      return null;
    }
    const io = c.redirs.length ? this.redirect(c.redirs, this.io()) : this.io();
    if (!io) {
      st.status = 1;
      return null;
    }
    const noFork = this.noForkNext;
    this.noForkNext = false;
    return this.runArgv(argv, io, assigns, noFork);
  }

  /** A shell script to run for name: a path, or a file on PATH that no builtin or applet shadows. */
  private findScript(name: string): { path: string; executable: boolean } | null {
    const isApplet = (n: string) => SHELL_BUILTINS.has(n) || !!this.st.funcs[n] || !!COMMANDS[n] || !!BLOCKERS[n];
    const candidates = name.includes('/') ? [name] : isApplet(name) ? [] : ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => `${d}/${name}`);
    for (const path of candidates) {
      const s = safeStat(this.sys, path);
      if (!s || s.type !== 'file') continue;
      let head = '';
      try {
        head = this.sys.readFile(path).slice(0, 64);
      } catch {
        continue;
      }
      if (!/^#!\s*\/bin\/(ba|a)?sh\b/.test(head)) continue;
      return { path, executable: (s.mode & 0o111) !== 0 };
    }
    return null;
  }

  private env(assigns: [string, string][]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.st.exported) if (this.st.vars[k] !== undefined) env[k] = this.st.vars[k];
    for (const [k, v] of assigns) env[k] = v;
    return env;
  }

  /** Run an expanded command line with the given streams. */
  runArgv(argv: string[], io: Io, assigns: [string, string][], noFork = false): Ctl {
    const st = this.st;
    let name = argv[0];
    const script = this.findScript(name);
    if (script) {
      if (!script.executable) {
        this.write(io.err, `sh: ${name}: Permission denied\n`);
        st.status = 126;
        return null;
      }
      // a #!/bin/sh script: the kernel runs its interpreter with the script's path
      return this.builtin('sh', ['sh', script.path, ...argv.slice(1)], io, assigns);
    }
    if (name.includes('/')) {
      const s = safeStat(this.sys, name);
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (s && s.type === 'file' && (COMMANDS[base] || BLOCKERS[base] || base === 'sh' || base === 'ash')) name = base;
      else {
        this.write(io.err, `sh: ${name}: ${s ? 'Permission denied' : 'not found'}\n`);
        st.status = s ? 126 : 127;
        return null;
      }
    }
    argv = [name, ...argv.slice(1)];
    if (SHELL_BUILTINS.has(name)) return this.builtin(name, argv, io, assigns);
    const fn = st.funcs[name];
    if (fn) {
      st.stack.push({ f: 'args', saved: st.args });
      st.args = [st.args[0] ?? 'sh', ...argv.slice(1)];
      if (io !== this.io()) {
        st.stack.push({ f: 'popio' });
        st.io.push(io);
      }
      return this.startCmd(fn);
    }
    const blocker = BLOCKERS[name];
    if (blocker) {
      const r = blocker(argv);
      if ('error' in r) {
        this.write(io.err, r.error);
        st.status = r.code;
        return null;
      }
      if (this.sync) {
        st.status = 0;
        return null;
      }
      return { kind: 'wait-child', argv, program: r.program, cont: clone(st) };
    }
    const cmd = COMMANDS[name];
    if (!cmd) {
      this.write(io.err, `sh: ${name}: not found\n`);
      if (this.sys.firstTime('not-found-note')) {
        this.write(io.err, `note: simbox, the simulated busybox, has a small command set ('ls /bin' lists it); real mode (--real) runs a full busybox.\n`);
      }
      st.status = 127;
      return null;
    }
    if (!NO_FORK.has(name) && !noFork) {
      try {
        this.sys.forkCheck();
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
        return this.cantFork(io.err, e);
      }
    }
    st.status = this.call(cmd, argv, io, assigns);
    return null;
  }

  private ctx(argv: string[], io: Io, env: Record<string, string>): Ctx {
    return {
      sys: this.sys,
      argv,
      env,
      out: (t) => this.write(io.out, t),
      err: (t) => this.write(io.err, t),
      stdin: () => this.readAll(io.in),
      run: (args, runEnv) => this.runNested(args, runEnv, io),
    };
  }

  /** `env CMD`, `busybox CMD`: run a command line to completion (a blocking one is refused). */
  private runNested(argv: string[], env: Record<string, string>, io: Io): number {
    const name = argv[0] ?? '';
    const cmd = COMMANDS[name];
    if (!cmd) {
      if (BLOCKERS[name]) {
        this.write(io.err, `simbox: ${name} can't be run from another command here; run it from the shell\n`);
        return 126;
      }
      this.write(io.err, `${name ? `env: can't execute '${name}'` : 'env'}: No such file or directory\n`);
      return 127;
    }
    return this.call(cmd, argv, io, env);
  }

  private call(cmd: (c: Ctx) => number, argv: string[], io: Io, assignsOrEnv: [string, string][] | Record<string, string>): number {
    const c = this.ctx(argv, io, Array.isArray(assignsOrEnv) ? this.env(assignsOrEnv) : assignsOrEnv);
    try {
      return cmd(c);
    } catch (e) {
      if (e instanceof SysError) {
        c.err(`${argv[0]}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  /** Can argv run as a process image of its own (exec): a blocking command with valid arguments. */
  static execProgram(argv: string[]): BlockProgram | null {
    const b = BLOCKERS[argv[0]];
    if (!b) return null;
    const r = b(argv);
    return 'program' in r ? r.program : null;
  }

  /** `cmd &`: a blocking command becomes a child process; others run now (ash forks; we charge it). */
  private background(ao: AndOr, src: string): void {
    const st = this.st;
    const err = this.io().err;
    const single = !ao.rest.length && ao.first.cmds.length === 1 && !ao.first.bang ? ao.first.cmds[0] : null;
    if (single && single.t === 'simple' && single.words.length) {
      const argv = single.words.flatMap((w) => this.expand(w));
      const name = argv[0] ? argv[0].slice(argv[0].lastIndexOf('/') + 1) : '';
      const blocker = BLOCKERS[name];
      if (blocker) {
        argv[0] = name;
        const r = blocker(argv);
        if ('error' in r) {
          this.write(err, r.error);
          st.status = r.code;
          return;
        }
        if (single.redirs.length && !this.redirect(single.redirs, this.io())) {
          st.status = 1;
          return;
        }
        try {
          st.lastBg = this.sys.spawnChild(argv, r.program);
          st.status = 0;
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          this.cantFork(err, e);
        }
        return;
      }
      if (COMMANDS[name] || !argv.length) {
        // finishes at once: charge the fork, run it now
        try {
          this.sys.forkCheck();
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          this.cantFork(err, e);
          return;
        }
        const io = single.redirs.length ? this.redirect(single.redirs, this.io()) : this.io();
        if (!io) return;
        const assigns: [string, string][] = single.assigns.map((a) => [a.name, this.expand(a.value, false).join('')]);
        const cmd = COMMANDS[name];
        if (cmd) this.call(cmd, [name, ...argv.slice(1)], io, assigns);
        st.status = 0;
        return;
      }
    }
    // anything else (a loop, a group, a pipeline, an unknown command): a child shell runs it
    const prefix = Object.entries(st.vars)
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k, v]) => `${st.exported.includes(k) ? 'export ' : ''}${k}=${shq(v)}; `)
      .join('');
    try {
      st.lastBg = this.sys.spawnChild(['sh', '-c', src], { kind: 'shell', script: prefix + src });
      st.status = 0;
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
      this.cantFork(err, e);
    }
  }

  /**
   * fork() failed: ash prints "can't fork" and raises an error, which ends a non-interactive
   * shell with status 2; an interactive one goes back to its prompt.
   */
  private cantFork(to: Io['err'], e: SysError): null {
    this.write(to, `sh: can't fork: ${e.message}\n`);
    this.st.status = 2;
    if (!this.st.interactive) throw new ExitNow(2);
    return null;
  }

  // ---------------------------------------------------------------- builtins

  private builtin(name: string, argv: string[], io: Io, assigns: [string, string][]): Ctl {
    const st = this.st;
    const err = (t: string): void => this.write(io.err, t);
    const out = (t: string): void => this.write(io.out, t);
    const args = argv.slice(1);
    const done = (code: number): Ctl => {
      st.status = code;
      return null;
    };
    switch (name) {
      case ':':
        return done(0);
      case 'cd': {
        const dir = args[0] === undefined ? (st.vars.HOME ?? '/') : args[0] === '-' ? (st.vars.OLDPWD ?? this.sys.cwd()) : args[0];
        const old = this.sys.cwd();
        try {
          this.sys.chdir(dir);
        } catch (e) {
          err(`sh: cd: can't cd to ${dir}: ${errText(e)}\n`);
          return done(2);
        }
        st.vars.OLDPWD = old;
        st.vars.PWD = this.sys.cwd();
        if (args[0] === '-') out(`${this.sys.cwd()}\n`);
        return done(0);
      }
      case 'exit': {
        const code = args[0] === undefined ? st.status : Number(args[0]);
        if (!Number.isInteger(code)) {
          err(`sh: exit: Illegal number: ${args[0]}\n`);
          throw new ExitNow(2);
        }
        throw new ExitNow(code & 255);
      }
      case 'export':
      case 'readonly':
      case 'local': {
        if (!args.length || args[0] === '-p') {
          if (name === 'export') {
            for (const k of [...st.exported].sort()) if (st.vars[k] !== undefined) out(`export ${k}=${dq(st.vars[k])}\n`);
          }
          return done(0);
        }
        for (const a of args) {
          const eq = a.indexOf('=');
          const k = eq < 0 ? a : a.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
            err(`sh: ${name}: ${a}: bad variable name\n`);
            return done(2);
          }
          if (eq >= 0) st.vars[k] = a.slice(eq + 1);
          if (name === 'export' && !st.exported.includes(k)) st.exported.push(k);
        }
        return done(0);
      }
      case 'unset':
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          delete st.vars[a];
          delete st.funcs[a];
          st.exported = st.exported.filter((k) => k !== a);
        }
        return done(0);
      case 'set': {
        const dd = args.indexOf('--');
        if (dd >= 0) st.args = [st.args[0] ?? 'sh', ...args.slice(dd + 1)];
        else if (!args.length) for (const k of Object.keys(st.vars).sort()) out(`${k}=${sq(st.vars[k])}\n`);
        else if (!args[0].startsWith('-') && !args[0].startsWith('+')) st.args = [st.args[0] ?? 'sh', ...args];
        return done(0);
      }
      case 'shift': {
        const n = args[0] ? Number(args[0]) : 1;
        if (!(n >= 0) || n > st.args.length - 1) return done(1);
        st.args = [st.args[0], ...st.args.slice(1 + n)];
        return done(0);
      }
      case 'trap':
        return done(this.trap(args, out, err));
      case 'wait':
        if (this.sync) return done(0);
        st.status = 0;
        return { kind: 'wait-all', cont: clone(st) };
      case 'exec': {
        if (!args.length) {
          // `exec >file`: redirections apply to the shell itself
          if (io !== this.io()) st.io.push(io);
          return done(0);
        }
        const program = Interp.execProgram(args);
        if (program && this.canExec) return { kind: 'exec', argv: args, program };
        // run it, then the shell is done
        this.unwind(0);
        const r = this.runArgv(args, io, assigns, true);
        if (r) return r;
        throw new ExitNow(st.status);
      }
      case 'break':
      case 'continue': {
        let n = args[0] ? Number(args[0]) : 1;
        if (!(n >= 1)) n = 1;
        const stack = st.stack;
        for (let j = stack.length - 1; j >= 0; j--) {
          const f = stack[j];
          if (f.f === 'args' || f.f === 'restore') break;
          if (f.f !== 'for' && f.f !== 'while') continue;
          if (--n > 0) continue;
          this.unwind(j + 1);
          if (name === 'break') {
            this.unwind(j);
          } else if (f.f === 'while') {
            f.phase = 'cond';
          }
          return done(0);
        }
        return done(0);
      }
      case 'return': {
        const code = args[0] ? Number(args[0]) & 255 : st.status;
        const stack = st.stack;
        for (let j = stack.length - 1; j >= 0; j--) {
          if (stack[j].f === 'args') {
            this.unwind(j);
            return done(code);
          }
        }
        return done(code);
      }
      case 'read': {
        const names = args.filter((a) => !a.startsWith('-'));
        const line = this.readLine(io.in);
        if (line === null) {
          for (const n of names) st.vars[n] = '';
          return done(1);
        }
        const raw = args.includes('-r') ? line : line.replace(/\\(.)/g, '$1');
        const vs = names.length ? names : ['REPLY'];
        let rest = raw.replace(/^[ \t]+/, '');
        vs.forEach((n, j) => {
          if (j === vs.length - 1) {
            st.vars[n] = vs.length === 1 && !names.length ? raw : rest.replace(/[ \t]+$/, '');
            return;
          }
          const m = /^(\S*)[ \t]*/.exec(rest)!;
          st.vars[n] = m[1];
          rest = rest.slice(m[0].length);
        });
        return done(0);
      }
      case 'eval':
        if (!args.length) return done(0);
        this.pushScript(args.join(' '));
        return null;
      case '.':
      case 'source': {
        if (!args[0]) return done(0);
        let text: string;
        try {
          text = this.sys.readFile(args[0]);
        } catch (e) {
          err(`sh: .: can't open '${args[0]}': ${errText(e)}\n`);
          return done(2);
        }
        this.pushScript(text);
        return null;
      }
      case 'sh':
      case 'ash': {
        // a nested shell runs inline as a subshell
        let script: string | null = null;
        let params: string[] = [];
        if (args[0] === '-c') {
          script = args[1] ?? '';
          params = args.slice(2);
        } else if (args[0] && !args[0].startsWith('-')) {
          try {
            script = this.sys.readFile(args[0]);
          } catch (e) {
            err(`sh: can't open '${args[0]}': ${errText(e)}\n`);
            return done(2);
          }
          params = [args[0], ...args.slice(1)];
        } else {
          script = this.readAll(io.in);
        }
        try {
          this.sys.forkCheck();
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          return this.cantFork(io.err, e);
        }
        st.stack.push(this.restoreFrame());
        st.stack.push({ f: 'args', saved: st.args });
        st.args = params.length ? params : ['sh'];
        for (const [k, v] of assigns) st.vars[k] = v;
        if (io !== this.io()) {
          st.stack.push({ f: 'popio' });
          st.io.push(io);
        }
        st.status = 0;
        this.pushScript(script);
        return null;
      }
      case 'type':
      case 'command': {
        const list = name === 'command' ? args.filter((a) => a !== '-v' && a !== '-V') : args;
        if (name === 'command' && !args.some((a) => a === '-v' || a === '-V')) {
          if (!list.length) return done(0);
          return this.runArgv(list, io, assigns);
        }
        let status = 0;
        for (const a of list) {
          if (SHELL_BUILTINS.has(a) || NO_FORK.has(a)) out(name === 'type' ? `${a} is a shell builtin\n` : `${a}\n`);
          else if (st.funcs[a]) out(name === 'type' ? `${a} is a function\n` : `${a}\n`);
          else if (COMMANDS[a] || BLOCKERS[a]) out(name === 'type' ? `${a} is /bin/${a}\n` : `/bin/${a}\n`);
          else {
            if (name === 'type') out(`${a}: not found\n`);
            status = 1;
          }
        }
        return done(status);
      }
      case 'umask':
        if (!args.length) out('0022\n');
        return done(0);
      case 'ulimit':
        if (!args.length || args[0] === '-f') out('unlimited\n');
        return done(0);
      case 'times':
        out('0m0.000s 0m0.000s\n0m0.000s 0m0.000s\n');
        return done(0);
      case 'jobs':
        return done(0);
    }
    return done(0);
  }

  private trap(args: string[], out: (t: string) => void, err: (t: string) => void): number {
    const st = this.st;
    if (!args.length || args[0] === '-p') {
      for (const [sig, action] of Object.entries(st.traps)) out(`trap -- ${sq(action)} ${sig}\n`);
      return 0;
    }
    if (args[0] === '-l') {
      out(Object.entries(SIGNALS).map(([k, n]) => `${String(n).padStart(2)}) ${k}`).join('\n') + '\n');
      return 0;
    }
    let action: string | null = args[0];
    let sigs = args.slice(1);
    if (action === '-') action = null;
    else if (!sigs.length || /^\d+$/.test(action)) {
      // `trap TERM` or `trap 15 ...`: reset
      sigs = args;
      action = null;
    }
    let status = 0;
    for (const s of sigs) {
      const sig = normSignal(s);
      if (!sig) {
        err(`sh: trap: ${s}: bad trap\n`);
        status = 1;
        continue;
      }
      if (action === null) delete st.traps[sig];
      else st.traps[sig] = action;
    }
    return status;
  }

  // ---------------------------------------------------------------- traps (called by the kernel)

  /** Run the trap for `signal` now, then carry on where the shell was (the interrupted wait gives 128+n). */
  runTrap(signal: string): Outcome | ExecOutcome {
    const sig = normSignal(signal);
    const action = sig ? this.st.traps[sig] : undefined;
    const n = sig ? (SIGNALS[sig] ?? 15) : 15;
    if (action === undefined) return { kind: 'exit', code: 128 + n };
    this.st.stack.push({ f: 'status', code: 128 + n });
    if (action !== '') this.pushScript(action);
    return this.run();
  }
}

function maskedGlobChars(s: string, m: string): string {
  let r = '';
  for (let i = 0; i < s.length; i++) if (m[i] === '1') r += s[i];
  return r;
}

function globRegex(pat: string, anchored: boolean): string {
  let re = '';
  for (const ch of pat) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return anchored ? `^${re}$` : re;
}

function safeStat(sys: SysCtx, path: string): ReturnType<SysCtx['stat']> | null {
  try {
    return sys.stat(path);
  } catch {
    return null;
  }
}

function safeLstat(sys: SysCtx, path: string): boolean {
  try {
    sys.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function dq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Lex text as if inside double quotes (for here-documents and $((...))). */
export function lexDq(text: string): Word {
  const toks = lex(`"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\\\\\$/g, '\\$')}"`);
  const t = toks[0];
  return t && t.t === 'word' ? t.parts : [{ k: 'lit', v: text, q: true }];
}
