// The registry: boxlab's server (src/engine/registry/server.ts) and client (client.ts), against
// each other and against peers that speak the OCI distribution spec — skopeo, as a client of
// boxlab's server, and Debian's CNCF distribution (`docker-registry`), as a server for boxlab's
// client. Skipped, with the reason printed, where a tool is missing. Every process started here
// is stopped by its PID in afterAll, and every temp dir removed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLayer } from '../../src/engine/images/layers.js';
import { digestOf, ImageStore, MEDIA, type ImageConfig, type Manifest, type OciIndex } from '../../src/engine/images/store.js';
import { pullImage, pushImage } from '../../src/engine/registry/client.js';
import { createRegistryHandler, MANIFEST_TYPES, RegistryStorage, startRegistry, type RunningRegistry } from '../../src/engine/registry/server.js';
import type { FsEntry } from '../../src/kernel/kernel.js';

const has = (tool: string, args = ['--version']) => {
  try {
    return spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
};
const skopeo = has('skopeo');
const distribution = has('docker-registry', ['--version']);
if (!skopeo) console.log('skipping the skopeo registry tests: skopeo is not installed (apt-get install skopeo)');
if (!distribution) console.log('skipping the CNCF distribution tests: docker-registry is not installed (apt-get install docker-registry)');

const EPOCH = Date.UTC(2024, 8, 26, 21, 31, 42);
const temps: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), `boxlab-reg-${prefix}-`));
  temps.push(d);
  return d;
};

const file = (path: string, text: string): FsEntry => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH, data: Buffer.from(text) });
const dir = (path: string): FsEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH });

/** A two-layer image in an OCI layout, built as catalog.ts builds the base image; named <name>:latest. */
async function makeImage(store: ImageStore, name = 'docker.io/library/busybox:latest') {
  const l1 = await packLayer([dir('etc'), file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'), dir('bin'), { ...file('bin/sh', ''), type: 'symlink', linkname: 'busybox' }]);
  const l2 = await packLayer([dir('srv'), file('srv/hello.txt', `hello from ${name}\n`)]);
  const created = new Date(EPOCH).toISOString();
  const config: ImageConfig = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [l1.diffId, l2.diffId] },
    history: [
      { created, created_by: 'ADD base /' },
      { created, created_by: 'COPY hello.txt /srv/' },
    ],
  };
  const layers = [l1, l2].map((l) => ({ mediaType: MEDIA.layer, ...store.putBlob(l.blob) }));
  const cfg = store.putJson(config);
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, digest: cfg.digest, size: cfg.size }, layers };
  const man = store.putJson(manifest);
  store.setManifest({ mediaType: MEDIA.manifest, digest: man.digest, size: man.size }, [name]);
  return { manifestDigest: man.digest, configDigest: cfg.digest, layers: [l1, l2], layerDigests: layers.map((l) => l.digest) };
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(url: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const errorsOf = async (r: Response) => ((await r.json()) as { errors: { code: string }[] }).errors.map((e) => e.code);

let registry: RunningRegistry;
let source: ImageStore;
let image: Awaited<ReturnType<typeof makeImage>>;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  registry = await startRegistry({ root: tmp('server'), port: 0 });
  source = new ImageStore(tmp('src'));
  image = await makeImage(source);
});

