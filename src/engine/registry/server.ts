// A registry: the OCI distribution spec's HTTP API (distribution-spec spec.md), served with
// node:http from a directory that is an OCI image layout (the ImageStore) for the blobs, plus one
// small JSON file per repository for its tags and manifests. Enough of the API for skopeo, the
// docker CLI and boxlab's own client to push and pull:
//
//   GET  /v2/                                   the API version check
//   HEAD|GET /v2/<name>/blobs/<digest>          a blob (GET honours Range)
//   POST /v2/<name>/blobs/uploads/[?digest=|?mount=&from=]   start (or do, monolithically) an upload
//   PATCH /v2/<name>/blobs/uploads/<id>          a chunk (Content-Range optional)
//   PUT  /v2/<name>/blobs/uploads/<id>?digest=   finish, with an optional last chunk; the digest is checked
//   GET  /v2/<name>/blobs/uploads/<id>           upload status; DELETE cancels it
//   HEAD|GET|PUT|DELETE /v2/<name>/manifests/<tag|digest>
//   GET  /v2/<name>/tags/list[?n=&last=]         GET /v2/_catalog[?n=&last=]
//
// Errors are the spec's JSON body {errors:[{code,message,detail}]}. Blobs are shared by every
// repository (a mount always succeeds when the blob is here); uploads in progress live in
// <root>/uploads and do not survive a restart.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import writeFileAtomic from 'write-file-atomic';
import { digestOf, ImageStore } from '../images/store.js';

/** The manifest media types a registry stores and serves as themselves. */
export const MANIFEST_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;
const INDEX_TYPES: string[] = [MANIFEST_TYPES.ociIndex, MANIFEST_TYPES.dockerList];
const KNOWN_MANIFEST_TYPES: string[] = Object.values(MANIFEST_TYPES);

const MAX_MANIFEST = 4 * 1024 * 1024;
const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface RegistryOptions {
  /** a directory: an OCI image layout for the blobs, plus repositories/ and uploads/ */
  root: string;
  /** 0 (the default) = any free port */
  port?: number;
  host?: string;
  /** called once per request, after the response: "PUT /v2/app/manifests/v1 201" */
  log?: (line: string) => void;
}

export interface RunningRegistry {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as an image reference names the registry */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** What the registry keeps for one repository: tag → manifest digest, manifest digest → media type. */
export interface RepositoryState {
  tags: Record<string, string>;
  manifests: Record<string, { mediaType: string; size: number }>;
}

class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

const ERR = {
  blobUnknown: (d: string) => new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: d }),
  uploadUnknown: (id: string) => new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { id }),
  uploadInvalid: (why: string) => new RegistryError(400, 'BLOB_UPLOAD_INVALID', 'blob upload invalid', why),
  digestInvalid: (why: string) => new RegistryError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', why),
  manifestUnknown: (ref: string) => new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { reference: ref }),
  manifestInvalid: (why: string) => new RegistryError(400, 'MANIFEST_INVALID', 'manifest invalid', why),
  manifestBlobUnknown: (d: string) => new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { digest: d }),
  nameInvalid: (n: string) => new RegistryError(400, 'NAME_INVALID', 'invalid repository name', { name: n }),
  nameUnknown: (n: string) => new RegistryError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: n }),
  tagInvalid: (t: string) => new RegistryError(400, 'TAG_INVALID', 'manifest tag did not match URI', { tag: t }),
  unsupported: (what: string) => new RegistryError(405, 'UNSUPPORTED', 'The operation is unsupported.', what),
  sizeInvalid: (why: string) => new RegistryError(400, 'SIZE_INVALID', 'provided length did not match content length', why),
  range: (why: string) => new RegistryError(416, 'BLOB_UPLOAD_INVALID', 'requested range not satisfiable', why),
};

