// A registry client: push an image from the local ImageStore to a registry and pull one back,
// speaking the OCI distribution spec over node's fetch. Plain http for a registry on this
// machine (localhost, 127.0.0.0/8, [::1]), as Docker treats those as insecure registries;
// https anywhere else. A 401 with `WWW-Authenticate: Bearer realm=...` is answered by the
// anonymous token flow (distribution's token spec). Every blob and manifest is checked against
// its digest before it is stored; pulling stores blobs only — the caller registers the image.
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { digestOf, type ImageConfig, type ImageStore } from '../images/store.js';
import { MANIFEST_TYPES } from './server.js';

export { MANIFEST_TYPES };

/** Where an image lives in a registry: a Reference from parseReference fits. */
export interface RegistryTarget {
  /** 127.0.0.1:5000, localhost:5000, ghcr.io, docker.io */
  registry: string;
  /** library/busybox */
  repository: string;
  tag?: string | null;
  digest?: string | null;
}

export interface TransferOptions {
  /** accepted for symmetry with `--tls-verify=false`; local registries are plain http whatever it says, remote ones always https */
  insecure?: boolean;
  log?: (line: string) => void;
  /** which image to take from an index / manifest list; linux/amd64 by default */
  platform?: { os: string; architecture: string; variant?: string };
  /** a fetch to use instead of the global one (tests) */
  fetch?: typeof fetch;
  /** credentials for Basic auth, and for the token service of a Bearer registry */
  auth?: { username: string; password: string };
  /** how long to wait before retrying a 429 or 5xx answer (ms, doubled each time; Retry-After wins) */
  retryDelayMs?: number;
  /** blobs larger than this go up in PATCH chunks of this size (Content-Range), then a closing PUT */
  chunkSize?: number;
  /** other repositories of the same registry that may hold a blob: ask to mount it from there first */
  mountFrom?: string[];
  /** bytes sent or received per blob, for progress bars */
  onProgress?: (p: { digest: string; done: number; total: number; direction: 'push' | 'pull' }) => void;
}

export const DEFAULT_CHUNK = 8 * 1024 * 1024;

/** Answers worth asking again: too many requests, and a registry that is briefly unwell. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const MAX_TRIES = 4;

export interface PushResult {
  manifestDigest: string;
  mediaType: string;
  size: number;
}

export interface PulledLayer {
  mediaType: string;
  digest: string;
  size: number;
  /** from the config's rootfs.diff_ids */
  diffId: string;
}

export interface PulledImage {
  /** the image manifest's digest in the registry (stored locally as a blob, byte for byte) */
  manifestDigest: string;
  mediaType: string;
  /** when the reference named an index / manifest list: its digest (also stored) */
  indexDigest?: string;
  /** the config blob's digest: Docker's image id */
  configDigest: string;
  config: ImageConfig;
  layers: PulledLayer[];
}

const ACCEPT = [MANIFEST_TYPES.ociManifest, MANIFEST_TYPES.dockerManifest, MANIFEST_TYPES.ociIndex, MANIFEST_TYPES.dockerList].join(', ');
const INDEX_TYPES: string[] = [MANIFEST_TYPES.ociIndex, MANIFEST_TYPES.dockerList];

interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  config?: { mediaType: string; digest: string; size: number };
  layers?: { mediaType: string; digest: string; size: number; urls?: string[] }[];
  manifests?: { mediaType: string; digest: string; size: number; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/** localhost, 127.0.0.0/8, ::1 (with or without a port) */
export function isLocalRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function registryBaseUrl(registry: string): string {
  if (registry === 'docker.io' || registry === 'index.docker.io') return 'https://registry-1.docker.io';
  return `${isLocalRegistry(registry) ? 'http' : 'https'}://${registry}`;
}

const shortDigest = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

function mediaTypeOf(m: ManifestJson, header?: string | null): string {
  const h = (header ?? '').split(';')[0].trim();
  if (h && (Object.values(MANIFEST_TYPES) as string[]).includes(h)) return h;
  if (m.mediaType) return m.mediaType;
  return m.manifests ? MANIFEST_TYPES.ociIndex : MANIFEST_TYPES.ociManifest;
}

/** Parse `Bearer realm="x",service="y",scope="z"`. */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(sp + 1).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[m[1].toLowerCase()] = m[2];
  return { scheme, params };
}

/** One registry, one repository: requests with the bearer token flow and the spec's errors. */
export class RegistryClient {
  readonly base: string;
  private token: string | null = null;
  private basic: string | null = null;
  private readonly fetch: typeof fetch;
  private readonly auth?: { username: string; password: string };
  private readonly retryDelayMs: number;

