import { describe, it, expect } from 'vitest';
import { SysError } from '../../src/kernel/sim/sys.js';
import { newDir, type DirNode, type FsNode } from '../../src/kernel/sim/fs/tree.js';
import { Vfs, type MountNs, type PathCtx, type SimMount } from '../../src/kernel/sim/fs/vfs.js';
import { OPAQUE_XATTR, isWhiteout } from '../../src/kernel/sim/fs/overlay.js';

// Two image layers: lower[0] = /layers/top (on top), lower[1] = /layers/base.
function setup() {
  const host = newDir();
  let t = 1000;
  const vfs = new Vfs(host, { now: () => ++t, synthetic: () => { throw new Error('no synthetic fs in this test'); } });
  vfs.hostWriteFile('/layers/base/etc/os-release', 'base\n');
  vfs.hostWriteFile('/layers/base/etc/shared', 'from base\n');
  vfs.hostWriteFile('/layers/base/app/old.txt', 'old\n');
  vfs.hostWriteFile('/layers/base/app/sub/deep.txt', 'deep\n');
  vfs.hostWriteFile('/layers/top/etc/shared', 'from top\n');
  vfs.hostWriteFile('/layers/top/etc/top-only', 'top\n');
  vfs.hostMkdirp('/c/upper');
  vfs.hostMkdirp('/c/work');
  const root: SimMount = {
    target: '/', source: 'overlay', fstype: 'overlay', options: ['rw'],
    backing: { kind: 'overlay', lower: ['/layers/top', '/layers/base'], upper: '/c/upper', work: '/c/work' },
  };
  const ns: MountNs = { id: 1, mounts: [root] };
  const ctx: PathCtx = { ns, cwd: '/', uid: 0 };
  const up = (p: string): FsNode | undefined => vfs.hostGet('/c/upper' + p);
  return { host, vfs, ctx, up };
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

describe('overlayfs', () => {
  it('copies a lower file up to the upper dir on first write', () => {
    const { vfs, ctx, up } = setup();
    vfs.writeFile(ctx, '/etc/os-release', 'changed\n');
    expect(vfs.readFile(ctx, '/etc/os-release')).toBe('changed\n');
    expect(up('/etc/os-release')).toMatchObject({ t: 'file', data: 'changed\n' });
  });

  it('leaves the lower layer untouched by copy-up', () => {
    const { vfs, ctx } = setup();
    vfs.writeFile(ctx, '/etc/os-release', 'more\n', { append: true });
    expect(vfs.readFile(ctx, '/etc/os-release')).toBe('base\nmore\n');
    expect(vfs.hostGet('/layers/base/etc/os-release')).toMatchObject({ data: 'base\n' });
  });

  it('copies parent directories up with their modes', () => {
    const { vfs, ctx, up } = setup();
    const sub = vfs.hostGet('/layers/base/app/sub') as DirNode;
    sub.mode = 0o750;
    vfs.writeFile(ctx, '/app/sub/deep.txt', 'x');
    expect(up('/app/sub')).toMatchObject({ t: 'dir', mode: 0o750 });
    expect(Object.keys((up('/app/sub') as DirNode).entries)).toEqual(['deep.txt']);
  });

  it('copies a file up on chmod', () => {
    const { vfs, ctx, up } = setup();
    vfs.chmod(ctx, '/etc/os-release', 0o600);
    expect(vfs.stat(ctx, '/etc/os-release').mode).toBe(0o600);
    expect(up('/etc/os-release')).toMatchObject({ mode: 0o600, data: 'base\n' });
    expect(vfs.hostGet('/layers/base/etc/os-release')).toMatchObject({ mode: 0o644 });
  });

  it('creates new files only in the upper dir', () => {
    const { vfs, ctx, up } = setup();
    vfs.writeFile(ctx, '/new.txt', 'hi');
    expect(up('/new.txt')).toMatchObject({ data: 'hi' });
    expect(vfs.hostGet('/layers/top/new.txt')).toBeUndefined();
  });

  it('leaves the work dir empty', () => {
    const { vfs, ctx } = setup();
    vfs.writeFile(ctx, '/etc/shared', 'x');
    vfs.unlink(ctx, '/app/old.txt');
    expect((vfs.hostGet('/c/work') as DirNode).entries).toEqual({});
  });

  it('writes a whiteout (0/0 char device) in upper when a lower file is deleted', () => {
    const { vfs, ctx, up } = setup();
    vfs.unlink(ctx, '/app/old.txt');
    const wh = up('/app/old.txt');
    expect(wh).toMatchObject({ t: 'dev', major: 0, minor: 0 });
    expect(isWhiteout(wh)).toBe(true);
    expect(vfs.hostGet('/layers/base/app/old.txt')).toBeDefined();
  });

  it('hides a whited-out file from stat and readdir', () => {
    const { vfs, ctx } = setup();
    vfs.unlink(ctx, '/app/old.txt');
    expect(errno(() => vfs.stat(ctx, '/app/old.txt'))).toBe('ENOENT');
    expect(vfs.readdir(ctx, '/app')).toEqual(['sub']);
  });

  it('removes an upper-only file without leaving a whiteout', () => {
    const { vfs, ctx, up } = setup();
    vfs.writeFile(ctx, '/app/tmp.txt', 'x');
    vfs.unlink(ctx, '/app/tmp.txt');
    expect(up('/app/tmp.txt')).toBeUndefined();
  });

  it('lets a file be created again over a whiteout', () => {
    const { vfs, ctx } = setup();
    vfs.unlink(ctx, '/app/old.txt');
    vfs.writeFile(ctx, '/app/old.txt', 'again');
    expect(vfs.readFile(ctx, '/app/old.txt')).toBe('again');
    expect(vfs.readdir(ctx, '/app')).toEqual(['old.txt', 'sub']);
  });

  it('makes a dir removed and created again opaque, hiding the old lower contents', () => {
    const { vfs, ctx, up } = setup();
    vfs.unlink(ctx, '/app/sub/deep.txt');
    vfs.rmdir(ctx, '/app/sub');
    expect(up('/app/sub')).toMatchObject({ t: 'dev', major: 0, minor: 0 });
    vfs.mkdir(ctx, '/app/sub');
    expect(up('/app/sub')).toMatchObject({ t: 'dir', xattrs: { [OPAQUE_XATTR]: 'y' } });
    expect(vfs.readdir(ctx, '/app/sub')).toEqual([]);
    expect(errno(() => vfs.stat(ctx, '/app/sub/deep.txt'))).toBe('ENOENT');
    expect(vfs.hostGet('/layers/base/app/sub/deep.txt')).toBeDefined();
  });

  it('honours an opaque dir in upper written by hand', () => {
    const { vfs, ctx } = setup();
    vfs.hostMkdirp('/c/upper/etc');
    (vfs.hostGet('/c/upper/etc') as DirNode).xattrs = { [OPAQUE_XATTR]: 'y' };
    vfs.hostWriteFile('/c/upper/etc/mine', 'm');
    expect(vfs.readdir(ctx, '/etc')).toEqual(['mine']);
  });

  it('looks up upper first, then the lowers top to bottom', () => {
    const { vfs, ctx } = setup();
    expect(vfs.readFile(ctx, '/etc/shared')).toBe('from top\n');
    expect(vfs.readFile(ctx, '/etc/os-release')).toBe('base\n');
    vfs.hostWriteFile('/c/upper/etc/shared', 'from upper\n');
    expect(vfs.readFile(ctx, '/etc/shared')).toBe('from upper\n');
  });

  it('merges readdir across upper and both lowers', () => {
    const { vfs, ctx } = setup();
    vfs.writeFile(ctx, '/etc/hosts', '127.0.0.1 localhost\n');
    expect(vfs.readdir(ctx, '/etc')).toEqual(['hosts', 'os-release', 'shared', 'top-only']);
  });

  it('honours a whiteout inside a lower layer (an image layer deletion)', () => {
    const { vfs, ctx } = setup();
    const top = vfs.hostGet('/layers/top/etc') as DirNode;
    top.entries['os-release'] = { t: 'dev', mode: 0, uid: 0, gid: 0, mtime: 0, major: 0, minor: 0 };
    expect(errno(() => vfs.readFile(ctx, '/etc/os-release'))).toBe('ENOENT');
    expect(vfs.readdir(ctx, '/etc')).toEqual(['shared', 'top-only']);
  });

  it('returns EXDEV when renaming a directory that exists in a lower layer', () => {
    const { vfs, ctx } = setup();
    expect(errno(() => vfs.rename(ctx, '/app', '/app2'))).toBe('EXDEV');
  });

  it('renames an upper-only directory', () => {
    const { vfs, ctx } = setup();
    vfs.mkdir(ctx, '/data');
    vfs.writeFile(ctx, '/data/f', '1');
    vfs.rename(ctx, '/data', '/data2');
    expect(vfs.readFile(ctx, '/data2/f')).toBe('1');
    expect(errno(() => vfs.stat(ctx, '/data'))).toBe('ENOENT');
  });

  it('renames a lower file by copying it up and whiting out the source', () => {
    const { vfs, ctx, up } = setup();
    vfs.rename(ctx, '/etc/os-release', '/etc/os-release.bak');
    expect(vfs.readFile(ctx, '/etc/os-release.bak')).toBe('base\n');
    expect(errno(() => vfs.stat(ctx, '/etc/os-release'))).toBe('ENOENT');
    expect(isWhiteout(up('/etc/os-release'))).toBe(true);
    expect(vfs.hostGet('/layers/base/etc/os-release')).toMatchObject({ data: 'base\n' });
  });

  it('refuses to rmdir a merged dir that still has lower entries', () => {
    const { vfs, ctx } = setup();
    expect(errno(() => vfs.rmdir(ctx, '/app/sub'))).toBe('ENOTEMPTY');
  });

  it('fails with ENOENT when the work dir is missing', () => {
    const { vfs, ctx } = setup();
    vfs.hostRemove('/c/work');
    expect(errno(() => vfs.readFile(ctx, '/etc/shared'))).toBe('ENOENT');
  });
});
