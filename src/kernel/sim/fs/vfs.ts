// The VFS: one namespace of paths stitched together from mounts. Each process sees the mount
// table of its mount namespace; a path walks component by component, crossing into whichever
// mount's target is the longest prefix and following symlinks (Documentation/filesystems/path-lookup.rst).

import { SysError, type Stat } from '../sys.js';
import { TreeBackend, type Backend, type CreateOpts } from './backend.js';
import { OverlayBackend } from './overlay.js';
import { joinPath, normAbs, splitPath } from './path.js';
import { SyntheticBackend, type SyntheticFs } from './synthetic.js';
import { countFiles, newDir, newFile, newLink, treeSize, walkNode, type DirNode, type FsNode } from './tree.js';

export type { SyntheticFs } from './synthetic.js';

export type Backing =
  | { kind: 'host'; path: string } // the host tree under path (root fs of host ns, bind mounts, volumes)
  | { kind: 'overlay'; lower: string[]; upper: string; work: string } // host paths; lower[0] is the TOP lower
  | { kind: 'tmpfs'; root: DirNode }
  | { kind: 'synthetic'; name: string };

export interface SimMount {
  target: string;
  source: string;
  fstype: string;
  options: string[];
  backing: Backing;
}

/** later entries shadow earlier ones; the mount whose target is the longest prefix of a path wins */
export interface MountNs {
  id: number;
  mounts: SimMount[];
}

export interface PathCtx {
  ns: MountNs;
  cwd: string;
  uid: number;
}

export interface VfsOpts {
  now(): number;
  synthetic(name: string, mount: SimMount): SyntheticFs;
}

/** Linux's MAXSYMLINKS */
const MAX_LINKS = 40;

/** Where a path landed: the resolved components, the mount holding it, and its lstat (null if absent). */
interface Resolved {
  parts: string[];
  mount: SimMount;
  rel: string[];
  be: Backend;
  st: Stat | null;
}

export class Vfs {
  constructor(
    private readonly host: DirNode,
    private readonly opts: VfsOpts,
  ) {}

  // ---------------------------------------------------------------- mounts

  private mountFor(ns: MountNs, parts: string[]): { mount: SimMount; rel: string[] } {
    let best: SimMount | undefined;
    let bestLen = -1;
    for (const m of ns.mounts) {
      const t = splitPath(m.target);
      if (t.length < bestLen || t.length > parts.length) continue;
      if (!t.every((s, i) => parts[i] === s)) continue;
      best = m; // >= so later entries shadow earlier ones on the same target
      bestLen = t.length;
    }
    if (!best) throw new SysError('ENOENT', joinPath(parts));
    return { mount: best, rel: parts.slice(bestLen) };
  }

  private backend(m: SimMount): Backend {
    const b = m.backing;
    switch (b.kind) {
      case 'host': {
        const root = walkNode(this.host, normAbs(b.path));
        if (!root) throw new SysError('ENOENT', b.path);
        return new TreeBackend(root);
      }
      case 'tmpfs':
        return new TreeBackend(b.root);
      case 'overlay':
        return new OverlayBackend(this.host, b);
      case 'synthetic':
        return new SyntheticBackend(this.opts.synthetic(b.name, m));
    }
  }

  private at(ns: MountNs, parts: string[]): Resolved {
    const { mount, rel } = this.mountFor(ns, parts);
    const be = this.backend(mount);
    return { parts, mount, rel, be, st: be.lstat(rel) };
  }

