// The simulated disk as tar-like entries, and back: how layer tars get in and out of it.
// File data in the simulation is text; bytes that are not UTF-8 do not survive a round trip.
import type { FsEntry } from '../../kernel.js';
import { SysError } from '../sys.js';
import type { DirNode, FsNode } from './tree.js';
import type { Vfs } from './vfs.js';

export function readSimTree(vfs: Vfs, root: string): FsEntry[] {
  const top = vfs.hostGet(root);
  if (!top) throw new SysError('ENOENT', root);
  if (top.t !== 'dir') throw new SysError('ENOTDIR', root);
  const out: FsEntry[] = [];
  const walk = (dir: DirNode, prefix: string) => {
    for (const name of Object.keys(dir.entries).sort()) {
      const n: FsNode = dir.entries[name];
      const path = prefix ? `${prefix}/${name}` : name;
      const base = { path, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, ...(n.xattrs ? { xattrs: { ...n.xattrs } } : {}) };
      if (n.t === 'dir') {
        out.push({ ...base, type: 'dir' });
        walk(n, path);
      } else if (n.t === 'file') out.push({ ...base, type: 'file', data: Buffer.from(n.data, 'utf8') });
      else if (n.t === 'link') out.push({ ...base, type: 'symlink', linkname: n.target });
      else out.push({ ...base, type: 'chardev', devmajor: n.major, devminor: n.minor });
    }
  };
  walk(top, '');
  return out;
}

export function writeSimEntries(vfs: Vfs, root: string, entries: FsEntry[]): void {
  const at = (p: string) => `${root.replace(/\/$/, '')}/${p}`;
  vfs.hostMkdirp(root);
  for (const e of entries) {
    const path = at(e.path);
    const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
    const name = path.slice(path.lastIndexOf('/') + 1);
    const parent = vfs.hostMkdirp(parentPath);
    const meta = { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime, ...(e.xattrs ? { xattrs: { ...e.xattrs } } : {}) };
    switch (e.type) {
      case 'dir': {
        const existing = parent.entries[name];
        if (existing?.t === 'dir') Object.assign(existing, meta);
        else parent.entries[name] = { t: 'dir', ...meta, entries: {} };
        break;
      }
      case 'file':
        parent.entries[name] = { t: 'file', ...meta, data: (e.data ?? Buffer.alloc(0)).toString('utf8') };
        break;
      case 'symlink':
        parent.entries[name] = { t: 'link', ...meta, mode: 0o777, target: e.linkname ?? '' };
        break;
      case 'hardlink': {
        // the simulation has no inodes to share: a hard link becomes a copy of its target
        const target = vfs.hostGet(at(e.linkname ?? ''));
        if (!target || target.t === 'dir') throw new SysError('ENOENT', e.linkname);
        parent.entries[name] = structuredClone(target);
        break;
      }
      default:
        parent.entries[name] = { t: 'dev', ...meta, major: e.devmajor ?? 0, minor: e.devminor ?? 0 };
    }
  }
}
