import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { layerToOverlay, packLayer, readLayer, sanitize, upperToLayer } from '../../src/engine/images/layers.js';
import { ImageStore } from '../../src/engine/images/store.js';
import type { FsEntry } from '../../src/kernel/kernel.js';
import { container, execIn, simKernel } from '../helpers/sim.js';

const T = Date.UTC(2026, 0, 1);
const file = (path: string, text: string, mode = 0o644): FsEntry => ({ path, type: 'file', mode, uid: 0, gid: 0, mtime: T, data: Buffer.from(text) });
const dir = (path: string): FsEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T });
const link = (path: string, target: string): FsEntry => ({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T, linkname: target });
const hard = (path: string, target: string): FsEntry => ({ path, type: 'hardlink', mode: 0o644, uid: 0, gid: 0, mtime: T, linkname: target });

/** A tar written entry by entry, names exactly as given (as an attacker would). */
async function rawTar(entries: { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string; body?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '');
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

describe('layers: tar + gzip', () => {
  it('packs the same entries to the same digests (reproducible layers)', async () => {
    const entries = [dir('etc'), file('etc/motd', 'hi\n'), link('etc/link', 'motd')];
    const a = await packLayer(entries);
    const b = await packLayer(structuredClone(entries).map((e) => ({ ...e, data: e.data ? Buffer.from(e.data) : undefined })));
    expect(a.digest).toBe(b.digest);
    expect(a.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.diffId).not.toBe(a.digest);
  });

  it('reads back what it packed: types, modes, data and link targets', async () => {
    const entries = [dir('bin'), file('bin/tool', '#!/bin/sh\n', 0o755), link('bin/alias', 'tool'), hard('bin/hard', 'bin/tool')];
    const back = await readLayer((await packLayer(entries)).blob);
    expect(back.map((e) => [e.path, e.type, e.mode, e.linkname ?? null])).toEqual([
      ['bin', 'dir', 0o755, null],
      ['bin/tool', 'file', 0o755, null],
      ['bin/alias', 'symlink', 0o777, 'tool'],
      ['bin/hard', 'hardlink', 0o644, 'bin/tool'],
    ]);
    expect(back[1].data?.toString()).toBe('#!/bin/sh\n');
  });
});

describe('layers: whiteouts between overlayfs and OCI', () => {
  it('turns an overlay whiteout (chardev 0/0) into a .wh. entry', () => {
    const upper: FsEntry[] = [dir('etc'), { path: 'etc/shells', type: 'chardev', mode: 0, uid: 0, gid: 0, mtime: T, devmajor: 0, devminor: 0 }];
    expect(upperToLayer(upper).map((e) => e.path)).toEqual(['etc', 'etc/.wh.shells']);
  });

  it('turns an opaque overlay dir into a .wh..wh..opq marker, dropping the overlay xattr', () => {
    const upper: FsEntry[] = [{ ...dir('data'), xattrs: { 'trusted.overlay.opaque': 'y' } }, file('data/new', 'x')];
    const layer = upperToLayer(upper);
    expect(layer.map((e) => e.path)).toEqual(['data', 'data/.wh..wh..opq', 'data/new']);
    expect(layer[0].xattrs).toBeUndefined();
  });

  it('turns .wh. entries back into whiteouts and an opaque marker into the xattr for an overlay lower dir', () => {
    const lower = layerToOverlay([dir('etc'), file('etc/.wh.shells', ''), dir('data'), file('data/.wh..wh..opq', '')]);
    expect(lower.find((e) => e.path === 'etc/shells')).toMatchObject({ type: 'chardev', devmajor: 0, devminor: 0 });
    expect(lower.find((e) => e.path === 'data')?.xattrs).toEqual({ 'trusted.overlay.opaque': 'y' });
    expect(lower.some((e) => e.path.includes('.wh.'))).toBe(false);
  });
});

describe('layers: hostile tars are refused', () => {
  it('refuses an entry that climbs out with ..', async () => {
    const entries = await readLayer(await rawTar([{ name: '../../etc/evil', body: 'x' }]));
    expect(() => sanitize(entries)).toThrow(/climbs out of the layer/);
  });

  it('refuses .. hidden in the middle of a path', () => {
    expect(() => sanitize([file('a/../../x', 'x')])).toThrow(/climbs out/);
  });

  it('takes an absolute path as relative to the root, as Docker does', () => {
    expect(sanitize([file('/etc/passwd', 'x')])[0].path).toBe('etc/passwd');
  });

  it('refuses a file written through a symlink the layer made', async () => {
    const entries = await readLayer(await rawTar([{ name: 'escape', type: 'symlink', linkname: '/etc' }, { name: 'escape/passwd', body: 'root::0:0' }]));
    expect(() => sanitize(entries)).toThrow(/through a symlink/);
  });

  it('refuses a hard link to a file outside the layer', async () => {
    const entries = await readLayer(await rawTar([{ name: 'shadow', type: 'link', linkname: '../../../etc/shadow' }]));
    expect(() => sanitize(entries)).toThrow(/climbs out|outside the layer/);
  });

  it('refuses a hard link through a symlink, and one to a file the layer does not hold', () => {
    expect(() => sanitize([link('l', '/etc'), hard('h', 'l/shadow')])).toThrow(/outside the layer/);
    expect(() => sanitize([hard('h', 'etc/shadow')])).toThrow(/does not hold/);
  });

  it('stops a tar bomb at the size limit with a clear error', async () => {
    const big = await packLayer([file('zeros', '\0'.repeat(1_000_000))]);
    expect(big.blob.length).toBeLessThan(10_000);
    await expect(readLayer(big.blob, { bytes: 100_000, entries: 10 })).rejects.toThrow(/tar bomb/);
    const many = await packLayer(Array.from({ length: 20 }, (_, i) => file(`f${i}`, 'x')));
    await expect(readLayer(many.blob, { bytes: 1e9, entries: 10 })).rejects.toThrow(/more than 10 entries/);
  });

  it('allows a symlink replaced by a directory before files go into it', () => {
    expect(sanitize([link('d', '/tmp'), dir('d'), file('d/f', 'x')]).map((e) => e.path)).toEqual(['d', 'd/f']);
  });
});

describe('layers on the simulated kernel', () => {
  it("makes a container's changes into a layer whose whiteout hides the lower file when stacked", async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await execIn(kernel, c.pid, ['sh', '-c', 'echo new > /etc/motd; rm /etc/shells']);
    const layer = upperToLayer(await kernel.fs.readTree(`${c.dir}/upper`));
    const packed = await packLayer(layer);
    const lower = layerToOverlay(await readLayer(packed.blob));
    await kernel.fs.writeEntries('/var/lib/boxlab/layers/test/diff', lower);
    for (const d of ['u', 'w', 'm']) await kernel.fs.mkdirp(`/x/${d}`);
    await kernel.mountOverlay({ lower: ['/var/lib/boxlab/layers/test/diff', '/var/lib/boxlab/layers/base/diff'], upper: '/x/u', work: '/x/w', target: '/x/m' });
    const other = await kernel.spawn({ argv: ['sleep', '600'], env: {}, cwd: '/', namespaces: { mnt: 'new', pid: 'new' }, rootfs: '/x/m', log: '' });
    const ls = await execIn(kernel, other.pid, ['ls', '/etc']);
    expect(ls.stdout.split('\n')).not.toContain('shells');
    expect((await execIn(kernel, other.pid, ['cat', '/etc/motd'])).stdout).toBe('new\n');
  });
});

describe('image store', () => {
  const root = mkdtempSync(join(tmpdir(), 'boxlab-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('names blobs by their sha256 and keeps an OCI layout', () => {
    const store = new ImageStore(root);
    const { digest } = store.putBlob(Buffer.from('hello'));
    expect(digest).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(store.getBlob(digest).toString()).toBe('hello');
    expect(store.readIndex()).toMatchObject({ schemaVersion: 2, manifests: [] });
  });

  it('refuses a blob whose content no longer matches its name', () => {
    const store = new ImageStore(root);
    const { digest } = store.putBlob(Buffer.from('original'));
    writeFileSync(join(root, 'blobs', 'sha256', digest.slice(7)), 'tampered');
    expect(() => store.getBlob(digest)).toThrow(/is corrupt/);
  });
});
