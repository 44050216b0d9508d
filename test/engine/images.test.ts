import { describe, expect, it } from 'vitest';
import { commitContainer } from '../../src/engine/containers/commit.js';
import { findContainer } from '../../src/engine/containers/lifecycle.js';
import type { Engine } from '../../src/engine/engine.js';
import { findImage } from '../../src/engine/images/catalog.js';
import { configOf, diskUsage, getImage, imageHistory, pruneImages, removeImage, tagImage } from '../../src/engine/images/manage.js';
import { exportContainer, importImage, loadImages, saveImages } from '../../src/engine/images/transfer.js';
import { readLayer } from '../../src/engine/images/layers.js';
import { capture, memoryLab } from '../helpers/lab.js';

const lab = () => memoryLab().engine;

/** A container that changed the image: added /etc/motd, deleted /etc/shells. */
async function changed(engine: Engine, name = 'w1') {
  await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'echo hello > /etc/motd; rm /etc/shells'], name }, capture());
}

describe('commit', () => {
  it("adds the container's writable layer on top of its image's layers", async () => {
    const engine = lab();
    await changed(engine);
    const img = await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'w1'), { name: 'mybox:v1', message: 'add motd', changes: ['CMD ["cat", "/etc/motd"]'] }));
    const base = await engine.view((tx) => structuredClone(getImage(tx, 'busybox')));
    expect(img.layers.slice(0, -1).map((l) => l.diffId)).toEqual(base.layers.map((l) => l.diffId));
    expect(img.layers).toHaveLength(base.layers.length + 1);
    const io = capture();
    expect((await engine.run({ image: 'mybox:v1', cmd: [], autoRemove: true }, io)).exitCode).toBe(0);
    expect(io.stdout).toBe('hello\n');
    const ls = capture();
    await engine.run({ image: 'mybox:v1', cmd: ['ls', '/etc'], autoRemove: true }, ls);
    expect(ls.stdout.split('\n')).not.toContain('shells');
    const hist = await engine.view((tx) => imageHistory(tx, getImage(tx, 'mybox:v1')));
    expect(hist[0]).toMatchObject({ comment: 'add motd', emptyLayer: false });
    expect(hist[0].createdBy).toBe("sh -c echo hello > /etc/motd; rm /etc/shells");
  });
});

describe('names and removal', () => {
  it('untags a name that is one of several, and deletes with the last one', async () => {
    const engine = lab();
    await changed(engine);
    await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'w1'), { name: 'mybox:v1' }));
    await engine.tx(async (tx) => tagImage(tx, 'mybox:v1', 'mybox:v2'));
    const first = await engine.view((tx) => removeImage(tx, 'mybox:v1', false));
    expect(first).toMatchObject({ untagged: ['mybox:v1'], deleted: [] });
    const second = await engine.view((tx) => removeImage(tx, 'mybox:v2', false));
    expect(second.untagged).toEqual(['mybox:v2']);
    expect(second.deleted).toHaveLength(1);
    expect(await engine.view((tx) => findImage(tx, 'mybox:v2'))).toBeUndefined();
  });

  it('refuses to remove an image a container uses; -f only untags it', async () => {
    const engine = lab();
    await changed(engine);
    await expect(engine.view((tx) => removeImage(tx, 'busybox', false))).rejects.toThrow(/image is being used by container/);
    const r = await engine.view((tx) => removeImage(tx, 'busybox', true));
    expect(r).toMatchObject({ untagged: ['busybox:latest'], deleted: [] });
    expect(await engine.view((tx) => Object.values(tx.state.images).filter((i) => !i.repoTags.length).length)).toBe(1);
  });

  it('leaves the old image dangling when its name moves, and image prune removes it', async () => {
    const engine = lab();
    await changed(engine, 'w1');
    await changed(engine, 'w2');
    await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'w1'), { name: 'app:latest', message: 'one' }));
    await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'w2'), { name: 'app:latest', message: 'two' }));
    const dangling = await engine.view((tx) => Object.values(tx.state.images).filter((i) => !i.repoTags.length).map((i) => i.id));
    expect(dangling).toHaveLength(1);
    const r = await engine.view((tx) => pruneImages(tx, false));
    expect(r.deleted).toEqual(dangling);
    expect(await engine.view((tx) => Object.keys(tx.state.images).length)).toBe(2);
  });
});

describe('save, load, export, import', () => {
  it('saves an image and loads it back with the same id after it was removed', async () => {
    const engine = lab();
    await changed(engine);
    const img = await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'w1'), { name: 'mybox:v1' }));
    const tar = await engine.view((tx) => saveImages(tx, ['mybox:v1']));
    await engine.rm('w1', {});
    await engine.view((tx) => removeImage(tx, 'mybox:v1', false));
    const loaded = await engine.view((tx) => loadImages(tx, tar));
    expect(loaded.map((i) => i.id)).toEqual([img.id]);
    expect(loaded[0].repoTags).toEqual(['mybox:v1']);
  });

  it('exports the merged root filesystem with deletions applied, and imports it as a one-layer image', async () => {
    const engine = lab();
    await changed(engine);
    const tar = await engine.view((tx) => exportContainer(tx, findContainer(tx, 'w1')));
    const paths = (await readLayer(tar)).map((e) => e.path);
    expect(paths).toContain('etc/motd');
    expect(paths).not.toContain('etc/shells');
    expect(paths.some((p) => p.includes('.wh.'))).toBe(false);
    const img = await engine.view((tx) => importImage(tx, tar, 'flat:v1', { changes: { Cmd: ['cat', '/etc/motd'] } }));
    expect(img.layers).toHaveLength(1);
    expect(await engine.view((tx) => configOf(tx, getImage(tx, 'flat:v1')).config.Cmd)).toEqual(['cat', '/etc/motd']);
    const io = capture();
    await engine.run({ image: 'flat:v1', cmd: [], autoRemove: true }, io);
    expect(io.stdout).toBe('hello\n');
  });
});

describe('system df', () => {
  it('counts images, containers and volumes, and what could be reclaimed', async () => {
    const engine = lab();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'up', detach: true, volumes: ['data:/data'] }, capture());
    await changed(engine, 'down');
    const u = await engine.view((tx) => diskUsage(tx));
    expect(u.images).toMatchObject({ total: 1, active: 1, reclaimable: 0 });
    expect(u.containers).toMatchObject({ total: 2, active: 1 });
    expect(u.containers.reclaimable).toBeGreaterThan(0);
    expect(u.volumes).toMatchObject({ total: 1, active: 1, reclaimable: 0 });
  });
});
