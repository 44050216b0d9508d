// Control groups, v2 interface (Documentation/admin-guide/cgroup-v2.rst): a tree of groups, each
// with interface files. Limits are enforced: a fork past pids.max fails with EAGAIN, and when
// memory.current would pass memory.max the OOM killer ends the largest process in the group.
import { SysError } from './sys.js';
import type { SimCgroup, SimProc, SimState } from './state.js';

export const CGROUP_MOUNT = '/sys/fs/cgroup';

const DEFAULT_FILES: Record<string, string> = {
  'memory.max': 'max',
  'memory.high': 'max',
  'memory.swap.max': 'max',
  'pids.max': 'max',
  'cpu.max': 'max 100000',
  'cpu.weight': '100',
  'cgroup.subtree_control': '',
};

export const READ_ONLY_FILES = [
  'memory.current', 'memory.events', 'memory.peak', 'pids.current', 'pids.events', 'cpu.stat',
  'cgroup.controllers', 'cgroup.events',
];

export function cgPath(path: string): string {
  const p = ('/' + path).replace(/\/+/g, '/').replace(/\/$/, '');
  return p === '' ? '/' : p;
}

export function parentOf(path: string): string {
  const p = cgPath(path);
  if (p === '/') return '/';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function newCgroup(): SimCgroup {
  return { files: { ...DEFAULT_FILES }, oomKills: 0, ooms: 0, pidsMaxEvents: 0 };
}

/** Parse a memory size as the kernel accepts it in memory.max: bytes, with K/M/G/T suffixes, or "max". */
export function parseMemory(value: string): number | null {
  const v = value.trim();
  if (v === 'max') return null;
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(v);
  if (!m) throw new SysError('EINVAL');
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()] ?? 1;
  // the kernel rounds down to whole pages
  return Math.floor((Number(m[1]) * mult) / 4096) * 4096;
}

export function parseLimit(value: string): number | null {
  const v = value.trim();
  if (v === 'max') return null;
  if (!/^\d+$/.test(v)) throw new SysError('EINVAL');
  return Number(v);
}

function validate(file: string, value: string): string {
  const v = value.trim();
  switch (file) {
    case 'memory.max':
    case 'memory.high':
    case 'memory.swap.max': {
      const n = parseMemory(v);
      return n === null ? 'max' : String(n);
    }
    case 'pids.max':
      parseLimit(v);
      return v;
    case 'cpu.max': {
      const m = /^(max|\d+)(?:\s+(\d+))?$/.exec(v);
      if (!m) throw new SysError('EINVAL');
      return `${m[1]} ${m[2] ?? '100000'}`;
    }
    case 'cpu.weight': {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10000) throw new SysError('EINVAL');
      return v;
    }
    case 'cgroup.subtree_control':
      return v;
    default:
      if (READ_ONLY_FILES.includes(file)) throw new SysError('EACCES');
      throw new SysError('ENOENT');
  }
}

/** The cgroup and all its ancestors, nearest first. */
export function ancestry(path: string): string[] {
  const out: string[] = [];
  let p = cgPath(path);
  for (;;) {
    out.push(p);
    if (p === '/') return out;
    p = parentOf(p);
  }
}

function inSubtree(proc: SimProc, path: string): boolean {
  const p = cgPath(path);
  return p === '/' || proc.cgroup === p || proc.cgroup.startsWith(p + '/');
}

export class Cgroups {
  constructor(private st: SimState) {}

  exists(path: string): boolean {
    return cgPath(path) in this.st.cgroups;
  }

  get(path: string): SimCgroup {
    const cg = this.st.cgroups[cgPath(path)];
    if (!cg) throw new SysError('ENOENT');
    return cg;
  }

  create(path: string): void {
    const p = cgPath(path);
    if (this.st.cgroups[p]) throw new SysError('EEXIST');
    if (!this.st.cgroups[parentOf(p)]) throw new SysError('ENOENT');
    this.st.cgroups[p] = newCgroup();
  }

  children(path: string): string[] {
    const p = cgPath(path);
    return Object.keys(this.st.cgroups).filter((k) => k !== p && parentOf(k) === p);
  }

  remove(path: string): void {
    const p = cgPath(path);
    if (!this.st.cgroups[p]) throw new SysError('ENOENT');
    if (p === '/' || this.children(p).length || this.members(p, false).length) throw new SysError('EBUSY');
    delete this.st.cgroups[p];
  }

  /** live processes in the group (and, with deep, in its descendants) */
  members(path: string, deep = true): SimProc[] {
    const p = cgPath(path);
    return Object.values(this.st.procs).filter((pr) => pr.state !== 'X' && (deep ? inSubtree(pr, p) : pr.cgroup === p));
  }

  memoryCurrent(path: string): number {
    return this.members(path).reduce((sum, pr) => sum + pr.memBytes, 0);
  }

  memoryMax(path: string): number | null {
    return parseMemory(this.get(path).files['memory.max']);
  }

  pidsMax(path: string): number | null {
    return parseLimit(this.get(path).files['pids.max']);
  }

  write(path: string, file: string, value: string): void {
    const cg = this.get(path);
    cg.files[file] = validate(file, value);
  }

  read(path: string, file: string): string {
    const p = cgPath(path);
    const cg = this.get(p);
    const members = this.members(p);
    switch (file) {
      case 'memory.current':
        return `${this.memoryCurrent(p)}\n`;
      case 'memory.peak':
        return `${this.memoryCurrent(p)}\n`;
      case 'memory.events':
        return `low 0\nhigh 0\nmax ${cg.ooms}\noom ${cg.ooms}\noom_kill ${cg.oomKills}\noom_group_kill 0\n`;
      case 'pids.current':
        return `${members.length}\n`;
      case 'pids.events':
        return `max ${cg.pidsMaxEvents}\n`;
      case 'cpu.stat': {
        const usage = Math.round(members.length * 1000);
        return `usage_usec ${usage}\nuser_usec ${Math.round(usage * 0.6)}\nsystem_usec ${Math.round(usage * 0.4)}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`;
      }
      case 'cgroup.procs':
        return members.filter((m) => m.cgroup === p).map((m) => `${m.pid}\n`).join('');
      case 'cgroup.controllers':
        return 'cpu memory pids\n';
      case 'cgroup.events':
        return `populated ${members.length ? 1 : 0}\nfrozen 0\n`;
      default:
        if (file in cg.files) return `${cg.files[file]}\n`;
        throw new SysError('ENOENT');
    }
  }

  files(path: string): string[] {
    const cg = this.get(path);
    return [...new Set([...Object.keys(cg.files), ...READ_ONLY_FILES, 'cgroup.procs'])].sort();
  }

  /** Would one more process fit? Checks pids.max up the tree; counts the refusal in pids.events. */
  canFork(path: string): { ok: true } | { ok: false; at: string; current: number; limit: number } {
    for (const p of ancestry(path)) {
      const limit = this.pidsMax(p);
      if (limit === null) continue;
      const current = this.members(p).length;
      if (current + 1 > limit) {
        this.get(p).pidsMaxEvents++;
        return { ok: false, at: p, current, limit };
      }
    }
    return { ok: true };
  }

  /** The first group up the tree whose memory.max is exceeded, if any. */
  overLimit(path: string): { at: string; usage: number; limit: number } | null {
    for (const p of ancestry(path)) {
      const limit = this.memoryMax(p);
      if (limit === null) continue;
      const usage = this.memoryCurrent(p);
      if (usage > limit) return { at: p, usage, limit };
    }
    return null;
  }
}
