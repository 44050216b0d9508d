// overlayfs: one merged view of a writable upper dir over read-only lower dirs (lowerdir=a:b:c,
// a on top). Lookups go upper first; writes copy the file up first; deletes leave whiteouts
// (0/0 char devices) and re-created dirs turn opaque. See Documentation/filesystems/overlayfs.rst.

import { SysError, type Stat } from '../sys.js';
import { readNode, statOf, writeNode, type Backend, type CreateOpts } from './backend.js';
import { cloneNode, newDev, newDir, newFile, newLink, walkNode, type DevNode, type DirNode, type FsNode } from './tree.js';
import { normAbs } from './path.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** A whiteout, exactly as overlayfs writes it: a character device 0/0 with mode 0 (c---------). */
export function makeWhiteout(now = 0): DevNode {
  return newDev(0, 0, 0, 0, 0, now);
}
export function isWhiteout(n: FsNode | undefined): boolean {
  return !!n && n.t === 'dev' && n.major === 0 && n.minor === 0;
}
export function isOpaque(n: FsNode | undefined): boolean {
  return !!n && n.t === 'dir' && n.xattrs?.[OPAQUE_XATTR] === 'y';
}
export function setOpaque(d: DirNode): void {
  d.xattrs = { ...(d.xattrs ?? {}), [OPAQUE_XATTR]: 'y' };
}

/** One layer's node for a path; layer -1 is upper, 0.. are the lowers top to bottom. */
interface Hit {
  layer: number;
  node: FsNode;
}

function layerDir(host: DirNode, path: string, what: string): DirNode {
  const n = walkNode(host, normAbs(path));
  if (!n) throw new SysError('ENOENT', path);
  if (n.t !== 'dir') throw new SysError('ENOTDIR', `${what} ${path}`);
  return n;
}

export interface OverlayLayers {
  lower: string[];
  upper: string;
  work: string;
}

export class OverlayBackend implements Backend {
  private readonly upper: DirNode;
  private readonly lowers: DirNode[];

  constructor(host: DirNode, b: OverlayLayers) {
    if (b.lower.length === 0) throw new SysError('EINVAL');
    this.upper = layerDir(host, b.upper, 'upperdir');
    layerDir(host, b.work, 'workdir'); // must exist; stays empty (used by the kernel for atomic copy-up)
    this.lowers = b.lower.map((l) => layerDir(host, l, 'lowerdir'));
  }

  /** The stack of layer nodes making up the merged object at rel (top first); [] when absent. */
  private lookup(rel: string[]): Hit[] {
    let hits: Hit[] = [{ layer: -1, node: this.upper }];
    if (!isOpaque(this.upper)) hits.push(...this.lowers.map((node, layer) => ({ layer, node })));
    for (const name of rel) {
      const next: Hit[] = [];
      for (const h of hits) {
        if (h.node.t !== 'dir') break;
        const c = Object.prototype.hasOwnProperty.call(h.node.entries, name) ? h.node.entries[name] : undefined;
        if (!c) continue;
        if (isWhiteout(c)) break; // deleted from here down
        if (next.length > 0 && c.t !== 'dir') break; // a non-dir below a dir is hidden
        next.push({ layer: h.layer, node: c });
        if (c.t !== 'dir' || isOpaque(c)) break; // non-dirs don't merge; opaque dirs hide what's below
      }
      if (next.length === 0) return [];
      hits = next;
    }
    return hits;
  }

  /** Does some lower layer (visible through the merged parent) hold an entry at rel? */
  private inLower(rel: string[]): boolean {
    if (rel.length === 0) return true;
    const name = rel[rel.length - 1]!;
    for (const h of this.lookup(rel.slice(0, -1))) {
      if (h.layer < 0 || h.node.t !== 'dir') continue;
      const c = h.node.entries[name];
      if (isWhiteout(c)) return false;
      if (c) return true;
    }
    return false;
  }

  /** Make sure rel exists in upper, copying it (and its parents, with their metadata) up. */
  private copyUp(rel: string[]): FsNode {
    let dir = this.upper;
    let node: FsNode = this.upper;
    for (let i = 0; i < rel.length; i++) {
      const name = rel[i]!;
      let u = dir.entries[name];
      if (!u || isWhiteout(u)) {
        const top = this.lookup(rel.slice(0, i + 1))[0];
        if (!top) throw new SysError('ENOENT');
        if (top.node.t === 'dir') {
          const d = newDir(top.node.mode, top.node.uid, top.node.gid, top.node.mtime);
          // overlayfs copies xattrs up but never its own trusted.overlay.* ones
          const xs = Object.entries(top.node.xattrs ?? {}).filter(([k]) => !k.startsWith('trusted.overlay.'));
          if (xs.length) d.xattrs = Object.fromEntries(xs);
          u = d;
        } else {
          u = cloneNode(top.node);
        }
        dir.entries[name] = u;
      }
      node = u;
      if (i < rel.length - 1) {
        if (u.t !== 'dir') throw new SysError('ENOTDIR');
        dir = u;
      }
    }
    return node;
  }

