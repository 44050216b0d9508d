// What a simbox command gets to run with (argv, env, its three streams, the syscall surface) and
// small helpers the command groups share: busybox-style error text, option parsing, paths, sizes.
import { SysError, type BlockProgram, type SysCtx } from '../../sys.js';

export interface Ctx {
  sys: SysCtx;
  argv: string[];
  env: Record<string, string>;
  out(text: string): void;
  err(text: string): void;
  /** everything left on stdin (consumes it) */
  stdin(): string;
  /** run another command line to completion (env, busybox APPLET); blocking commands are refused */
  run?(argv: string[], env: Record<string, string>): number;
}

/** A command that runs to completion; returns its exit status. */
export type CommandFn = (c: Ctx) => number;

/** A command that blocks: turns argv into what the kernel should do with the process, or an error. */
export type BlockFn = (argv: string[]) => { program: BlockProgram } | { error: string; code: number };

export function errText(e: unknown): string {
  if (e instanceof SysError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isErrno(e: unknown, errno: string): boolean {
  return e instanceof SysError && e.errno === errno;
}

/**
 * Split argv[1..] into single-letter flags and operands, getopt style: `-la` = -l -a, `--` ends
 * options. `withArg` letters take a value (`-n 5` or `-n5`); returned in `vals`.
 */
export function getopt(args: string[], withArg = ''): { flags: Set<string>; vals: Record<string, string>; rest: string[]; bad?: string } {
  const flags = new Set<string>();
  const vals: Record<string, string> = {};
  const rest: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const ch = a[j];
      if (withArg.includes(ch)) {
        const v = a.slice(j + 1) || args[++i];
        if (v === undefined) return { flags, vals, rest, bad: ch };
        vals[ch] = v;
        break;
      }
      flags.add(ch);
    }
  }
  rest.push(...args.slice(i));
  return { flags, vals, rest };
}

export function join(dir: string, name: string): string {
  if (name.startsWith('/')) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function basename(p: string): string {
  const t = p.replace(/\/+$/, '');
  if (t === '') return p.startsWith('/') ? '/' : '';
  return t.slice(t.lastIndexOf('/') + 1);
}

export function dirname(p: string): string {
  const t = p.replace(/\/+$/, '');
  if (t === '') return p.startsWith('/') ? '/' : '.';
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return t.slice(0, i).replace(/\/+$/, '') || '/';
}

/** busybox make_human_readable_str: 1023 → 1023, 2048 → 2.0K, 1.5 GiB → 1.5G */
export function human(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return String(Math.round(v));
  return `${v.toFixed(1)}${units[u]}`;
}

/** Parse a size like 64, 64M, 64MB, 1G, 512k into bytes; a bare number is MiB (alloc's unit). */
export function parseSize(text: string, bareUnit = 1024 * 1024): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?[bB])?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  const unit = m[2].toLowerCase();
  return Math.round(n * (unit ? mult[unit] : bareUnit));
}

/** Parse `sleep` durations: 10, 1.5, 2m, 1h, infinity. null ms = forever. */
export function parseDuration(text: string): { ms: number | null } | null {
  if (text === 'inf' || text === 'infinity') return { ms: null };
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(text);
  if (!m) return null;
  const mult: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return { ms: Math.round(Number(m[1]) * mult[m[2]]) };
}

export function modeString(type: string, mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'chardev' ? 'c' : '-';
  const bits = ['r', 'w', 'x'];
  let s = t;
  for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  const a = s.split('');
  if (mode & 0o4000) a[3] = a[3] === 'x' ? 's' : 'S';
  if (mode & 0o2000) a[6] = a[6] === 'x' ? 's' : 'S';
  if (mode & 0o1000) a[9] = a[9] === 'x' ? 't' : 'T';
  return a.join('');
}

/** Names for uids/gids from /etc/passwd and /etc/group. */
export function idNames(sys: SysCtx, file: '/etc/passwd' | '/etc/group'): Map<number, string> {
  const map = new Map<number, string>();
  try {
    for (const line of sys.readFile(file).split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && /^\d+$/.test(f[2])) map.set(Number(f[2]), f[0]);
    }
  } catch {
    /* no such file: numbers only */
  }
  return map;
}

/** Read each named file (or stdin for none / `-`); reports busybox's "can't open" and returns status. */
export function eachInput(c: Ctx, name: string, files: string[], fn: (text: string, file: string) => void): number {
  let status = 0;
  if (!files.length) files = ['-'];
  for (const f of files) {
    if (f === '-') {
      fn(c.stdin(), '-');
      continue;
    }
    try {
      const st = c.sys.stat(f);
      if (st.type === 'dir') {
        c.err(`${name}: read error: Is a directory\n`);
        status = 1;
        continue;
      }
      fn(c.sys.readFile(f), f);
    } catch (e) {
      c.err(`${name}: can't open '${f}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
}

/** Split text into lines without the trailing empty one. */
export function lines(text: string): string[] {
  if (text === '') return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}
