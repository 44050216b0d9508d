// push, pull and registry mirrors through the engine, against boxlab's own registry on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { ensureImage, findImage } from '../../src/engine/images/catalog.js';
import { getImage, removeImage, tagImage } from '../../src/engine/images/manage.js';
import { Lab } from '../../src/engine/lab.js';
import { pushTo } from '../../src/engine/registry/pull.js';
import { startRegistry } from '../../src/engine/registry/server.js';
import { createKernel } from '../../src/kernel/index.js';

let dir: string;
let reg: Awaited<ReturnType<typeof startRegistry>>;
const labs: Lab[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'boxlab-reg-'));
  reg = await startRegistry({ root: join(dir, 'registry'), port: 0 });
});
afterAll(async () => {
  await reg.close();
  for (const l of labs) l.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function lab(mirrors: string[] = []): Engine {
  const l = new Lab({ mode: 'sim', home: null, kernel: createKernel, config: { registryMirrors: mirrors } });
  labs.push(l);
  return new Engine(l);
}

describe('push and pull through the lab', () => {
  it('pushes, removes and pulls back an image with the same digest and id', async () => {
    const engine = lab();
    const name = `${reg.address}/tools/busybox:v1`;
    const before = await engine.view(async (tx) => {
      await ensureImage(tx, 'busybox');
      tagImage(tx, 'busybox', name);
      await pushTo(tx, getImage(tx, name), name, () => {});
      return structuredClone(getImage(tx, name));
    });
    await engine.view((tx) => removeImage(tx, name, false));
    await engine.view((tx) => removeImage(tx, 'busybox', false));
    const lines: string[] = [];
    const after = await engine.view((tx) => ensureImage(tx, name, (l) => lines.push(l)));
    expect(after.manifestDigest).toBe(before.manifestDigest);
    expect(after.id).toBe(before.id);
    expect(lines.join('\n')).toContain(`Digest: ${before.manifestDigest}`);
  });

  it('pulls a Docker Hub name from a configured mirror, and says so', async () => {
    const seed = lab();
    await seed.view(async (tx) => {
      await ensureImage(tx, 'busybox');
      tagImage(tx, 'busybox', `${reg.address}/library/busybox:latest`);
      await pushTo(tx, getImage(tx, `${reg.address}/library/busybox:latest`), `${reg.address}/library/busybox:latest`, () => {});
    });
    const engine = lab([`http://${reg.address}`]);
    const lines: string[] = [];
    const img = await engine.view((tx) => ensureImage(tx, 'busybox', (l) => lines.push(l)));
    expect(lines).toContain(`Pulled from mirror http://${reg.address}`);
    expect(img.repoTags).toEqual(['busybox:latest']);
  });

  it('falls back to the origin (the simulated hub) when a mirror does not answer', async () => {
    const engine = lab(['http://127.0.0.1:9']);
    const lines: string[] = [];
    await engine.view((tx) => ensureImage(tx, 'busybox', (l) => lines.push(l)));
    expect(lines.some((l) => l.startsWith('mirror http://127.0.0.1:9 did not serve busybox:latest'))).toBe(true);
    expect(lines.some((l) => l.includes('simulated hub'))).toBe(true);
    expect(await engine.view((tx) => !!findImage(tx, 'busybox'))).toBe(true);
  });

  it('refuses to push to Docker Hub from the lab', async () => {
    const engine = lab();
    await expect(engine.view(async (tx) => pushTo(tx, await ensureImage(tx, 'busybox'), 'busybox', () => {}))).rejects.toThrow(/not possible from the lab/);
  });
});