  /**
   * namei: resolve p to a location. Intermediate symlinks are always followed, the last one only
   * when follow is set. A missing last component is not an error here (st is null).
   */
  private resolve(ctx: PathCtx, p: string, follow: boolean): Resolved {
    if (p === '') throw new SysError('ENOENT', p);
    const queue = p.split('/').filter((s) => s !== '' && s !== '.');
    let cur = p.startsWith('/') ? [] : normAbs(ctx.cwd);
    let links = 0;
    let last: Resolved | null = null;
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === '..') {
        cur = cur.slice(0, -1);
        last = null;
        continue;
      }
      const isLast = queue.length === 0;
      const r = this.at(ctx.ns, [...cur, name]);
      if (!r.st) {
        if (isLast) return r;
        throw new SysError('ENOENT', p);
      }
      if (r.st.type === 'symlink' && (!isLast || follow)) {
        if (++links > MAX_LINKS) throw new SysError('ELOOP', p);
        const target = r.st.target ?? '';
        if (target.startsWith('/')) cur = [];
        queue.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
        last = null;
        continue;
      }
      if (!isLast && r.st.type !== 'dir') throw new SysError('ENOTDIR', p);
      if (r.st.type !== 'dir' && p.endsWith('/') && isLast) throw new SysError('ENOTDIR', p);
      cur = r.parts;
      last = r;
    }
    return last ?? this.at(ctx.ns, cur);
  }

  private existing(ctx: PathCtx, p: string, follow: boolean): Resolved & { st: Stat } {
    const r = this.resolve(ctx, p, follow);
    if (!r.st) throw new SysError('ENOENT', p);
    return r as Resolved & { st: Stat };
  }

  private writable(r: Resolved, p: string): void {
    if (r.mount.options.includes('ro')) throw new SysError('EROFS', p);
  }

  private allowed(st: Stat, uid: number, bit: 4 | 2): boolean {
    if (uid === 0) return true;
    const shift = st.uid === uid ? 6 : 0;
    return ((st.mode >> shift) & bit) !== 0;
  }

  /** Check write permission on the directory that holds r (for create/delete/rename). */
  private parentWritable(ctx: PathCtx, r: Resolved, p: string): void {
    if (ctx.uid === 0) return;
    const parent = this.at(ctx.ns, r.parts.slice(0, -1));
    if (parent.st && !this.allowed(parent.st, ctx.uid, 2)) throw new SysError('EACCES', p);
  }

  private create(ctx: PathCtx): CreateOpts {
    return { uid: ctx.uid, gid: ctx.uid, now: this.opts.now() };
  }

  private isPseudo(r: Resolved): boolean {
    return r.mount.backing.kind === 'synthetic';
  }

  // ---------------------------------------------------------------- system calls

  stat(ctx: PathCtx, p: string): Stat {
    return this.existing(ctx, p, true).st;
  }

  lstat(ctx: PathCtx, p: string): Stat {
    return this.existing(ctx, p, false).st;
  }

  readlink(ctx: PathCtx, p: string): string {
    const r = this.existing(ctx, p, false);
    if (r.st.type !== 'symlink') throw new SysError('EINVAL', p);
    return r.st.target ?? '';
  }

  exists(ctx: PathCtx, p: string): boolean {
    try {
      this.stat(ctx, p);
      return true;
    } catch {
      return false;
    }
  }

  realpath(ctx: PathCtx, p: string): string {
    return joinPath(this.existing(ctx, p, true).parts);
  }

  /** The mount that holds p (after following symlinks). */
  mountAt(ctx: PathCtx, p: string): SimMount {
    return this.existing(ctx, p, true).mount;
  }

  readFile(ctx: PathCtx, p: string): string {
    const r = this.existing(ctx, p, true);
    if (r.st.type === 'dir') throw new SysError('EISDIR', p);
    if (!this.allowed(r.st, ctx.uid, 4)) throw new SysError('EACCES', p);
    return r.be.readFile(r.rel);
  }

  writeFile(ctx: PathCtx, p: string, data: string, o: { append?: boolean; mode?: number } = {}): void {
    const r = this.resolve(ctx, p, true);
    if (r.st?.type === 'dir') throw new SysError('EISDIR', p);
    if (!r.st && p.endsWith('/')) throw new SysError('EISDIR', p);
    this.writable(r, p);
    if (r.st) {
      if (!this.allowed(r.st, ctx.uid, 2)) throw new SysError('EACCES', p);
    } else {
      this.parentWritable(ctx, r, p);
    }
    r.be.writeFile(r.rel, data, !!o.append, o.mode ?? 0o644, this.create(ctx));
  }

  readdir(ctx: PathCtx, p: string): string[] {
    const r = this.existing(ctx, p, true);
    if (r.st.type !== 'dir') throw new SysError('ENOTDIR', p);
    if (!this.allowed(r.st, ctx.uid, 4)) throw new SysError('EACCES', p);
    const names = new Set(r.be.readdir(r.rel));
    // mount points directly below show up even if the underlying dir lacks the entry
    for (const m of ctx.ns.mounts) {
      const t = splitPath(m.target);
      if (t.length === r.parts.length + 1 && r.parts.every((s, i) => t[i] === s)) names.add(t[t.length - 1]!);
    }
    return [...names].sort();
  }

  mkdir(ctx: PathCtx, p: string, mode = 0o755): void {
    const r = this.resolve(ctx, p, false);
    if (r.st) throw new SysError('EEXIST', p);
    this.writable(r, p);
    this.parentWritable(ctx, r, p);
    r.be.mkdir(r.rel, mode & 0o7777, this.create(ctx));
  }

  unlink(ctx: PathCtx, p: string): void {
    const r = this.existing(ctx, p, false);
    if (r.st.type === 'dir') throw new SysError('EISDIR', p);
    if (r.rel.length === 0) throw new SysError('EBUSY', p);
    this.writable(r, p);
    this.parentWritable(ctx, r, p);
    r.be.unlink(r.rel, this.opts.now());
  }

  rmdir(ctx: PathCtx, p: string): void {
    const r = this.existing(ctx, p, false);
    if (r.st.type !== 'dir') throw new SysError('ENOTDIR', p);
    if (r.parts.length === 0 || r.rel.length === 0) throw new SysError('EBUSY', p);
    this.writable(r, p);
    this.parentWritable(ctx, r, p);
    // pseudo filesystems decide themselves (a cgroup dir is "empty" despite its control files)
    if (!this.isPseudo(r) && this.readdir(ctx, joinPath(r.parts)).length > 0) throw new SysError('ENOTEMPTY', p);
    r.be.rmdir(r.rel, this.opts.now());
  }

  rename(ctx: PathCtx, from: string, to: string): void {
    const a = this.existing(ctx, from, false);
    const b = this.resolve(ctx, to, false);
    if (a.mount !== b.mount) throw new SysError('EXDEV', to);
    if (a.rel.length === 0 || b.rel.length === 0) throw new SysError('EBUSY', from);
    this.writable(a, from);
    this.parentWritable(ctx, a, from);
    this.parentWritable(ctx, b, to);
    const same = a.parts.length === b.parts.length && a.parts.every((s, i) => b.parts[i] === s);
    if (same) return;
    if (a.st.type === 'dir' && a.parts.every((s, i) => b.parts[i] === s)) throw new SysError('EINVAL', to);
    if (b.st) {
      if (a.st.type === 'dir' && b.st.type !== 'dir') throw new SysError('ENOTDIR', to);
      if (a.st.type !== 'dir' && b.st.type === 'dir') throw new SysError('EISDIR', to);
      if (b.st.type === 'dir' && this.readdir(ctx, joinPath(b.parts)).length > 0) throw new SysError('ENOTEMPTY', to);
    }
    a.be.rename(a.rel, b.rel, this.opts.now());
  }

  symlink(ctx: PathCtx, target: string, p: string): void {
    const r = this.resolve(ctx, p, false);
    if (r.st) throw new SysError('EEXIST', p);
    this.writable(r, p);
    this.parentWritable(ctx, r, p);
    r.be.symlink(target, r.rel, this.create(ctx));
  }

  chmod(ctx: PathCtx, p: string, mode: number): void {
    const r = this.existing(ctx, p, true);
    this.writable(r, p);
    if (ctx.uid !== 0 && r.st.uid !== ctx.uid) throw new SysError('EPERM', p);
    r.be.chmod(r.rel, mode & 0o7777, this.opts.now());
  }

  // ---------------------------------------------------------------- host-level helpers
  // Absolute paths into the host tree itself: no mounts, no symlinks followed.

  hostGet(path: string): FsNode | undefined {
    return walkNode(this.host, normAbs(path));
  }

  /** mkdir -p on the host tree (0755, root-owned); ENOTDIR if a component is not a directory. */
  hostMkdirp(path: string): DirNode {
    let d = this.host;
    for (const name of normAbs(path)) {
      let c = d.entries[name];
      if (!c) {
        c = newDir(0o755, 0, 0, this.opts.now());
        d.entries[name] = c;
      }
      if (c.t !== 'dir') throw new SysError('ENOTDIR', path);
      d = c;
    }
    return d;
  }

  /** rm -rf on the host tree; no error if absent. */
  hostRemove(path: string): void {
    const parts = normAbs(path);
    if (parts.length === 0) throw new SysError('EBUSY', path);
    const parent = walkNode(this.host, parts.slice(0, -1));
    if (parent?.t === 'dir') delete parent.entries[parts[parts.length - 1]!];
  }

  /** Write a file on the host tree, creating missing parent dirs (replaces what was there). */
  hostWriteFile(path: string, data: string, mode = 0o644): void {
    const parts = normAbs(path);
    if (parts.length === 0) throw new SysError('EISDIR', path);
    const dir = this.hostMkdirp(joinPath(parts.slice(0, -1)));
    const name = parts[parts.length - 1]!;
    if (dir.entries[name]?.t === 'dir') throw new SysError('EISDIR', path);
    dir.entries[name] = newFile(data, mode, 0, 0, this.opts.now());
  }

  /** Create (or replace) a symlink on the host tree, creating missing parent dirs. */
  hostSymlink(target: string, path: string): void {
    const parts = normAbs(path);
    if (parts.length === 0) throw new SysError('EEXIST', path);
    const dir = this.hostMkdirp(joinPath(parts.slice(0, -1)));
    dir.entries[parts[parts.length - 1]!] = newLink(target, 0, 0, this.opts.now());
  }

  /** Bytes under path, roughly `du -sb` (0 if absent). */
  hostDu(path: string): number {
    const n = this.hostGet(path);
    return n ? treeSize(n) : 0;
  }

  /** Non-directory entries (files, symlinks, devices incl. whiteouts) under path (0 if absent). */
  hostCount(path: string): number {
    const n = this.hostGet(path);
    return n ? countFiles(n) : 0;
  }
}
