// A mounted filesystem as the VFS talks to it: a superblock's inode operations, addressed by the
// path relative to the mount's root. The VFS does name lookup, symlinks, permission and errno
// checks; a backend only answers lstat and carries out mutations (Documentation/filesystems/vfs.rst).

import { SysError, type Stat } from '../sys.js';
import { DIR_SIZE, dataBytes, newDir, newFile, newLink, walkNode, type DirNode, type FsNode } from './tree.js';

export interface CreateOpts {
  uid: number;
  gid: number;
  now: number;
}

export interface Backend {
  lstat(rel: string[]): Stat | null;
  readFile(rel: string[]): string;
  /** create (mode) or overwrite/append; the VFS has checked the parent is a directory */
  writeFile(rel: string[], data: string, append: boolean, mode: number, c: CreateOpts): void;
  readdir(rel: string[]): string[];
  mkdir(rel: string[], mode: number, c: CreateOpts): void;
  /** remove a non-directory */
  unlink(rel: string[], now: number): void;
  /** remove an empty directory */
  rmdir(rel: string[], now: number): void;
  /** the VFS has checked types, emptiness and same-mount; `to` may exist and is replaced */
  rename(from: string[], to: string[], now: number): void;
  symlink(target: string, rel: string[], c: CreateOpts): void;
  chmod(rel: string[], mode: number, now: number): void;
}

export function statOf(n: FsNode): Stat {
  const base = { mode: n.mode & 0o7777, uid: n.uid, gid: n.gid, mtime: n.mtime };
  switch (n.t) {
    case 'file':
      return { type: 'file', ...base, size: dataBytes(n.data), nlink: 1 };
    case 'dir': {
      let sub = 0;
      for (const c of Object.values(n.entries)) if (c.t === 'dir') sub++;
      return { type: 'dir', ...base, size: DIR_SIZE, nlink: 2 + sub };
    }
    case 'link':
      return { type: 'symlink', ...base, size: dataBytes(n.target), nlink: 1, target: n.target };
    case 'dev':
      return { type: 'chardev', ...base, size: 0, nlink: 1, rdev: [n.major, n.minor] };
  }
}

export function readNode(n: FsNode): string {
  if (n.t === 'dir') throw new SysError('EISDIR');
  if (n.t === 'file') return n.data;
  return ''; // device nodes read as empty (the caller special-cases /dev/zero etc. if it wants)
}

/** Apply a write to an existing node (devices swallow the data, like /dev/null). */
export function writeNode(n: FsNode, data: string, append: boolean, now: number): void {
  if (n.t === 'dir') throw new SysError('EISDIR');
  if (n.t !== 'file') return;
  n.data = append ? n.data + data : data;
  n.mtime = now;
}

/** A plain tree: the host disk under some path (root fs, bind mounts, volumes) or a tmpfs. */
export class TreeBackend implements Backend {
  constructor(private readonly root: FsNode) {}

  private get(rel: string[]): FsNode {
    const n = walkNode(this.root, rel);
    if (!n) throw new SysError('ENOENT');
    return n;
  }
  private parent(rel: string[]): { dir: DirNode; name: string } {
    if (rel.length === 0) throw new SysError('EBUSY');
    const dir = this.get(rel.slice(0, -1));
    if (dir.t !== 'dir') throw new SysError('ENOTDIR');
    return { dir, name: rel[rel.length - 1]! };
  }

  lstat(rel: string[]): Stat | null {
    const n = walkNode(this.root, rel);
    return n ? statOf(n) : null;
  }
  readFile(rel: string[]): string {
    return readNode(this.get(rel));
  }
  writeFile(rel: string[], data: string, append: boolean, mode: number, c: CreateOpts): void {
    const n = walkNode(this.root, rel);
    if (n) return writeNode(n, data, append, c.now);
    const { dir, name } = this.parent(rel);
    dir.entries[name] = newFile(data, mode, c.uid, c.gid, c.now);
    dir.mtime = c.now;
  }
  readdir(rel: string[]): string[] {
    const n = this.get(rel);
    if (n.t !== 'dir') throw new SysError('ENOTDIR');
    return Object.keys(n.entries);
  }
  mkdir(rel: string[], mode: number, c: CreateOpts): void {
    const { dir, name } = this.parent(rel);
    dir.entries[name] = newDir(mode, c.uid, c.gid, c.now);
    dir.mtime = c.now;
  }
  unlink(rel: string[], now: number): void {
    const { dir, name } = this.parent(rel);
    delete dir.entries[name];
    dir.mtime = now;
  }
  rmdir(rel: string[], now: number): void {
    this.unlink(rel, now);
  }
  rename(from: string[], to: string[], now: number): void {
    const a = this.parent(from);
    const b = this.parent(to);
    const node = a.dir.entries[a.name]!;
    delete a.dir.entries[a.name];
    b.dir.entries[b.name] = node;
    a.dir.mtime = now;
    b.dir.mtime = now;
  }
  symlink(target: string, rel: string[], c: CreateOpts): void {
    const { dir, name } = this.parent(rel);
    dir.entries[name] = newLink(target, c.uid, c.gid, c.now);
    dir.mtime = c.now;
  }
  chmod(rel: string[], mode: number): void {
    const n = this.get(rel);
    n.mode = mode & 0o7777;
  }
}