  private upperParent(rel: string[]): { dir: DirNode; name: string } {
    if (rel.length === 0) throw new SysError('EBUSY');
    const dir = this.copyUp(rel.slice(0, -1));
    if (dir.t !== 'dir') throw new SysError('ENOTDIR');
    return { dir, name: rel[rel.length - 1]! };
  }

  private top(rel: string[]): FsNode {
    const t = this.lookup(rel)[0];
    if (!t) throw new SysError('ENOENT');
    return t.node;
  }

  /** Remove rel from the merged view: a whiteout if a lower has it, else just drop the upper entry. */
  private remove(rel: string[], now: number): void {
    const lower = this.inLower(rel);
    const { dir, name } = this.upperParent(rel);
    if (lower) dir.entries[name] = makeWhiteout(now);
    else delete dir.entries[name];
    dir.mtime = now;
  }

  lstat(rel: string[]): Stat | null {
    const t = this.lookup(rel)[0];
    return t ? statOf(t.node) : null;
  }
  readFile(rel: string[]): string {
    return readNode(this.top(rel));
  }
  writeFile(rel: string[], data: string, append: boolean, mode: number, c: CreateOpts): void {
    const t = this.lookup(rel)[0];
    if (t) {
      if (t.node.t === 'dir') throw new SysError('EISDIR');
      return writeNode(this.copyUp(rel), data, append, c.now);
    }
    const { dir, name } = this.upperParent(rel);
    dir.entries[name] = newFile(data, mode, c.uid, c.gid, c.now);
    dir.mtime = c.now;
  }
  readdir(rel: string[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const hits = this.lookup(rel);
    if (hits.length === 0) throw new SysError('ENOENT');
    if (hits[0]!.node.t !== 'dir') throw new SysError('ENOTDIR');
    for (const h of hits) {
      if (h.node.t !== 'dir') break;
      for (const [name, c] of Object.entries(h.node.entries)) {
        if (seen.has(name)) continue;
        seen.add(name);
        if (!isWhiteout(c)) out.push(name);
      }
    }
    return out;
  }
  mkdir(rel: string[], mode: number, c: CreateOpts): void {
    const lower = this.inLower(rel);
    const { dir, name } = this.upperParent(rel);
    const d = newDir(mode, c.uid, c.gid, c.now);
    // re-created over a whiteout of a lower dir: opaque, so the old lower contents stay hidden
    if (lower || isWhiteout(dir.entries[name])) setOpaque(d);
    dir.entries[name] = d;
    dir.mtime = c.now;
  }
  unlink(rel: string[], now: number): void {
    this.remove(rel, now);
  }
  rmdir(rel: string[], now: number): void {
    this.remove(rel, now);
  }
  rename(from: string[], to: string[], now: number): void {
    const hits = this.lookup(from);
    if (hits.length === 0) throw new SysError('ENOENT');
    // without redirect_dir, overlayfs can't move a dir that is (partly) in a lower layer
    if (hits[0]!.node.t === 'dir' && hits.some((h) => h.layer >= 0)) throw new SysError('EXDEV');
    const fromLower = this.inLower(from);
    const toLower = this.inLower(to);
    const node = this.copyUp(from);
    const a = this.upperParent(from);
    const b = this.upperParent(to);
    delete a.dir.entries[a.name];
    if (fromLower) a.dir.entries[a.name] = makeWhiteout(now);
    if (node.t === 'dir' && toLower) setOpaque(node);
    b.dir.entries[b.name] = node;
    a.dir.mtime = now;
    b.dir.mtime = now;
  }
  symlink(target: string, rel: string[], c: CreateOpts): void {
    const { dir, name } = this.upperParent(rel);
    dir.entries[name] = newLink(target, c.uid, c.gid, c.now);
    dir.mtime = c.now;
  }
  chmod(rel: string[], mode: number): void {
    const n = this.copyUp(rel);
    n.mode = mode & 0o7777;
  }
}