/** The registry's storage: the blob store, the repositories' state files, and uploads in progress. */
export class RegistryStorage {
  readonly store: ImageStore;
  private readonly uploads = new Map<string, { repo: string; path: string; size: number; hash: ReturnType<typeof createHash> }>();

  constructor(readonly root: string) {
    this.store = new ImageStore(root);
    this.store.init();
    mkdirSync(join(root, 'repositories'), { recursive: true });
    rmSync(join(root, 'uploads'), { recursive: true, force: true });
    mkdirSync(join(root, 'uploads'), { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  hasBlob(digest: string): boolean {
    return DIGEST_RE.test(digest) && existsSync(this.blobPath(digest));
  }

  private repoFile(repo: string): string {
    return join(this.root, 'repositories', repo, '_state.json');
  }

  readRepo(repo: string): RepositoryState | null {
    const file = this.repoFile(repo);
    if (!existsSync(file)) return null;
    return JSON.parse(readFileSync(file, 'utf8')) as RepositoryState;
  }

  /** Read, change and write a repository's state (atomically: a crash leaves the old file or the new). */
  updateRepo(repo: string, change: (s: RepositoryState) => void): RepositoryState {
    const state = this.readRepo(repo) ?? { tags: {}, manifests: {} };
    change(state);
    mkdirSync(join(this.root, 'repositories', repo), { recursive: true });
    writeFileAtomic.sync(this.repoFile(repo), JSON.stringify(state, null, 2));
    return state;
  }

  repositories(): string[] {
    const out: string[] = [];
    const walk = (dir: string, prefix: string) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSafe(dir)) {
        if (e === '_state.json') out.push(prefix);
        else if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e), prefix ? `${prefix}/${e}` : e);
      }
    };
    walk(join(this.root, 'repositories'), '');
    return out.filter(Boolean).sort();
  }

  startUpload(repo: string): string {
    const id = randomUUID();
    const path = join(this.root, 'uploads', id);
    writeFileAtomic.sync(path, Buffer.alloc(0));
    this.uploads.set(id, { repo, path, size: 0, hash: createHash('sha256') });
    return id;
  }

  upload(repo: string, id: string) {
    const u = this.uploads.get(id);
    if (!u || u.repo !== repo) throw ERR.uploadUnknown(id);
    return u;
  }

  /** Append the request body to an upload, hashing as it goes. */
  async appendUpload(repo: string, id: string, body: IncomingMessage, start?: number): Promise<number> {
    const u = this.upload(repo, id);
    if (start !== undefined && start !== u.size) throw ERR.range(`the upload is at offset ${u.size}, the chunk starts at ${start}`);
    let added = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        u.hash.update(chunk);
        added += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hashing, createWriteStream(u.path, { flags: 'a' }));
    } catch (e) {
      // a broken chunk leaves the upload in an unknown state: drop it
      this.uploads.delete(id);
      rmSync(u.path, { force: true });
      throw ERR.uploadInvalid(`the upload failed: ${(e as Error).message}`);
    }
    u.size += added;
    return added;
  }

  /** Finish an upload: the content must hash to `digest`; then it is a blob. */
  finishUpload(repo: string, id: string, digest: string): void {
    const u = this.upload(repo, id);
    this.uploads.delete(id);
    const actual = `sha256:${u.hash.digest('hex')}`;
    if (actual !== digest) {
      rmSync(u.path, { force: true });
      throw ERR.digestInvalid(`the content hashes to ${actual}, not ${digest}`);
    }
    renameSync(u.path, this.blobPath(digest));
  }

  cancelUpload(repo: string, id: string): void {
    const u = this.upload(repo, id);
    this.uploads.delete(id);
    rmSync(u.path, { force: true });
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw ERR.manifestInvalid(`the manifest is larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function checkDigestParam(d: string | null): string {
  if (!d) throw ERR.digestInvalid('a digest query parameter is required');
  if (!DIGEST_RE.test(d)) throw ERR.digestInvalid(ANY_DIGEST_RE.test(d) ? `unsupported digest ${d}: this registry stores sha256 only` : `invalid digest ${d}`);
  return d;
}

/** "0-<last byte>", as distribution reports an upload's progress ("0-0" when empty). */
const progress = (size: number) => `0-${size > 0 ? size - 1 : 0}`;

function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: Buffer | string): void {
  res.statusCode = status;
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body !== undefined && !('Content-Length' in headers)) res.setHeader('Content-Length', Buffer.byteLength(body));
  if (body === undefined && !('Content-Length' in headers)) res.setHeader('Content-Length', 0);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, obj: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(obj));
}

/** n= and last= pagination, with the Link header the spec describes. */
function paginate(list: string[], url: URL): { page: string[]; link?: string } {
  const last = url.searchParams.get('last');
  let items = last ? list.filter((x) => x > last) : list;
  const nRaw = url.searchParams.get('n');
  if (nRaw !== null) {
    const n = Number(nRaw);
    if (!Number.isInteger(n) || n < 0) throw new RegistryError(400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: nRaw });
    if (items.length > n) {
      items = items.slice(0, n);
      const next = new URL(url.pathname, 'http://x');
      next.searchParams.set('n', String(n));
      if (items.length) next.searchParams.set('last', items[items.length - 1]);
      return { page: items, link: `<${next.pathname}${next.search}>; rel="next"` };
    }
  }
  return { page: items };
}

export function createRegistryHandler(storage: RegistryStorage) {
  const { store } = storage;

  function repoOf(name: string): string {
    const repo = decodeURIComponent(name);
    if (!NAME_RE.test(repo) || repo.length > 255) throw ERR.nameInvalid(repo);
    return repo;
  }

  function serveBlob(req: IncomingMessage, res: ServerResponse, digest: string): void {
    if (!DIGEST_RE.test(digest)) throw ANY_DIGEST_RE.test(digest) ? ERR.blobUnknown(digest) : ERR.digestInvalid(`invalid digest ${digest}`);
    if (!storage.hasBlob(digest)) throw ERR.blobUnknown(digest);
    const size = statSync(storage.blobPath(digest)).size;
    const base = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000' };
    if (req.method === 'HEAD') return send(res, 200, { ...base, 'Content-Length': size });
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.headers.range && range && (range[1] || range[2])) {
      let start = range[1] ? Number(range[1]) : size - Number(range[2]);
      let end = range[1] && range[2] ? Number(range[2]) : size - 1;
      start = Math.max(0, start);
      end = Math.min(end, size - 1);
      if (start > end || start >= size) return send(res, 416, { 'Content-Range': `bytes */${size}` });
      res.writeHead(206, { ...base, 'Docker-Distribution-API-Version': 'registry/2.0', 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
      createReadStream(storage.blobPath(digest), { start, end }).pipe(res);
      return;
    }
    // verified on the way out, as the store verifies every read: a corrupt blob is never served
    const data = store.getBlob(digest);
    send(res, 200, { ...base, 'Content-Length': data.length }, data);
  }

  function uploadHeaders(repo: string, id: string, size: number) {
    return { Location: `/v2/${repo}/blobs/uploads/${id}`, Range: progress(size), 'Docker-Upload-UUID': id };
  }

  async function blobUploads(req: IncomingMessage, res: ServerResponse, repo: string, id: string | null, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (id === null) {
      if (method !== 'POST') throw ERR.unsupported(`${method} on an upload collection`);
      const mount = url.searchParams.get('mount');
      if (mount) {
        const d = checkDigestParam(mount);
        if (storage.hasBlob(d)) {
          req.resume();
          return send(res, 201, { Location: `/v2/${repo}/blobs/${d}`, 'Docker-Content-Digest': d });
        }
        // not here: fall through to an ordinary upload, as the spec allows
      }
      const digest = url.searchParams.get('digest');
      const newId = storage.startUpload(repo);
      if (digest !== null && !mount) {
        // a monolithic upload in one POST
        const d = checkDigestParam(digest);
        await storage.appendUpload(repo, newId, req);
        storage.finishUpload(repo, newId, d);
        return send(res, 201, { Location: `/v2/${repo}/blobs/${d}`, 'Docker-Content-Digest': d });
      }
      req.resume();
      return send(res, 202, uploadHeaders(repo, newId, 0));
    }
    switch (method) {
      case 'GET':
      case 'HEAD': {
        const u = storage.upload(repo, id);
        return send(res, 204, uploadHeaders(repo, id, u.size));
      }
      case 'PATCH': {
        const cr = req.headers['content-range'];
        let start: number | undefined;
        if (cr) {
          const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(cr);
          if (!m) throw ERR.range(`bad Content-Range ${cr}`);
          start = Number(m[1]);
        }
        await storage.appendUpload(repo, id, req, start);
        return send(res, 202, uploadHeaders(repo, id, storage.upload(repo, id).size));
      }
      case 'PUT': {
        const d = checkDigestParam(url.searchParams.get('digest'));
        storage.upload(repo, id);
        await storage.appendUpload(repo, id, req);
        storage.finishUpload(repo, id, d);
        return send(res, 201, { Location: `/v2/${repo}/blobs/${d}`, 'Docker-Content-Digest': d });
      }
      case 'DELETE':
        storage.cancelUpload(repo, id);
        return send(res, 204);
      default:
        throw ERR.unsupported(`${method} on an upload`);
    }
  }

  function resolveManifest(repo: string, reference: string): { digest: string; mediaType: string } {
    const state = storage.readRepo(repo);
    if (!state) throw ERR.manifestUnknown(reference);
    const digest = reference.includes(':') ? reference : state.tags[reference];
    const meta = digest ? state.manifests[digest] : undefined;
    if (!digest || !meta || !storage.hasBlob(digest)) throw ERR.manifestUnknown(reference);
    return { digest, mediaType: meta.mediaType };
  }

  async function putManifest(req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
    const isDigest = reference.includes(':');
    if (isDigest && !DIGEST_RE.test(reference)) throw ERR.digestInvalid(`unsupported or invalid digest ${reference}`);
    if (!isDigest && !TAG_RE.test(reference)) throw ERR.tagInvalid(reference);
    const body = await readBody(req, MAX_MANIFEST);
    let parsed: { mediaType?: string; schemaVersion?: number; config?: { digest?: string }; layers?: { digest?: string }[]; manifests?: { digest?: string }[] };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw ERR.manifestInvalid(`not JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw ERR.manifestInvalid('not a JSON object');
    const header = (req.headers['content-type'] ?? '').split(';')[0].trim();
    let mediaType = header && KNOWN_MANIFEST_TYPES.includes(header) ? header : parsed.mediaType ?? '';
    if (!mediaType) mediaType = parsed.manifests ? MANIFEST_TYPES.ociIndex : MANIFEST_TYPES.ociManifest;
    if (!KNOWN_MANIFEST_TYPES.includes(mediaType)) throw ERR.manifestInvalid(`unsupported manifest media type ${mediaType}`);
    if (parsed.mediaType && parsed.mediaType !== mediaType) throw ERR.manifestInvalid(`the manifest says it is ${parsed.mediaType}, the request says ${mediaType}`);
    if (parsed.schemaVersion !== 2) throw ERR.manifestInvalid('schemaVersion must be 2');
    const digest = digestOf(body);
    if (isDigest && digest !== reference) throw ERR.digestInvalid(`the manifest hashes to ${digest}, not ${reference}`);
    // everything a manifest refers to must already be here
    const refs = INDEX_TYPES.includes(mediaType)
      ? (parsed.manifests ?? []).map((m) => m.digest)
      : [parsed.config?.digest, ...(parsed.layers ?? []).map((l) => l.digest)];
    if (!INDEX_TYPES.includes(mediaType) && !parsed.config) throw ERR.manifestInvalid('an image manifest needs a config');
    for (const d of refs) {
      if (typeof d !== 'string' || !storage.hasBlob(d)) {
        if (INDEX_TYPES.includes(mediaType)) throw ERR.manifestUnknown(String(d));
        throw ERR.manifestBlobUnknown(String(d));
      }
    }
    store.putBlob(body);
    storage.updateRepo(repo, (s) => {
      s.manifests[digest] = { mediaType, size: body.length };
      if (!isDigest) s.tags[reference] = digest;
    });
    send(res, 201, { Location: `/v2/${repo}/manifests/${digest}`, 'Docker-Content-Digest': digest });
  }

  async function manifests(req: IncomingMessage, res: ServerResponse, repo: string, reference: string): Promise<void> {
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const { digest, mediaType } = resolveManifest(repo, reference);
        const data = store.getBlob(digest);
        return send(res, 200, { 'Content-Type': mediaType, 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Content-Length': data.length }, data);
      }
      case 'PUT':
        return putManifest(req, res, repo, reference);
      case 'DELETE': {
        if (!DIGEST_RE.test(reference)) throw ERR.unsupported('manifests are deleted by digest');
        const { digest } = resolveManifest(repo, reference);
        storage.updateRepo(repo, (s) => {
          delete s.manifests[digest];
          for (const [t, d] of Object.entries(s.tags)) if (d === digest) delete s.tags[t];
        });
        return send(res, 202);
      }
      default:
        throw ERR.unsupported(`${req.method} on a manifest`);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (path === '/v2/' || path === '/v2') {
      req.resume();
      return sendJson(res, 200, {});
    }
    if (path === '/v2/_catalog') {
      const { page, link } = paginate(storage.repositories(), url);
      return sendJson(res, 200, { repositories: page }, link ? { Link: link } : {});
    }
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path))) return blobUploads(req, res, repoOf(m[1]), null, url);
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/([A-Za-z0-9-]+)$/.exec(path))) return blobUploads(req, res, repoOf(m[1]), m[2], url);
    if ((m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path))) {
      const repo = repoOf(m[1]);
      const digest = decodeURIComponent(m[2]);
      if (method === 'GET' || method === 'HEAD') return serveBlob(req, res, digest);
      if (method === 'DELETE') throw ERR.unsupported(`blob deletion in ${repo}`);
      throw ERR.unsupported(`${method} on a blob`);
    }
    if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path))) return manifests(req, res, repoOf(m[1]), decodeURIComponent(m[2]));
    if ((m = /^\/v2\/(.+)\/tags\/list$/.exec(path))) {
      const repo = repoOf(m[1]);
      const state = storage.readRepo(repo);
      if (!state) throw ERR.nameUnknown(repo);
      const { page, link } = paginate(Object.keys(state.tags).sort(), url);
      return sendJson(res, 200, { name: repo, tags: page }, link ? { Link: link } : {});
    }
    throw new RegistryError(404, 'NOT_FOUND', `no route for ${method} ${path}`);
  }

  /** Serve one request; never rejects — a failure is the spec's error body. */
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await route(req, res);
    } catch (e) {
      const err = e instanceof RegistryError ? e : new RegistryError(500, 'UNKNOWN', (e as Error)?.message ?? String(e));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      sendJson(res, err.status, { errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] });
    }
  };
}

/** Start a registry on host:port (127.0.0.1 and any free port by default). */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const host = opts.host ?? '127.0.0.1';
  const storage = new RegistryStorage(opts.root);
  const handle = createRegistryHandler(storage);
  const server = createServer((req, res) => {
    void handle(req, res).finally(() => opts.log?.(`${req.method} ${req.url} ${res.statusCode}`));
  });
  // a TLS hello on this plain-HTTP port (a client trying https first) just closes the connection
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${port}`,
    address: `${hostPart}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
