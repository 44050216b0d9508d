// Every example under sandbox/ builds and does what its README says, in sim mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/build/builder.js';
import { findContainer } from '../../src/engine/containers/lifecycle.js';
import type { Engine } from '../../src/engine/engine.js';
import { ensureImage } from '../../src/engine/images/catalog.js';
import { diskUsage, getImage, imageHistory, pruneImages, removeImage, tagImage } from '../../src/engine/images/manage.js';
import { pushTo } from '../../src/engine/registry/pull.js';
import { startRegistry } from '../../src/engine/registry/server.js';
import { capture, memoryLab } from '../helpers/lab.js';

const SANDBOX = join(import.meta.dirname, '..', '..', 'sandbox');
const lab = () => memoryLab().engine;

const buildDir = (engine: Engine, dir: string, tag: string, dockerfile?: string) =>
  build(engine, { context: { kind: 'dir', path: join(SANDBOX, dir) }, tags: [tag], buildArgs: {}, ...(dockerfile ? { dockerfile } : {}) }, capture());

describe('sandbox examples', () => {
  it('web: serves the page it copied in, to another container', async () => {
    const engine = lab();
    await buildDir(engine, 'web', 'web');
    await engine.run({ image: 'web', cmd: [], name: 'site', detach: true }, capture());
    const ip = await engine.view((tx) => findContainer(tx, 'site').network.ip);
    const io = capture();
    await engine.run({ image: 'busybox', cmd: ['wget', '-q', '-O', '-', `http://${ip}/`], autoRemove: true }, io);
    expect(io.stdout).toContain('<h1>Hello from a container</h1>');
    const hist = await engine.view((tx) => imageHistory(tx, getImage(tx, 'web')));
    expect(hist.filter((h) => !h.emptyLayer)).toHaveLength(2); // busybox's layer + COPY
  });

  it('multistage: the final image has one small layer and none of the build stage', async () => {
    const engine = lab();
    await buildDir(engine, 'multistage', 'greet');
    const io = capture();
    await engine.run({ image: 'greet', cmd: ['students'], autoRemove: true }, io);
    expect(io.stdout).toBe('hello, students\n');
    const ls = capture();
    await engine.run({ image: 'greet', cmd: [], entrypoint: 'ls', autoRemove: true }, ls);
    expect(ls.stdout.split('\n')).not.toContain('src');
    const img = await engine.view((tx) => structuredClone(getImage(tx, 'greet')));
    expect(img.layers).toHaveLength(2);
  });

  it('layering: rm in a later RUN leaves the bytes in the image; the same RUN does not', async () => {
    const engine = lab();
    await buildDir(engine, 'layering', 'bad');
    await buildDir(engine, 'layering', 'good', 'good.Dockerfile');
    const [bad, good] = await engine.view((tx) => [getImage(tx, 'bad').size, getImage(tx, 'good').size]);
    expect(bad - good).toBeGreaterThan(500_000);
    const io = capture();
    expect((await engine.run({ image: 'bad', cmd: ['ls', '/big.log'], autoRemove: true }, io)).exitCode).toBe(1);
  });

  it('re-tagging leaves a dangling image that image prune removes, and system df adds up', async () => {
    const engine = lab();
    await buildDir(engine, 'layering', 'bad');
    await buildDir(engine, 'layering', 'good', 'good.Dockerfile');
    const before = await engine.view((tx) => getImage(tx, 'bad').id);
    await engine.tx(async (tx) => tagImage(tx, 'good', 'bad'));
    const pruned = await engine.view((tx) => pruneImages(tx, false));
    // the dangling image goes, and with it the untagged build steps only it stood on
    expect(pruned.deleted[0]).toBe(before);
    expect(pruned.deleted).toHaveLength(3);
    const u = await engine.view((tx) => diskUsage(tx));
    expect(u.images.total).toBe(2); // busybox and good (also named bad)
    expect(u.images.size).toBe(u.images.rows.reduce((s, r) => Math.max(s, r.size), 0));
    // the build steps left stand below good: no bytes of their own, nothing counted twice
    expect(u.buildCache.total).toBeGreaterThan(0);
    expect(u.buildCache.size).toBe(0);
  });

  it('each example goes through registry serve + push + rmi + pull with the same digest, id and size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boxlab-sandbox-reg-'));
    const reg = await startRegistry({ root: dir, port: 0 });
    try {
      const engine = lab();
      await buildDir(engine, 'web', 'web');
      await buildDir(engine, 'multistage', 'greet');
      await buildDir(engine, 'layering', 'bad');
      for (const name of ['web', 'greet', 'bad']) {
        const remote = `${reg.address}/${name}`;
        const before = await engine.tx(async (tx) => {
          tagImage(tx, name, remote);
          await pushTo(tx, getImage(tx, remote), remote, () => {});
          return structuredClone(getImage(tx, name));
        });
        await engine.tx(async (tx) => {
          await removeImage(tx, remote, false);
          await removeImage(tx, name, false);
          expect(tx.state.images[before.id]).toBeUndefined();
        });
        const after = await engine.tx((tx) => ensureImage(tx, remote, () => {}));
        expect(after.manifestDigest).toBe(before.manifestDigest);
        expect(after.id).toBe(before.id);
        expect(after.size).toBe(before.size);
      }
      const io = capture();
      await engine.run({ image: `${reg.address}/greet`, cmd: ['again'], autoRemove: true }, io);
      expect(io.stdout).toBe('hello, again\n');
    } finally {
      await reg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
