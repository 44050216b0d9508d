// The image store is an OCI image layout that other tools read: skopeo and umoci (installed by
// .ci/run). Skipped, with the reason printed, where a tool is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { findImage } from '../../src/engine/images/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { createKernel } from '../../src/kernel/index.js';

const has = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const skopeo = has('skopeo');
const umoci = has('umoci');
if (!skopeo) console.log('skipping the skopeo test: skopeo is not installed (apt-get install skopeo)');
if (!umoci) console.log('skipping the umoci test: umoci is not installed (apt-get install umoci)');

let home: string;
let layout: string;
let layerDigest: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'boxlab-oci-'));
  const engine = new Engine(new Lab({ mode: 'sim', home, kernel: createKernel }));
  const img = await engine.tx(async (tx) => {
    const { ensureImage } = await import('../../src/engine/images/catalog.js');
    await ensureImage(tx, 'busybox');
    return structuredClone(findImage(tx, 'busybox')!);
  });
  layerDigest = img.layers[0].digest;
  layout = join(home, 'images');
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the image store as an OCI image layout', () => {
  it.skipIf(!skopeo)('is read by skopeo, with the layer digest boxlab recorded', () => {
    const r = spawnSync('skopeo', ['inspect', `oci:${layout}:latest`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.Layers).toEqual([layerDigest]);
    expect(info.Os).toBe('linux');
  });

  it.skipIf(!umoci)('is unpacked by umoci into the root filesystem boxlab runs', () => {
    const bundle = join(home, 'bundle');
    const r = spawnSync('umoci', ['unpack', '--rootless', '--image', `${layout}:latest`, bundle], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(bundle, 'rootfs', 'bin', 'busybox'))).toBe(true);
    expect(readlinkSync(join(bundle, 'rootfs', 'bin', 'sh'))).toBe('busybox');
    expect(readFileSync(join(bundle, 'rootfs', 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
  });

  it.skipIf(!umoci)("unpacks an image boxlab built into the same file tree as boxlab's own view of it", async () => {
    const { build } = await import('../../src/engine/build/builder.js');
    const { flatten } = await import('../../src/engine/images/transfer.js');
    const { readLayer } = await import('../../src/engine/images/layers.js');
    const { readRealTree } = await import('../../src/kernel/real/fs.js');
    const engine = new Engine(new Lab({ mode: 'sim', home, kernel: createKernel }));
    const io = { out: () => {}, err: () => {} };
    await build(engine, { context: { kind: 'dir', path: join(import.meta.dirname, '..', '..', 'sandbox', 'layering') }, tags: ['layered:check'], buildArgs: {} }, io);
    // boxlab's view: its layers, stacked with whiteouts applied
    const ours = await engine.tx(async (tx) => {
      const img = findImage(tx, 'layered:check')!;
      const { storeOf } = await import('../../src/engine/images/images.js');
      const trees = [];
      for (const l of img.layers) trees.push(await readLayer(storeOf(tx).getBlob(l.digest)));
      return flatten(trees.map((t) => t.map((e) => {
        const name = e.path.split('/').pop()!;
        return name.startsWith('.wh.') && name !== '.wh..wh..opq'
          ? { ...e, path: e.path.replace(/\.wh\.([^/]+)$/, '$1'), type: 'chardev' as const, devmajor: 0, devminor: 0 }
          : e;
      })));
    });
    const bundle = join(home, 'bundle-built');
    const r = spawnSync('umoci', ['unpack', '--rootless', '--image', `${layout}:check`, bundle], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = readRealTree(join(bundle, 'rootfs'));
    const summary = (entries: { path: string; type: string; data?: Buffer; linkname?: string }[]) =>
      entries.map((e) => `${e.path} ${e.type} ${e.data ? e.data.length : ''} ${e.linkname ?? ''}`).sort();
    expect(summary(theirs)).toEqual(summary(ours));
    expect(theirs.length).toBeGreaterThan(50);
    expect(theirs.some((e) => e.path === 'big.log')).toBe(false);
  });
});
