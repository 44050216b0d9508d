// The registry client under a rate limit, a flaky registry and Basic auth: boxlab's own registry
// handler behind a small front server that misbehaves on purpose.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLayer } from '../../src/engine/images/layers.js';
import { ImageStore, MEDIA } from '../../src/engine/images/store.js';
import { pullImage, pushImage } from '../../src/engine/registry/client.js';
import { RegistryStorage, createRegistryHandler } from '../../src/engine/registry/server.js';

let dir: string;
let server: Server;
let address: string;
const mode = { failures: 0, status: 503, basic: false, seen401: 0, patches: 0, truncate: false };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'boxlab-regfront-'));
  const handle = createRegistryHandler(new RegistryStorage(join(dir, 'registry')));
  server = createServer((req, res) => {
    if (mode.basic && req.headers.authorization !== `Basic ${Buffer.from('student:s3cret').toString('base64')}`) {
      mode.seen401++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="lab"', 'Content-Type': 'application/json' });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (req.method === 'PATCH') mode.patches++;
    if (mode.truncate && req.method === 'GET' && req.url?.includes('/blobs/sha256:')) {
      // say 100 bytes, send 10: a blob cut short on the way
      res.writeHead(200, { 'Content-Length': '100', 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(10));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (mode.failures > 0 && req.method === 'GET') {
      mode.failures--;
      res.writeHead(mode.status, { 'Retry-After': '0', 'Content-Type': 'application/json' });
      return res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
    }
    void handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address() as { port: number };
  address = `127.0.0.1:${a.port}`;
  // one small image to move around
  const store = new ImageStore(join(dir, 'src'));
  const layer = await packLayer([{ path: 'hello', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: Buffer.from('hi\n') }]);
  const l = store.putBlob(layer.blob);
  const cfg = store.putJson({ created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId] }, history: [] });
  const man = store.putJson({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, ...cfg, data: undefined }, layers: [{ mediaType: MEDIA.layer, ...l }] });
  await pushImage(store, { manifestDigest: man.digest }, { registry: address, repository: 'lab/hello', tag: 'v1' });
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('registry client resilience', () => {
  it('waits and retries when the registry says 429 Too Many Requests', async () => {
    mode.failures = 2;
    mode.status = 429;
    const out = new ImageStore(join(dir, 'pull-429'));
    const r = await pullImage(out, { registry: address, repository: 'lab/hello', tag: 'v1' }, { retryDelayMs: 1 });
    expect(r.layers).toHaveLength(1);
    expect(mode.failures).toBe(0);
  });

  it('retries a 503 and gives up with the registry\'s own words when it persists', async () => {
    mode.failures = 100;
    mode.status = 503;
    const out = new ImageStore(join(dir, 'pull-503'));
    await expect(pullImage(out, { registry: address, repository: 'lab/hello', tag: 'v1' }, { retryDelayMs: 1 })).rejects.toThrow(/TOOMANYREQUESTS: slow down/);
    mode.failures = 0;
  });

  it('answers a Basic challenge with credentials, and explains a refusal without them', async () => {
    mode.basic = true;
    try {
      const out = new ImageStore(join(dir, 'pull-basic'));
      await expect(pullImage(out, { registry: address, repository: 'lab/hello', tag: 'v1' })).rejects.toThrow(/UNAUTHORIZED/);
      const r = await pullImage(out, { registry: address, repository: 'lab/hello', tag: 'v1' }, { auth: { username: 'student', password: 's3cret' } });
      expect(r.layers).toHaveLength(1);
    } finally {
      mode.basic = false;
    }
  });

  it('uploads a big blob in PATCH chunks and reports progress both ways', async () => {
    const store = new ImageStore(join(dir, 'big'));
    const data = Buffer.alloc(300_000, 7);
    const layer = await packLayer([{ path: 'big', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data: Buffer.concat([data, Buffer.from(String(Math.random()))]) }]);
    const l = store.putBlob(layer.blob);
    const cfg = store.putJson({ created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId] }, history: [] });
    const man = store.putJson({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, digest: cfg.digest, size: cfg.size }, layers: [{ mediaType: MEDIA.layer, ...l }] });
    // make the layer incompressible enough to need several chunks
    const before = mode.patches;
    const pushed: number[] = [];
    await pushImage(store, { manifestDigest: man.digest }, { registry: address, repository: 'lab/big', tag: 'v1' }, { chunkSize: 100, onProgress: (p) => p.digest === l.digest && pushed.push(p.done) });
    expect(mode.patches - before).toBeGreaterThan(1);
    expect(pushed[pushed.length - 1]).toBe(l.size);
    const pulled: number[] = [];
    const out = new ImageStore(join(dir, 'big-back'));
    const r = await pullImage(out, { registry: address, repository: 'lab/big', tag: 'v1' }, { onProgress: (p) => pulled.push(p.done) });
    expect(out.getBlob(r.layers[0].digest).equals(layer.blob)).toBe(true);
    expect(pulled.length).toBeGreaterThan(0);
  });

  it('refuses a blob cut short on the way, and stores nothing of it', async () => {
    mode.truncate = true;
    const out = new ImageStore(join(dir, 'short'));
    try {
      await expect(pullImage(out, { registry: address, repository: 'lab/hello', tag: 'v1' })).rejects.toThrow(/cut short|hashes to|terminated|fetch/);
    } finally {
      mode.truncate = false;
    }
    expect(out.blobs().filter((d) => !d.includes('manifest')).length).toBeLessThanOrEqual(2);
  });
});
