// The real kernel's files: plain node:fs on the host's disk. readTree walks without following
// symlinks (lstat), and reports overlayfs whiteouts (chardev 0/0) and opaque dirs as they are;
// writeEntries creates entries exactly as given (device nodes need root: mknod).
import { chmodSync, chownSync, lchownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, linkSync, utimesSync, writeFileSync, lutimesSync } from 'node:fs';
import { join } from 'node:path';
import type { FsEntry, KernelFs } from '../kernel.js';
import { KernelError } from '../kernel.js';
import { run } from './run.js';

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & ~0xff);
}

export function readRealTree(root: string): FsEntry[] {
  const out: FsEntry[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const path = prefix ? `${prefix}/${name}` : name;
      const base = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs };
      if (st.isDirectory()) {
        out.push({ ...base, type: 'dir' });
        walk(full, path);
      } else if (st.isFile()) out.push({ ...base, type: 'file', data: readFileSync(full) });
      else if (st.isSymbolicLink()) out.push({ ...base, type: 'symlink', linkname: readlinkSync(full) });
      else if (st.isCharacterDevice()) out.push({ ...base, type: 'chardev', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      else if (st.isBlockDevice()) out.push({ ...base, type: 'blockdev', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      else if (st.isFIFO()) out.push({ ...base, type: 'fifo' });
    }
  };
  walk(root, '');
  return out;
}

export async function writeRealEntries(root: string, entries: FsEntry[]): Promise<void> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  mkdirSync(root, { recursive: true });
  const dirs: FsEntry[] = [];
  for (const e of entries) {
    const path = join(root, e.path);
    rmSync(path, { recursive: e.type !== 'dir', force: true });
    switch (e.type) {
      case 'dir':
        mkdirSync(path, { recursive: true });
        dirs.push(e);
        break;
      case 'file':
        writeFileSync(path, e.data ?? Buffer.alloc(0), { mode: e.mode });
        break;
      case 'symlink':
        symlinkSync(e.linkname ?? '', path);
        break;
      case 'hardlink':
        linkSync(join(root, e.linkname ?? ''), path);
        break;
      default: {
        if (!asRoot) throw new KernelError(`creating device node ${e.path} needs root`, 'EPERM');
        const kind = e.type === 'fifo' ? ['p'] : [e.type === 'chardev' ? 'c' : 'b', String(e.devmajor ?? 0), String(e.devminor ?? 0)];
        const r = await run(['mknod', '-m', (e.mode & 0o7777).toString(8), path, ...kind]);
        if (r.exitCode !== 0) throw new KernelError(`mknod ${path}: ${r.stderr}`, 'EPERM', r.argv.join(' '));
      }
    }
    if (e.type !== 'symlink') chmodSync(path, e.mode & 0o7777);
    if (asRoot) (e.type === 'symlink' ? lchownSync : chownSync)(path, e.uid, e.gid);
    if (e.type === 'symlink') lutimesSync(path, e.mtime / 1000, e.mtime / 1000);
    else if (e.type !== 'dir') utimesSync(path, e.mtime / 1000, e.mtime / 1000);
  }
  // directory times last: creating their children changed them
  for (const d of dirs.reverse()) utimesSync(join(root, d.path), d.mtime / 1000, d.mtime / 1000);
}

export function realDu(path: string): number {
  if (!existsSync(path)) return 0;
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let sum = 4096;
  for (const name of readdirSync(path)) sum += realDu(join(path, name));
  return sum;
}

/** KernelFs over the host's own disk (all but populateBase, which needs the base image recipe). */
export function realFs(): Omit<KernelFs, 'populateBase'> {
  return {
    mkdirp: async (p) => void mkdirSync(p, { recursive: true }),
    remove: async (p) => rmSync(p, { recursive: true, force: true }),
    exists: async (p) => existsSync(p),
    du: async (p) => realDu(p),
    readTree: async (p) => readRealTree(p),
    writeEntries: (p, entries) => writeRealEntries(p, entries),
  };
}
