// Images and root filesystems in and out as tar files: `save`/`load` carry images as an OCI
// image layout in a tar (with Docker's manifest.json beside it, so `docker load` takes it too);
// `export` writes a container's whole root filesystem as one flat tar, `import` makes such a tar
// a one-layer image.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { FsEntry } from '../../kernel/kernel.js';
import { UserError } from '../errors.js';
import type { Tx } from '../lab.js';
import type { ContainerRec, ImageRec } from '../state.js';
import { familiarOf, registerImage, storeLayer, storeOf } from './images.js';
import { OPAQUE_MARKER, OVERLAY_OPAQUE, packLayer, readLayer, tarSize } from './layers.js';
import { canonicalOf, getImage } from './manage.js';
import { IMAGE_NAME, MEDIA, digestOf, type ImageConfig, type Manifest, type OciIndex } from './store.js';

async function tarOf(files: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => void chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const f of files) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data, (e) => (e ? reject(e) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function untarFiles(buf: Buffer): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  Readable.from([buf]).pipe(extract);
  const out = new Map<string, Buffer>();
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    if (entry.header.type === 'file') out.set(entry.header.name.replace(/^\.\//, ''), Buffer.concat(parts));
  }
  return out;
}

/** docker save: the images as an OCI layout in one tar. */
export async function saveImages(tx: Tx, names: string[]): Promise<Buffer> {
  const store = storeOf(tx);
  const files = new Map<string, Buffer>();
  const index: OciIndex = { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const name of names) {
    const img = getImage(tx, name);
    const man = store.getJson<Manifest>(img.manifestDigest);
    const put = (digest: string) => files.set(`blobs/sha256/${digest.slice(7)}`, store.getBlob(digest));
    put(img.manifestDigest);
    put(man.config.digest);
    for (const l of man.layers) put(l.digest);
    const tags = /[:@]/.test(name) && !/^(sha256:)?[0-9a-f]{12,64}$/.test(name) ? [familiarOf(canonicalOf(name))] : img.repoTags;
    const size = store.getBlob(img.manifestDigest).length;
    if (!tags.length) index.manifests.push({ mediaType: MEDIA.manifest, digest: img.manifestDigest, size });
    for (const t of tags) {
      index.manifests.push({ mediaType: MEDIA.manifest, digest: img.manifestDigest, size, annotations: { [IMAGE_NAME]: canonicalOf(t), 'org.opencontainers.image.ref.name': t.slice(t.lastIndexOf(':') + 1) } });
    }
    dockerManifest.push({ Config: `blobs/sha256/${man.config.digest.slice(7)}`, RepoTags: tags, Layers: man.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) });
  }
  return tarOf([
    { name: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(dockerManifest)) },
    ...[...files].map(([name, data]) => ({ name, data })),
  ]);
}

/** docker load: every image in an OCI-layout tar; blobs are checked against their names. */
export async function loadImages(tx: Tx, buf: Buffer): Promise<ImageRec[]> {
  const files = await untarFiles(buf);
  const indexBuf = files.get('index.json');
  if (!files.has('oci-layout') || !indexBuf) {
    throw new UserError('the tar holds no OCI image layout (no oci-layout and index.json)', 'Give a tar made by `boxlab save` or `docker save` (Docker 25 or newer).');
  }
  const blob = (digest: string) => {
    const data = files.get(`blobs/sha256/${digest.replace(/^sha256:/, '')}`);
    if (!data) throw new UserError(`the tar is missing blob ${digest}`, 'The file is incomplete: save it again.');
    if (digestOf(data) !== digest) throw new UserError(`blob ${digest} in the tar is corrupt`, 'The file is damaged: save it again.');
    return data;
  };
  const index = JSON.parse(indexBuf.toString('utf8')) as OciIndex;
  const byManifest = new Map<string, string[]>();
  for (const d of index.manifests) {
    const names = byManifest.get(d.digest) ?? [];
    const name = d.annotations?.[IMAGE_NAME];
    if (name) names.push(name);
    byManifest.set(d.digest, names);
  }
  const loaded: ImageRec[] = [];
  const store = storeOf(tx);
  for (const [digest, names] of byManifest) {
    const man = JSON.parse(blob(digest).toString('utf8')) as Manifest;
    const cfgBuf = blob(man.config.digest);
    const config = JSON.parse(cfgBuf.toString('utf8')) as ImageConfig;
    const layers = [];
    for (const [i, l] of man.layers.entries()) {
      const data = blob(l.digest);
      store.putBlob(data);
      const diffId = config.rootfs.diff_ids[i];
      await readLayer(data); // refuses a damaged or hostile layer before it is recorded
      layers.push({ mediaType: l.mediaType, digest: l.digest, size: l.size, diffId, unpackedSize: tarSize(data) });
    }
    loaded.push(await registerImage(tx, { config, layers, names: names.map(canonicalOf) }));
  }
  return loaded;
}

/** The merged view of layer trees (bottom first) as overlayfs would show it, whiteouts applied. */
export function flatten(trees: FsEntry[][]): FsEntry[] {
  const merged = new Map<string, FsEntry>();
  const drop = (prefix: string) => {
    for (const k of [...merged.keys()]) if (k === prefix || k.startsWith(`${prefix}/`)) merged.delete(k);
  };
  for (const tree of trees) {
    for (const e of tree) {
      if (e.type === 'chardev' && e.devmajor === 0 && e.devminor === 0) {
        drop(e.path);
        continue;
      }
      if (e.path.endsWith(`/${OPAQUE_MARKER}`)) continue;
      if (e.type === 'dir' && e.xattrs?.[OVERLAY_OPAQUE] === 'y') {
        for (const k of [...merged.keys()]) if (k.startsWith(`${e.path}/`)) merged.delete(k);
      }
      if (e.type !== 'dir') drop(e.path);
      const { xattrs, ...rest } = e;
      const kept = xattrs ? Object.fromEntries(Object.entries(xattrs).filter(([k]) => !k.startsWith('trusted.overlay.'))) : {};
      merged.set(e.path, Object.keys(kept).length ? { ...rest, xattrs: kept } : rest);
    }
  }
  return [...merged.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** docker export: a container's root filesystem, flattened, as one tar. */
export async function exportContainer(tx: Tx, c: ContainerRec): Promise<Buffer> {
  const trees: FsEntry[][] = [];
  for (const dir of [...c.layer.lower].reverse()) trees.push(await tx.kernel.fs.readTree(dir));
  trees.push(await tx.kernel.fs.readTree(c.layer.upper));
  const packed = await packLayer(flatten(trees));
  const { gunzipSync } = await import('node:zlib');
  return gunzipSync(packed.blob);
}

/** docker import: a flat root filesystem tar becomes a one-layer image. */
export async function importImage(tx: Tx, buf: Buffer, name: string | undefined, opts: { message?: string; changes?: ImageConfig['config'] } = {}): Promise<ImageRec> {
  const entries = await readLayer(buf);
  const packed = await packLayer(entries);
  const desc = storeLayer(tx, packed);
  const created = new Date(tx.kernel.clock.now()).toISOString();
  const config: ImageConfig = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { ...(opts.changes ?? {}) },
    rootfs: { type: 'layers', diff_ids: [packed.diffId] },
    history: [{ created, created_by: '', comment: opts.message ?? 'Imported from tar' }],
  };
  return registerImage(tx, { config, layers: [{ ...desc, diffId: packed.diffId, unpackedSize: packed.size }], names: name ? [canonicalOf(name)] : [], comment: opts.message });
}
