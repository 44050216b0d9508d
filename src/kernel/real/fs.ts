// The real kernel's files: plain node:fs on the host's disk. readTree walks without following
// symlinks (lstat), and reports overlayfs whiteouts (chardev 0/0) and opaque dirs as they are;
// writeEntries creates entries exactly as given (device nodes need root: mknod). Extended
// attributes (trusted.overlay.opaque on an opaque dir, user.*) go through the attr tools:
// one `getfattr -R --dump` per tree read, one `setfattr --restore=-` per write.
import { chmodSync, chownSync, lchownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, linkSync, utimesSync, writeFileSync, lutimesSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { FsEntry, KernelFs } from '../kernel.js';
import { KernelError } from '../kernel.js';
import { run, runSync } from './run.js';

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & ~0xff);
}

/** the xattrs boxlab carries: overlayfs's opaque-dir mark and user ones (security.* and the rest stay with the host) */
export const XATTR_PATTERN = '^(trusted\\.overlay\\.opaque|user\\..*)$';

/** getfattr/setfattr quote a name's bytes as \\ooo */
function unquote(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1'))) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else bytes.push(raw[i]);
  }
  return Buffer.from(bytes).toString('utf8');
}
function quote(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b > 0x20 && b < 0x7f && b !== 0x5c && b !== 0x3d ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
  return out;
}

/** every xattr under root (absolute path → name → value), one getfattr for the whole tree */
export function readXattrs(root: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const r = runSync(['getfattr', '-R', '-P', '-h', '--absolute-names', '-d', '-e', 'hex', '-m', XATTR_PATTERN, root]);
  if (r.missing) return out;
  if (r.exitCode !== 0 && !r.stdout) throw new KernelError(`getfattr ${root}: ${r.stderr.trim()}`, 'EIO', r.argv.join(' '));
  let file: string | null = null;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = normalize(unquote(line.slice(8)));
    else if (file && line.includes('=')) {
      const i = line.indexOf('=');
      const name = unquote(line.slice(0, i));
      const v = line.slice(i + 1);
      const value = v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex').toString('utf8') : v.replace(/^"|"$/g, '');
      out.set(file, { ...(out.get(file) ?? {}), [name]: value });
    }
  }
  return out;
}

export function readRealTree(root: string): FsEntry[] {
  const out: FsEntry[] = [];
  root = normalize(root).replace(/(.)\/$/, '$1');
  const xattrs = readXattrs(root);
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const path = prefix ? `${prefix}/${name}` : name;
      const xs = xattrs.get(full);
      const base = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs, ...(xs ? { xattrs: xs } : {}) };
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
  // extended attributes, all in one setfattr (a symlink cannot carry user.* ones)
  const dump = entries
    .filter((e) => e.xattrs && Object.keys(e.xattrs).length && e.type !== 'symlink')
    .map((e) => `# file: ${quote(join(root, e.path))}\n${Object.entries(e.xattrs!).map(([k, v]) => `${quote(k)}=0x${Buffer.from(v, 'utf8').toString('hex')}\n`).join('')}\n`)
    .join('');
  if (dump) {
    const r = await run(['setfattr', '-h', '--restore=-'], { input: dump });
    if (r.missing) throw new KernelError('setfattr is not installed (apt-get install attr): cannot set the xattrs of a layer (opaque directories)', 'ENOENT', 'setfattr -h --restore=-');
    if (r.exitCode !== 0) throw new KernelError(`setfattr -h --restore=-: ${r.stderr.trim()}`, 'EIO', 'setfattr -h --restore=-');
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
