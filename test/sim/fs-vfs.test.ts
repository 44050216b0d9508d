import { describe, it, expect } from 'vitest';
import { SysError, type Stat } from '../../src/kernel/sim/sys.js';
import { countFiles, newDir, treeSize, type DirNode } from '../../src/kernel/sim/fs/tree.js';
import { Vfs, type MountNs, type PathCtx, type SimMount, type SyntheticFs } from '../../src/kernel/sim/fs/vfs.js';

const dirStat: Stat = { type: 'dir', mode: 0o555, uid: 0, gid: 0, size: 0, nlink: 2, mtime: 0 };
const fileStat: Stat = { type: 'file', mode: 0o444, uid: 0, gid: 0, size: 0, nlink: 1, mtime: 0 };

function fakeProc(writes: string[]): SyntheticFs {
  return {
    stat: (rel) => (rel === '/' ? dirStat : rel === '/version' ? fileStat : rel === '/self' ? { ...fileStat, type: 'symlink', target: '42' } : rel === '/42' ? dirStat : null),
    readdir: (rel) => (rel === '/' ? ['42', 'self', 'version'] : []),
    read: (rel) => (rel === '/version' ? 'Linux sim\n' : ''),
    write: (rel, data) => void writes.push(`${rel}=${data}`),
  };
}

function setup() {
  const host = newDir();
  let t = 0;
  const writes: string[] = [];
  const vfs = new Vfs(host, { now: () => ++t, synthetic: () => fakeProc(writes) });
  for (const d of ['/etc', '/tmp', '/proc', '/var/lib/vols/data', '/layers/l0', '/c/upper', '/c/work']) vfs.hostMkdirp(d);
  vfs.hostWriteFile('/etc/hostname', 'labhost\n');
  vfs.hostWriteFile('/layers/l0/etc/hostname', 'container\n');
  const hostNs: MountNs = {
    id: 1,
    mounts: [
      { target: '/', source: '/dev/vda1', fstype: 'ext4', options: ['rw'], backing: { kind: 'host', path: '/' } },
      { target: '/proc', source: 'proc', fstype: 'proc', options: ['rw'], backing: { kind: 'synthetic', name: 'proc' } },
    ],
  };
  const overlay: SimMount = {
    target: '/', source: 'overlay', fstype: 'overlay', options: ['rw'],
    backing: { kind: 'overlay', lower: ['/layers/l0'], upper: '/c/upper', work: '/c/work' },
  };
  const ctrNs: MountNs = { id: 2, mounts: [overlay] };
  const ctx = (ns: MountNs, cwd = '/', uid = 0): PathCtx => ({ ns, cwd, uid });
  return { host, vfs, hostNs, ctrNs, ctx, writes };
}

function errno(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
  return 'no error';
}