  constructor(
    readonly registry: string,
    readonly repository: string,
    private readonly actions: string,
    opts: TransferOptions = {},
  ) {
    this.base = registryBaseUrl(registry);
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.auth = opts.auth;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
  }

  url(path: string): string {
    return new URL(path, this.base).toString();
  }

  async request(method: string, url: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
    const go = () =>
      this.fetch(url, {
        method,
        headers: {
          ...(init.headers ?? {}),
          ...(this.token ? { Authorization: `Bearer ${this.token}` } : this.basic ? { Authorization: `Basic ${this.basic}` } : {}),
        },
        body: init.body ? new Uint8Array(init.body.buffer as ArrayBuffer, init.body.byteOffset, init.body.byteLength) : undefined,
      });
    let res!: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await go();
      } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new UserError(
          `cannot reach the registry ${this.registry} (${this.base}): ${cause?.code ?? cause?.message ?? (e as Error).message}`,
          isLocalRegistry(this.registry) ? 'Is the registry running? Start one with `boxlab registry serve`.' : 'Check the registry name and your network.',
        );
      }
      if (!RETRYABLE.has(res.status) || attempt >= MAX_TRIES || init.body) break;
      // a rate limit or a hiccup: wait (as Retry-After says, or longer each time) and ask again
      const after = Number(res.headers.get('retry-after'));
      await res.arrayBuffer().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.retryDelayMs * 2 ** (attempt - 1)));
    }
    if (res.status === 401 && !this.token && !this.basic) {
      const challenge = res.headers.get('www-authenticate');
      const scheme = challenge ? parseChallenge(challenge).scheme : '';
      if (challenge && scheme === 'bearer') {
        await res.arrayBuffer().catch(() => undefined);
        await this.authenticate(challenge);
        res = await go();
      } else if (scheme === 'basic' && this.auth) {
        await res.arrayBuffer().catch(() => undefined);
        this.basic = Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64');
        res = await go();
      }
    }
    return res;
  }

  private async authenticate(header: string): Promise<void> {
    const { params } = parseChallenge(header);
    if (!params.realm) throw new UserError(`the registry ${this.registry} asks for a token but names no realm.`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.repository}:${this.actions}`);
    const res = await this.fetch(url, this.auth ? { headers: { Authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` } } : {});
    if (!res.ok) {
      throw new UserError(
        `${this.registry} refused an anonymous token for ${this.repository} (${res.status} ${res.statusText}).`,
        'The repository may be private, or may not exist; boxlab logs in anonymously only.',
      );
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token ?? null;
    if (!this.token) throw new UserError(`the token service of ${this.registry} sent no token.`);
  }

  /** The spec's error body, as one line: "MANIFEST_UNKNOWN: manifest unknown". */
  async fail(res: Response, what: string): Promise<never> {
    let detail = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
      if (body.errors?.length) detail = body.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    } catch {
      /* not JSON */
    }
    const hint =
      res.status === 401 || res.status === 403
        ? 'The registry wants credentials; boxlab speaks to registries anonymously.'
        : res.status === 404
          ? 'Check the repository and the tag.'
          : undefined;
    throw new UserError(`${what}: ${detail}`, hint);
  }
}

function verify(data: Buffer, digest: string, what: string): void {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new UserError(`${what}: unsupported digest ${digest}`, 'boxlab verifies sha256 digests only.');
  const actual = digestOf(data);
  if (actual !== digest) throw new UserError(`${what}: the content hashes to ${actual}, not ${digest}.`, 'The registry sent something other than what it named; try again, or report the registry.');
}

// ---------------------------------------------------------------- push