afterAll(async () => {
  await registry?.close();
  for (const s of servers) {
    const closed = new Promise<void>((r) => s.close(() => r()));
    s.closeAllConnections();
    await closed;
  }
  for (const c of children) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      process.kill(c.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
    }
  }
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('the boxlab registry server: the API and its errors', () => {
  const url = (p: string) => `${registry.url}${p}`;
  const zero = `sha256:${'0'.repeat(64)}`;

  it('answers /v2/ with the API version header', async () => {
    const r = await fetch(url('/v2/'));
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('says 404 BLOB_UNKNOWN for a blob it does not have (GET and HEAD)', async () => {
    const r = await fetch(url(`/v2/library/nothing/blobs/${zero}`));
    expect(r.status).toBe(404);
    expect(await errorsOf(r)).toEqual(['BLOB_UNKNOWN']);
    const h = await fetch(url(`/v2/library/nothing/blobs/${zero}`), { method: 'HEAD' });
    expect(h.status).toBe(404);
  });

  it('says 400 DIGEST_INVALID when the upload does not hash to the digest given, and keeps nothing', async () => {
    const start = await fetch(url('/v2/test/bad/blobs/uploads/'), { method: 'POST' });
    expect(start.status).toBe(202);
    const loc = new URL(start.headers.get('location')!, registry.url);
    loc.searchParams.set('digest', digestOf('something else'));
    const put = await fetch(loc, { method: 'PUT', body: 'the content' });
    expect(put.status).toBe(400);
    expect(await errorsOf(put)).toEqual(['DIGEST_INVALID']);
    expect((await fetch(url(`/v2/test/bad/blobs/${digestOf('something else')}`), { method: 'HEAD' })).status).toBe(404);
    // a monolithic POST with a wrong digest too
    const mono = await fetch(url(`/v2/test/bad/blobs/uploads/?digest=${digestOf('x')}`), { method: 'POST', body: 'y' });
    expect(mono.status).toBe(400);
    expect(await errorsOf(mono)).toEqual(['DIGEST_INVALID']);
  });

  it('says 404 MANIFEST_UNKNOWN for an unknown tag or digest, and NAME_UNKNOWN for tags of an unknown repository', async () => {
    const r = await fetch(url('/v2/library/nothing/manifests/latest'));
    expect(r.status).toBe(404);
    expect(await errorsOf(r)).toEqual(['MANIFEST_UNKNOWN']);
    expect((await fetch(url(`/v2/library/nothing/manifests/${zero}`), { method: 'HEAD' })).status).toBe(404);
    const t = await fetch(url('/v2/library/nothing/tags/list'));
    expect(t.status).toBe(404);
    expect(await errorsOf(t)).toEqual(['NAME_UNKNOWN']);
  });

  it('refuses a manifest whose blobs are missing (MANIFEST_BLOB_UNKNOWN), an invalid name, and a manifest PUT by the wrong digest', async () => {
    const m = { schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, digest: zero, size: 2 }, layers: [] };
    const r = await fetch(url('/v2/test/m/manifests/v1'), { method: 'PUT', headers: { 'Content-Type': MEDIA.manifest }, body: JSON.stringify(m) });
    expect(r.status).toBe(400);
    expect(await errorsOf(r)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    const bad = await fetch(url('/v2/Upper/Case/manifests/v1'));
    expect(bad.status).toBe(400);
    expect(await errorsOf(bad)).toEqual(['NAME_INVALID']);
    const cfg = await fetch(url(`/v2/test/m/blobs/uploads/?digest=${digestOf('{}')}`), { method: 'POST', body: '{}' });
    expect(cfg.status).toBe(201);
    const ok = { ...m, config: { ...m.config, digest: digestOf('{}') } };
    const wrong = await fetch(url(`/v2/test/m/manifests/${zero}`), { method: 'PUT', headers: { 'Content-Type': MEDIA.manifest }, body: JSON.stringify(ok) });
    expect(wrong.status).toBe(400);
    expect(await errorsOf(wrong)).toEqual(['DIGEST_INVALID']);
  });

  it('takes a chunked upload (PATCH with Content-Range, then PUT), reports progress, refuses an out-of-order chunk, and serves Range', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    const digest = digestOf(data);
    const start = await fetch(url('/v2/test/chunks/blobs/uploads/'), { method: 'POST' });
    expect(start.headers.get('range')).toBe('0-0');
    let loc = new URL(start.headers.get('location')!, registry.url);
    const p1 = await fetch(loc, { method: 'PATCH', headers: { 'Content-Range': '0-9', 'Content-Type': 'application/octet-stream' }, body: data.subarray(0, 10) });
    expect(p1.status).toBe(202);
    expect(p1.headers.get('range')).toBe('0-9');
    loc = new URL(p1.headers.get('location')!, registry.url);
    const skip = await fetch(loc, { method: 'PATCH', headers: { 'Content-Range': '15-19' }, body: data.subarray(15) });
    expect(skip.status).toBe(416);
    const status = await fetch(loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-9');
    const p2 = await fetch(loc, { method: 'PATCH', headers: { 'Content-Range': '10-19' }, body: data.subarray(10) });
    expect(p2.headers.get('range')).toBe('0-19');
    const fin = new URL(p2.headers.get('location')!, registry.url);
    fin.searchParams.set('digest', digest);
    const put = await fetch(fin, { method: 'PUT' });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    expect(put.headers.get('location')).toBe(`/v2/test/chunks/blobs/${digest}`);
    const head = await fetch(url(`/v2/test/chunks/blobs/${digest}`), { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('20');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const part = await fetch(url(`/v2/test/chunks/blobs/${digest}`), { headers: { Range: 'bytes=5-9' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('56789');
    // the upload is finished: its URL is gone
    expect((await fetch(fin, { method: 'GET' })).status).toBe(404);
  });
});

describe('the boxlab registry server: mounts and restarts', () => {
  it('mounts a blob it has (201) and starts an ordinary upload for one it lacks (202)', async () => {
    const d = digestOf('mount me');
    expect((await fetch(`${registry.url}/v2/mnt/a/blobs/uploads/?digest=${d}`, { method: 'POST', body: 'mount me' })).status).toBe(201);
    const hit = await fetch(`${registry.url}/v2/mnt/b/blobs/uploads/?mount=${d}&from=mnt/a`, { method: 'POST' });
    expect(hit.status).toBe(201);
    expect(hit.headers.get('location')).toBe(`/v2/mnt/b/blobs/${d}`);
    const miss = await fetch(`${registry.url}/v2/mnt/b/blobs/uploads/?mount=${digestOf('absent')}&from=mnt/a`, { method: 'POST' });
    expect(miss.status).toBe(202);
    expect(miss.headers.get('location')).toMatch(/^\/v2\/mnt\/b\/blobs\/uploads\/[0-9a-f-]+$/);
  });

  it('keeps its tags on disk: a registry restarted on the same root serves what was pushed', async () => {
    const root = tmp('restart');
    const first = await startRegistry({ root });
    await pushImage(source, image, { registry: first.address, repository: 'keep/me', tag: 'v1' });
    await first.close();
    const state = JSON.parse(readFileSync(join(root, 'repositories', 'keep', 'me', '_state.json'), 'utf8'));
    expect(state.tags).toEqual({ v1: image.manifestDigest });
    const second = await startRegistry({ root });
    try {
      const pulled = await pullImage(new ImageStore(tmp('restart-pull')), { registry: second.address, repository: 'keep/me', tag: 'v1' });
      expect(pulled.manifestDigest).toBe(image.manifestDigest);
    } finally {
      await second.close();
    }
  });
});

describe('boxlab client → boxlab server → boxlab client', () => {
  it('pushes an image and pulls it into a second store, byte for byte', async () => {
    const lines: string[] = [];
    const target = { registry: registry.address, repository: 'library/busybox', tag: 'latest' };
    const pushed = await pushImage(source, image, target, { insecure: true, log: (l) => lines.push(l) });
    expect(pushed.manifestDigest).toBe(image.manifestDigest);
    expect(lines[0]).toBe(`The push refers to repository [${registry.address}/library/busybox]`);
    expect(lines.filter((l) => l.endsWith(': Pushed'))).toHaveLength(3);
    // a second push finds every blob there
    const again: string[] = [];
    await pushImage(source, image, { ...target, tag: 'v1' }, { insecure: true, log: (l) => again.push(l) });
    expect(again.filter((l) => l.endsWith('Layer already exists'))).toHaveLength(3);

    const dest = new ImageStore(tmp('dest'));
    const pulled = await pullImage(dest, { registry: registry.address, repository: 'library/busybox', tag: 'latest' });
    expect(pulled.manifestDigest).toBe(image.manifestDigest);
    expect(pulled.configDigest).toBe(image.configDigest);
    expect(pulled.mediaType).toBe(MANIFEST_TYPES.ociManifest);
    expect(pulled.layers.map((l) => l.digest)).toEqual(image.layerDigests);
    expect(pulled.layers.map((l) => l.diffId)).toEqual(image.layers.map((l) => l.diffId));
    for (const d of [pulled.manifestDigest, pulled.configDigest, ...image.layerDigests]) expect(dest.getBlob(d).equals(source.getBlob(d))).toBe(true);
    expect(pulled.config.config.Cmd).toEqual(['sh']);

    // by digest too, and the repository's tags and the catalog
    const byDigest = await pullImage(new ImageStore(tmp('dest2')), { registry: registry.address, repository: 'library/busybox', digest: image.manifestDigest });
    expect(byDigest.configDigest).toBe(image.configDigest);
    const tags = await (await fetch(`${registry.url}/v2/library/busybox/tags/list`)).json();
    expect(tags).toEqual({ name: 'library/busybox', tags: ['latest', 'v1'] });
    const page = await fetch(`${registry.url}/v2/library/busybox/tags/list?n=1`);
    expect(await page.json()).toEqual({ name: 'library/busybox', tags: ['latest'] });
    expect(page.headers.get('link')).toBe('</v2/library/busybox/tags/list?n=1&last=latest>; rel="next"');
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toContain('library/busybox');
    // HEAD on the manifest: the type it was pushed with, its digest and size
    const head = await fetch(`${registry.url}/v2/library/busybox/manifests/latest`, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe(MEDIA.manifest);
    expect(head.headers.get('docker-content-digest')).toBe(image.manifestDigest);
    expect(Number(head.headers.get('content-length'))).toBe(source.getBlob(image.manifestDigest).length);
  });

  it('pushes and pulls an index, choosing linux/amd64', async () => {
    const idx: OciIndex = {
      schemaVersion: 2,
      mediaType: MEDIA.index,
      manifests: [{ mediaType: MEDIA.manifest, digest: image.manifestDigest, size: source.getBlob(image.manifestDigest).length, platform: { os: 'linux', architecture: 'amd64' } } as OciIndex['manifests'][number]],
    };
    const put = source.putJson(idx);
    const pushed = await pushImage(source, { manifestDigest: put.digest }, { registry: registry.address, repository: 'multi/arch', tag: 'latest' });
    expect(pushed.mediaType).toBe(MEDIA.index);
    const pulled = await pullImage(new ImageStore(tmp('idx')), { registry: registry.address, repository: 'multi/arch', tag: 'latest' });
    expect(pulled.indexDigest).toBe(put.digest);
    expect(pulled.manifestDigest).toBe(image.manifestDigest);
    await expect(pullImage(new ImageStore(tmp('idx2')), { registry: registry.address, repository: 'multi/arch', tag: 'latest' }, { platform: { os: 'linux', architecture: 'arm64' } })).rejects.toThrow(/no matching manifest for linux\/arm64/);
  });

  it('reports a missing image as the registry words it', async () => {
    await expect(pullImage(new ImageStore(tmp('none')), { registry: registry.address, repository: 'library/nothing', tag: 'latest' })).rejects.toThrow(/MANIFEST_UNKNOWN/);
  });

  it('answers a 401 Bearer challenge with the anonymous token flow', async () => {
    const handle = createRegistryHandler(new RegistryStorage(tmp('authed')));
    const seen: string[] = [];
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/token')) {
        seen.push(req.url);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ token: 'let-me-in' }));
        return;
      }
      if (req.url !== '/v2/' && req.headers.authorization !== 'Bearer let-me-in') {
        const port = (server.address() as AddressInfo).port;
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', `Bearer realm="http://127.0.0.1:${port}/token",service="boxlab-test",scope="repository:private/app:pull,push"`);
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      void handle(req, res);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    await pushImage(source, image, { registry: address, repository: 'private/app', tag: 'v1' });
    const pulled = await pullImage(new ImageStore(tmp('authpull')), { registry: address, repository: 'private/app', tag: 'v1' });
    expect(pulled.manifestDigest).toBe(image.manifestDigest);
    expect(seen[0]).toBe('/token?service=boxlab-test&scope=repository%3Aprivate%2Fapp%3Apull%2Cpush');
  });
});

describe.skipIf(!skopeo)('skopeo against the boxlab registry', () => {
  // asynchronously: the registry skopeo talks to runs in this process's event loop
  const sk = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('skopeo', ['--insecure-policy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('copies an OCI layout in and back out, unchanged, and inspects it', async () => {
    const ref = `docker://${registry.address}/skopeo/busybox:latest`;
    const up = await sk('copy', '--dest-tls-verify=false', `oci:${source.root}:latest`, ref);
    expect(up.status, up.stderr).toBe(0);

    const out = tmp('skopeo-out');
    const down = await sk('copy', '--src-tls-verify=false', ref, `oci:${out}:latest`);
    expect(down.status, down.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as OciIndex;
    expect(index.manifests[0].digest).toBe(image.manifestDigest);
    const copied = new ImageStore(out);
    for (const d of image.layerDigests) expect(copied.getBlob(d).equals(source.getBlob(d))).toBe(true);

    const info = await sk('inspect', '--tls-verify=false', ref);
    expect(info.status, info.stderr).toBe(0);
    const j = JSON.parse(info.stdout);
    expect(j.Digest).toBe(image.manifestDigest);
    expect(j.Layers).toEqual(image.layerDigests);
    expect(j.Os).toBe('linux');
    expect(j.Architecture).toBe('amd64');
    expect(j.RepoTags).toEqual(['latest']);
  });

  it('stores a Docker schema 2 manifest as itself, served with its Content-Type, and boxlab pulls it', async () => {
    const ref = `docker://${registry.address}/skopeo/docker:v2s2`;
    const up = await sk('copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${source.root}:latest`, ref);
    expect(up.status, up.stderr).toBe(0);
    const head = await fetch(`${registry.url}/v2/skopeo/docker/manifests/v2s2`, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES.dockerManifest } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(MANIFEST_TYPES.dockerManifest);
    const raw = await sk('inspect', '--raw', '--tls-verify=false', ref);
    expect(JSON.parse(raw.stdout).mediaType).toBe(MANIFEST_TYPES.dockerManifest);
    const pulled = await pullImage(new ImageStore(tmp('v2s2')), { registry: registry.address, repository: 'skopeo/docker', tag: 'v2s2' });
    expect(pulled.mediaType).toBe(MANIFEST_TYPES.dockerManifest);
    expect(pulled.layers.map((l) => l.diffId)).toEqual(image.layers.map((l) => l.diffId));
    expect(pulled.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
  });

  it('reads what the boxlab client pushed', async () => {
    const info = await sk('inspect', '--tls-verify=false', `docker://${registry.address}/library/busybox:latest`);
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).Digest).toBe(image.manifestDigest);
  });
});

describe.skipIf(!distribution)('the boxlab client against the CNCF distribution registry (docker-registry)', () => {
  let address: string;

  beforeAll(async () => {
    const root = tmp('distribution');
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    const cfg = join(root, 'config.yml');
    writeFileSync(
      cfg,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(root, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${address}`,
        '',
      ].join('\n'),
    );
    const child = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => void (stderr += c.toString()));
    try {
      await waitFor(`http://${address}/v2/`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${stderr}`);
    }
  });

  it('pushes to it and pulls back, byte for byte', async () => {
    const target = { registry: address, repository: 'library/busybox', tag: 'latest' };
    const pushed = await pushImage(source, image, target, { insecure: true });
    expect(pushed.manifestDigest).toBe(image.manifestDigest);
    const head = await fetch(`http://${address}/v2/library/busybox/manifests/latest`, { method: 'HEAD', headers: { Accept: MEDIA.manifest } });
    expect(head.headers.get('docker-content-digest')).toBe(image.manifestDigest);
    const dest = new ImageStore(tmp('from-distribution'));
    const pulled = await pullImage(dest, target);
    expect(pulled.manifestDigest).toBe(image.manifestDigest);
    expect(pulled.configDigest).toBe(image.configDigest);
    for (const d of image.layerDigests) expect(dest.getBlob(d).equals(source.getBlob(d))).toBe(true);
  });

  it('mounts blobs from another repository instead of uploading them again (cross-repo mount)', async () => {
    const lines: string[] = [];
    await pushImage(source, image, { registry: address, repository: 'library/busybox', tag: 'latest' }, {});
    await pushImage(source, image, { registry: address, repository: 'copies/busybox', tag: 'v1' }, { mountFrom: ['library/busybox'], log: (l) => lines.push(l) });
    expect(lines.filter((l) => /: Mounted from library\/busybox$/.test(l)).length).toBeGreaterThanOrEqual(image.layerDigests.length);
    expect(lines.some((l) => / Pushed$/.test(l) && image.layerDigests.some((d) => l.startsWith(d.slice(7, 19))))).toBe(false);
  });

  it('gets the same error codes from it as from the boxlab server', async () => {
    const zero = `sha256:${'0'.repeat(64)}`;
    for (const base of [`http://${address}`, registry.url]) {
      const blob = await fetch(`${base}/v2/library/busybox/blobs/${zero}`);
      expect(blob.status).toBe(404);
      expect(await errorsOf(blob)).toEqual(['BLOB_UNKNOWN']);
      const man = await fetch(`${base}/v2/library/busybox/manifests/nope`);
      expect(man.status).toBe(404);
      expect(await errorsOf(man)).toEqual(['MANIFEST_UNKNOWN']);
      const start = await fetch(`${base}/v2/library/busybox/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const loc = new URL(start.headers.get('location')!, base);
      loc.searchParams.set('digest', digestOf('not this'));
      const put = await fetch(loc, { method: 'PUT', body: 'this', headers: { 'Content-Type': 'application/octet-stream' } });
      expect(put.status).toBe(400);
      expect(await errorsOf(put)).toEqual(['DIGEST_INVALID']);
    }
  });
});