describe('vfs', () => {
  it('creates, reads and appends files', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.writeFile(c, '/tmp/a', 'one\n');
    vfs.writeFile(c, '/tmp/a', 'two\n', { append: true });
    expect(vfs.readFile(c, '/tmp/a')).toBe('one\ntwo\n');
    expect(vfs.stat(c, '/tmp/a')).toMatchObject({ type: 'file', size: 8, mode: 0o644 });
  });

  it('resolves relative paths against the cwd', () => {
    const { vfs, hostNs, ctx } = setup();
    vfs.writeFile(ctx(hostNs, '/etc'), 'motd', 'hi');
    expect(vfs.readFile(ctx(hostNs, '/tmp'), '../etc/motd')).toBe('hi');
  });

  it('returns ENOENT writing into a missing parent dir', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.writeFile(ctx(hostNs), '/nope/a', 'x'))).toBe('ENOENT');
  });

  it('returns ENOENT reading a missing file', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.readFile(ctx(hostNs), '/etc/missing'))).toBe('ENOENT');
  });

  it('returns ENOTDIR walking through a file', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.stat(ctx(hostNs), '/etc/hostname/x'))).toBe('ENOTDIR');
    expect(errno(() => vfs.readdir(ctx(hostNs), '/etc/hostname'))).toBe('ENOTDIR');
  });

  it('returns EISDIR reading, writing or unlinking a directory', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    expect(errno(() => vfs.readFile(c, '/etc'))).toBe('EISDIR');
    expect(errno(() => vfs.writeFile(c, '/etc', 'x'))).toBe('EISDIR');
    expect(errno(() => vfs.unlink(c, '/etc'))).toBe('EISDIR');
  });

  it('returns ENOTEMPTY removing a non-empty dir', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.rmdir(ctx(hostNs), '/etc'))).toBe('ENOTEMPTY');
  });

  it('returns EEXIST making a dir that exists', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.mkdir(ctx(hostNs), '/etc'))).toBe('EEXIST');
    expect(errno(() => vfs.mkdir(ctx(hostNs), '/etc/hostname'))).toBe('EEXIST');
  });

  it('lists directories sorted', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.mkdir(c, '/tmp/z');
    vfs.writeFile(c, '/tmp/b', '');
    vfs.writeFile(c, '/tmp/a', '');
    expect(vfs.readdir(c, '/tmp')).toEqual(['a', 'b', 'z']);
  });

  it('removes empty dirs and files', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.mkdir(c, '/tmp/d', 0o700);
    expect(vfs.stat(c, '/tmp/d').mode).toBe(0o700);
    vfs.rmdir(c, '/tmp/d');
    vfs.unlink(c, '/etc/hostname');
    expect(vfs.readdir(c, '/tmp')).toEqual([]);
    expect(vfs.hostGet('/etc/hostname')).toBeUndefined();
  });

  it('follows relative and absolute symlinks', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.symlink(c, 'hostname', '/etc/name');
    vfs.symlink(c, '/etc', '/tmp/etc');
    expect(vfs.readFile(c, '/etc/name')).toBe('labhost\n');
    expect(vfs.readFile(c, '/tmp/etc/name')).toBe('labhost\n');
    expect(vfs.lstat(c, '/etc/name')).toMatchObject({ type: 'symlink', target: 'hostname' });
    expect(vfs.stat(c, '/etc/name').type).toBe('file');
    expect(vfs.realpath(c, '/tmp/etc/name')).toBe('/etc/hostname');
  });

  it('resolves absolute symlink targets from the namespace root', () => {
    const { vfs, ctrNs, ctx } = setup();
    const c = ctx(ctrNs);
    vfs.symlink(c, '/etc/hostname', '/h');
    expect(vfs.readFile(c, '/h')).toBe('container\n');
  });

  it('creates the target of a dangling symlink on write', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.symlink(c, '/tmp/real', '/tmp/link');
    vfs.writeFile(c, '/tmp/link', 'x');
    expect(vfs.readFile(c, '/tmp/real')).toBe('x');
  });

  it('returns ELOOP on a symlink loop', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.symlink(c, '/tmp/b', '/tmp/a');
    vfs.symlink(c, '/tmp/a', '/tmp/b');
    expect(errno(() => vfs.readFile(c, '/tmp/a'))).toBe('ELOOP');
  });

  it('returns EROFS writing to a read-only mount', () => {
    const { vfs, ctrNs, ctx } = setup();
    ctrNs.mounts.push({ target: '/data', source: '/var/lib/vols/data', fstype: 'ext4', options: ['ro', 'bind'], backing: { kind: 'host', path: '/var/lib/vols/data' } });
    vfs.hostWriteFile('/var/lib/vols/data/f', 'v');
    const c = ctx(ctrNs);
    expect(vfs.readFile(c, '/data/f')).toBe('v');
    expect(errno(() => vfs.writeFile(c, '/data/f', 'x'))).toBe('EROFS');
    expect(errno(() => vfs.mkdir(c, '/data/d'))).toBe('EROFS');
    expect(errno(() => vfs.unlink(c, '/data/f'))).toBe('EROFS');
  });

  it('picks the mount with the longest matching target (tmpfs over an overlay)', () => {
    const { vfs, ctrNs, ctx } = setup();
    ctrNs.mounts.push({ target: '/tmp', source: 'tmpfs', fstype: 'tmpfs', options: ['rw'], backing: { kind: 'tmpfs', root: newDir(0o1777) } });
    const c = ctx(ctrNs);
    vfs.writeFile(c, '/tmp/scratch', 's');
    vfs.writeFile(c, '/etc/x', 'o');
    expect(vfs.mountAt(c, '/tmp/scratch').fstype).toBe('tmpfs');
    expect(vfs.mountAt(c, '/etc/x').fstype).toBe('overlay');
    expect(vfs.hostGet('/c/upper/tmp')).toBeUndefined();
    expect(vfs.hostGet('/c/upper/etc/x')).toBeDefined();
    expect(vfs.readdir(c, '/')).toContain('tmp');
  });

  it('lets a later mount on the same target shadow an earlier one', () => {
    const { vfs, ctrNs, ctx } = setup();
    const a = newDir();
    a.entries.which = { t: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: 'a' };
    const b = newDir();
    b.entries.which = { t: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: 'b' };
    ctrNs.mounts.push({ target: '/m', source: 'a', fstype: 'tmpfs', options: [], backing: { kind: 'tmpfs', root: a } });
    ctrNs.mounts.push({ target: '/m', source: 'b', fstype: 'tmpfs', options: [], backing: { kind: 'tmpfs', root: b } });
    expect(vfs.readFile(ctx(ctrNs), '/m/which')).toBe('b');
  });

  it('shares a bind mount between two namespaces through the same host dir', () => {
    const { vfs, hostNs, ctrNs, ctx } = setup();
    const other: MountNs = { id: 3, mounts: [{ ...ctrNs.mounts[0]!, backing: { kind: 'overlay', lower: ['/layers/l0'], upper: '/c/upper', work: '/c/work' } }] };
    const bind = (): SimMount => ({ target: '/data', source: '/var/lib/vols/data', fstype: 'ext4', options: ['rw', 'bind'], backing: { kind: 'host', path: '/var/lib/vols/data' } });
    ctrNs.mounts.push(bind());
    other.mounts.push(bind());
    vfs.writeFile(ctx(ctrNs), '/data/shared.txt', 'hello');
    expect(vfs.readFile(ctx(other), '/data/shared.txt')).toBe('hello');
    expect(vfs.readFile(ctx(hostNs), '/var/lib/vols/data/shared.txt')).toBe('hello');
  });

  it('returns EXDEV renaming across mounts', () => {
    const { vfs, ctrNs, ctx } = setup();
    ctrNs.mounts.push({ target: '/data', source: 'v', fstype: 'ext4', options: ['rw'], backing: { kind: 'host', path: '/var/lib/vols/data' } });
    const c = ctx(ctrNs);
    vfs.writeFile(c, '/f', 'x');
    expect(errno(() => vfs.rename(c, '/f', '/data/f'))).toBe('EXDEV');
  });

  it('renames within a mount and replaces an existing file', () => {
    const { vfs, hostNs, ctx } = setup();
    const c = ctx(hostNs);
    vfs.writeFile(c, '/tmp/a', 'A');
    vfs.writeFile(c, '/tmp/b', 'B');
    vfs.rename(c, '/tmp/a', '/tmp/b');
    expect(vfs.readdir(c, '/tmp')).toEqual(['b']);
    expect(vfs.readFile(c, '/tmp/b')).toBe('A');
  });

  it('reads, follows symlinks in and writes to a synthetic fs', () => {
    const { vfs, hostNs, ctx, writes } = setup();
    const c = ctx(hostNs);
    expect(vfs.readFile(c, '/proc/version')).toBe('Linux sim\n');
    expect(vfs.readdir(c, '/proc')).toEqual(['42', 'self', 'version']);
    expect(vfs.realpath(c, '/proc/self')).toBe('/proc/42');
    vfs.writeFile(c, '/proc/version', 'x');
    expect(writes).toEqual(['/version=x']);
    expect(errno(() => vfs.writeFile(c, '/proc/new', 'x'))).toBe('EACCES');
  });

  it('denies a non-root user writing a root-owned file', () => {
    const { vfs, hostNs, ctx } = setup();
    expect(errno(() => vfs.writeFile(ctx(hostNs, '/', 1000), '/etc/hostname', 'x'))).toBe('EACCES');
  });

  it('keeps working after a JSON round trip of the host tree and mounts', () => {
    const { host, vfs, ctrNs, ctx } = setup();
    ctrNs.mounts.push({ target: '/tmp', source: 'tmpfs', fstype: 'tmpfs', options: ['rw'], backing: { kind: 'tmpfs', root: newDir(0o1777) } });
    const c = ctx(ctrNs);
    vfs.writeFile(c, '/etc/hostname', 'changed\n');
    vfs.writeFile(c, '/tmp/t', 'tmp');
    vfs.unlink(c, '/etc/hostname');
    vfs.symlink(c, '/tmp/t', '/link');
    const saved = JSON.parse(JSON.stringify({ host, ns: ctrNs })) as { host: DirNode; ns: MountNs };
    const vfs2 = new Vfs(saved.host, { now: () => 0, synthetic: () => fakeProc([]) });
    const c2 = ctx(saved.ns);
    expect(errno(() => vfs2.stat(c2, '/etc/hostname'))).toBe('ENOENT');
    expect(vfs2.readFile(c2, '/link')).toBe('tmp');
    vfs2.writeFile(c2, '/etc/hostname', 'back\n');
    expect(vfs2.readFile(c2, '/etc/hostname')).toBe('back\n');
    expect(vfs2.hostGet('/layers/l0/etc/hostname')).toMatchObject({ data: 'container\n' });
  });

  it('measures trees like du -sb and counts files', () => {
    const { vfs } = setup();
    vfs.hostMkdirp('/m/a');
    vfs.hostWriteFile('/m/a/f', '12345');
    vfs.hostSymlink('f', '/m/a/l');
    expect(vfs.hostDu('/m')).toBe(4096 * 2 + 5 + 1);
    expect(vfs.hostCount('/m')).toBe(2);
    expect(treeSize(vfs.hostGet('/m')!)).toBe(vfs.hostDu('/m'));
    expect(countFiles(vfs.hostGet('/m')!)).toBe(2);
    vfs.hostRemove('/m');
    vfs.hostRemove('/m');
    expect(vfs.hostGet('/m')).toBeUndefined();
    expect(vfs.hostDu('/m')).toBe(0);
  });
});
