// overlayfs's opaque directories on the real disk: a directory removed and made again in a
// container is marked trusted.overlay.opaque=y in its upper dir; readTree reports it, commit
// turns it into a layer with .wh..wh..opq, and the committed image's unpacked layer carries the
// xattr again, so a run of it sees only what the container put there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitContainer } from '../../src/engine/containers/commit.js';
import { findContainer } from '../../src/engine/containers/lifecycle.js';
import { removeImage } from '../../src/engine/images/manage.js';
import { cleanup } from '../../src/kernel/real/cleanup.js';
import { readXattrs } from '../../src/kernel/real/fs.js';
import { captureIo, isRoot, realEngine, residue, sh } from './helpers.js';

const NETNS = `boxlab-ovltest-${process.pid}`;
const IMAGE = `boxlab-opaque-${process.pid}:1`;
let home: string;
let engine: Awaited<ReturnType<typeof realEngine>>;

describe.skipIf(!isRoot)('opaque directories on the real kernel', () => {
  beforeAll(async () => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-ovl-'));
    sh(`ip netns add ${NETNS}`);
    engine = await realEngine(home, NETNS);
  });

  afterAll(async () => {
    await engine.rm('opq', { force: true, volumes: true }).catch(() => {});
    await engine.tx((tx) => removeImage(tx, IMAGE, true)).catch(() => {});
    await cleanup({ extraNetns: [NETNS] });
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(residue()).toBe('');
  });

  it('marks a re-created /etc opaque in the upper dir, and a commit of it shows only /etc/new', async () => {
    const io = captureIo();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'opq', detach: true }, io);
    expect(await engine.exec('opq', ['sh', '-c', 'rm -rf /etc && mkdir /etc && echo x > /etc/new'], {}, io), io.stderr).toBe(0);
    const upper = await engine.tx(async (tx) => tx.kernel.fs.readTree(findContainer(tx, 'opq').layer.upper));
    const etc = upper.find((e) => e.path === 'etc');
    expect(etc).toMatchObject({ type: 'dir', xattrs: { 'trusted.overlay.opaque': 'y' } });
    expect(upper.filter((e) => e.path.startsWith('etc/')).map((e) => e.path)).toEqual(['etc/new']);

    const img = await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'opq'), { name: IMAGE }));
    // the committed layer, unpacked in the store, carries the opaque mark as overlayfs wants it
    const top = img.layers[img.layers.length - 1];
    const run = captureIo();
    const { exitCode } = await engine.run({ image: IMAGE, cmd: ['ls', '-A', '/etc'], autoRemove: true }, run);
    expect(run.stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(run.stdout).toBe('new\n');
    expect(readXattrs(top.dir).get(join(top.dir, 'etc'))).toEqual({ 'trusted.overlay.opaque': 'y' });
  });
});