/** Push an image (its manifest, config and layers, or an index and what it lists) from the store. */
export async function pushImage(store: ImageStore, image: { manifestDigest: string }, target: RegistryTarget, opts: TransferOptions = {}): Promise<PushResult> {
  const log = opts.log ?? (() => {});
  const tag = target.tag ?? (target.digest ? null : 'latest');
  const client = new RegistryClient(target.registry, target.repository, 'pull,push', opts);
  log(`The push refers to repository [${target.registry}/${target.repository}]`);
  const pushed = new Set<string>();

  async function pushBlob(digest: string): Promise<void> {
    if (pushed.has(digest)) return;
    pushed.add(digest);
    const head = await client.request('HEAD', client.url(`/v2/${target.repository}/blobs/${digest}`));
    if (head.ok) {
      log(`${shortDigest(digest)}: Layer already exists`);
      return;
    }
    if (head.status !== 404) await client.fail(head, `checking blob ${digest} in ${target.registry}/${target.repository}`);
    const data = store.getBlob(digest);
    // a blob the registry holds in another repository: mount it instead of sending it again
    for (const from of opts.mountFrom ?? []) {
      if (from === target.repository) continue;
      const m = await client.request('POST', client.url(`/v2/${target.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`));
      await m.arrayBuffer().catch(() => undefined);
      if (m.status === 201) {
        log(`${shortDigest(digest)}: Mounted from ${from}`);
        return;
      }
      if (m.status === 202) {
        // the registry started an ordinary upload instead: cancel it, upload below
        const loc = m.headers.get('location');
        if (loc) await client.request('DELETE', new URL(loc, client.base).toString()).then((r) => r.arrayBuffer()).catch(() => undefined);
      }
    }
    const start = await client.request('POST', client.url(`/v2/${target.repository}/blobs/uploads/`));
    if (start.status !== 202) await client.fail(start, `starting the upload of ${digest}`);
    await start.arrayBuffer();
    let location = start.headers.get('location');
    if (!location) throw new UserError(`${target.registry} started an upload but sent no Location.`);
    const chunk = opts.chunkSize ?? DEFAULT_CHUNK;
    let sent = 0;
    // big blobs go in chunks (PATCH with Content-Range), each answered with the next Location
    while (data.length - sent > chunk) {
      const piece = data.subarray(sent, sent + chunk);
      const r = await client.request('PATCH', new URL(location, client.base).toString(), {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${sent}-${sent + piece.length - 1}`, 'Content-Length': String(piece.length) },
        body: Buffer.from(piece),
      });
      if (r.status !== 202) await client.fail(r, `uploading a chunk of ${digest}`);
      await r.arrayBuffer();
      location = r.headers.get('location') ?? location;
      sent += piece.length;
      opts.onProgress?.({ digest, done: sent, total: data.length, direction: 'push' });
    }
    const put = new URL(location, client.base);
    put.searchParams.set('digest', digest);
    const rest = data.subarray(sent);
    const done = await client.request('PUT', put.toString(), { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(rest.length) }, body: Buffer.from(rest) });
    opts.onProgress?.({ digest, done: data.length, total: data.length, direction: 'push' });
    if (done.status !== 201) await client.fail(done, `uploading ${digest}`);
    await done.arrayBuffer();
    const said = done.headers.get('docker-content-digest');
    if (said && said !== digest) throw new UserError(`${target.registry} stored ${digest} as ${said}.`);
    log(`${shortDigest(digest)}: Pushed`);
  }

  async function pushManifest(digest: string, reference: string): Promise<{ mediaType: string; size: number }> {
    const raw = store.getBlob(digest);
    const m = JSON.parse(raw.toString('utf8')) as ManifestJson;
    const mediaType = mediaTypeOf(m);
    if (INDEX_TYPES.includes(mediaType)) {
      for (const child of m.manifests ?? []) {
        if (!store.hasBlob(child.digest)) {
          throw new UserError(`the index ${digest} lists ${child.digest}, which is not in the local store.`, 'Pull the image for every platform first, or push one platform image.');
        }
        await pushManifest(child.digest, child.digest);
      }
    } else {
      if (!m.config) throw new UserError(`${digest} is not an image manifest (no config).`);
      for (const l of m.layers ?? []) await pushBlob(l.digest);
      await pushBlob(m.config.digest);
    }
    const res = await client.request('PUT', client.url(`/v2/${target.repository}/manifests/${reference}`), { headers: { 'Content-Type': mediaType }, body: raw });
    if (res.status !== 201) await client.fail(res, `pushing the manifest ${reference} to ${target.registry}/${target.repository}`);
    await res.arrayBuffer();
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw new UserError(`${target.registry} stored the manifest ${digest} as ${said}.`);
    return { mediaType, size: raw.length };
  }

  const { mediaType, size } = await pushManifest(image.manifestDigest, tag ?? image.manifestDigest);
  log(`${tag ?? 'digest'}: digest: ${image.manifestDigest} size: ${size}`);
  return { manifestDigest: image.manifestDigest, mediaType, size };
}

// ---------------------------------------------------------------- pull

/** Pull an image into the store's blobs (verified). Returns what registerImage needs; registers nothing. */
export async function pullImage(store: ImageStore, ref: RegistryTarget, opts: TransferOptions = {}): Promise<PulledImage> {
  const log = opts.log ?? (() => {});
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const client = new RegistryClient(ref.registry, ref.repository, 'pull', opts);
  const name = `${ref.registry}/${ref.repository}`;
  const reference = ref.digest ?? ref.tag ?? 'latest';
  log(`${reference}: Pulling from ${ref.repository}`);

  async function getManifest(reference: string, expect: string | null): Promise<{ digest: string; mediaType: string; raw: Buffer; json: ManifestJson }> {
    const res = await client.request('GET', client.url(`/v2/${ref.repository}/manifests/${reference}`), { headers: { Accept: ACCEPT } });
    if (!res.ok) await client.fail(res, res.status === 404 ? `manifest for ${name}:${reference} not found` : `pulling ${name}:${reference}`);
    const raw = Buffer.from(await res.arrayBuffer());
    const digest = digestOf(raw);
    if (expect) verify(raw, expect, `the manifest ${name}@${expect}`);
    const said = res.headers.get('docker-content-digest');
    if (said?.startsWith('sha256:') && said !== digest) throw new UserError(`the manifest for ${name}:${reference} hashes to ${digest}, but the registry says ${said}.`);
    let json: ManifestJson;
    try {
      json = JSON.parse(raw.toString('utf8')) as ManifestJson;
    } catch {
      throw new UserError(`the manifest for ${name}:${reference} is not JSON.`);
    }
    const mediaType = mediaTypeOf(json, res.headers.get('content-type'));
    if (!(Object.values(MANIFEST_TYPES) as string[]).includes(mediaType)) {
      throw new UserError(`${name}:${reference} is a ${mediaType}, which boxlab cannot pull.`, 'boxlab pulls OCI and Docker schema 2 images.');
    }
    return { digest, mediaType, raw, json };
  }

  async function getBlob(digest: string): Promise<Buffer> {
    if (store.hasBlob(digest)) {
      try {
        return store.getBlob(digest); // verified on read
      } catch {
        store.removeBlob(digest);
      }
    }
    const res = await client.request('GET', client.url(`/v2/${ref.repository}/blobs/${digest}`));
    if (!res.ok) await client.fail(res, `fetching blob ${digest} from ${name}`);
    // hashed while it streams in; a short or wrong body is refused before anything is stored
    const total = Number(res.headers.get('content-length') ?? 0);
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    let got = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const b = Buffer.from(chunk);
        hash.update(b);
        parts.push(b);
        got += b.length;
        opts.onProgress?.({ digest, done: got, total: total || got, direction: 'pull' });
      }
    }
    if (total && got !== total) throw new UserError(`blob ${digest} from ${name} was cut short: ${got} of ${total} bytes.`, 'Pull again; if it persists, the registry is serving a damaged blob.');
    const data = Buffer.concat(parts);
    if (`sha256:${hash.digest('hex')}` !== digest) verify(data, digest, `blob ${digest} from ${name}`);
    store.putBlob(data);
    return data;
  }

  let top = await getManifest(reference, ref.digest ?? null);
  let indexDigest: string | undefined;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const want = top.json.manifests?.find(
      (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture && (!platform.variant || m.platform?.variant === platform.variant),
    );
    if (!want) throw new UserError(`no matching manifest for ${platform.os}/${platform.architecture} in the manifest list entries of ${name}:${reference}.`);
    store.putBlob(top.raw);
    indexDigest = top.digest;
    top = await getManifest(want.digest, want.digest);
    if (INDEX_TYPES.includes(top.mediaType)) throw new UserError(`${name}:${reference}: an index inside an index is not supported.`);
  }
  const m = top.json;
  if (!m.config || !Array.isArray(m.layers)) throw new UserError(`the manifest for ${name}:${reference} has no config or no layers.`);
  for (const l of m.layers) if (l.urls?.length) throw new UserError(`${name}:${reference} has a foreign layer (${l.digest}); boxlab does not fetch those.`);

  const config = JSON.parse((await getBlob(m.config.digest)).toString('utf8')) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== m.layers.length) {
    throw new UserError(`${name}:${reference} is inconsistent: ${m.layers.length} layers but ${diffIds.length} diff ids in its config.`);
  }
  const layers: PulledLayer[] = [];
  for (const [i, l] of m.layers.entries()) {
    const had = store.hasBlob(l.digest);
    const data = await getBlob(l.digest);
    if (data.length !== l.size) throw new UserError(`blob ${l.digest} from ${name} is ${data.length} bytes, the manifest says ${l.size}.`);
    log(`${shortDigest(l.digest)}: ${had ? 'Already exists' : 'Pull complete'}`);
    layers.push({ mediaType: l.mediaType, digest: l.digest, size: l.size, diffId: diffIds[i] });
  }
  store.putBlob(top.raw);
  log(`Digest: ${indexDigest ?? top.digest}`);
  return { manifestDigest: top.digest, mediaType: top.mediaType, ...(indexDigest ? { indexDigest } : {}), configDigest: m.config.digest, config, layers };
}
