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
});
