// Images in the store and in the kernel: a new image is its layer blobs, a config (with
// rootfs.diff_ids and one history row per step) and a manifest; each layer is unpacked once,
// into an overlay lower dir named by its diff id, and shared by every image that has it.
import { join } from 'node:path';
import { shortId } from '../ids.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { layerToOverlay, readLayer, type PackedLayer } from './layers.js';
import { ImageStore, MEDIA, type Descriptor, type ImageConfig, type Manifest } from './store.js';


export function storeOf(tx: Tx): ImageStore {
  return new ImageStore(join(tx.dataDir, 'images'));
}

export function layerDir(tx: Pick<Tx, 'root'>, diffId: string): string {
  return `${tx.root}/layers/${diffId.replace(/^sha256:/, '')}/diff`;
}

/** Unpack a layer blob into its overlay lower dir, unless an earlier image did already. */
export async function unpackLayer(tx: Tx, layer: { digest: string; diffId: string }): Promise<string> {
  const dir = layerDir(tx, layer.diffId);
  if (await tx.kernel.fs.exists(dir)) return dir;
  const entries = layerToOverlay(await readLayer(storeOf(tx).getBlob(layer.digest)));
  const tmp = `${dir}.partial`;
  await tx.kernel.fs.remove(tmp);
  await tx.kernel.fs.writeEntries(tmp, entries);
  await tx.kernel.fs.remove(dir);
  await tx.kernel.fs.writeEntries(dir, entries);
  await tx.kernel.fs.remove(tmp);
  return dir;
}

/** Store a layer blob already packed. */
export function storeLayer(tx: Tx, layer: PackedLayer): Descriptor {
  const { digest, size } = storeOf(tx).putBlob(layer.blob);
  return { mediaType: MEDIA.layer, digest, size };
}

/**
 * Write config and manifest, name the image, unpack its layers, and record it. A pulled image
 * passes its config and manifest bytes as the registry sent them (`raw`), so its id and digest
 * stay the registry's.
 */
export async function registerImage(
  tx: Tx,
  spec: {
    config: ImageConfig;
    layers: (Descriptor & { diffId: string; unpackedSize: number })[];
    names: string[];
    comment?: string;
    raw?: { config: Buffer; manifest: Buffer; manifestMediaType: string };
  },
): Promise<ImageRec> {
  const store = storeOf(tx);
  let cfg: { digest: string; size: number };
  let man: { digest: string; size: number };
  let manifestMediaType: string = MEDIA.manifest;
  if (spec.raw) {
    cfg = store.putBlob(spec.raw.config);
    man = store.putBlob(spec.raw.manifest);
    manifestMediaType = spec.raw.manifestMediaType;
  } else {
    cfg = store.putJson(spec.config);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, digest: cfg.digest, size: cfg.size },
      layers: spec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    man = store.putJson(manifest);
  }
  store.setManifest({ mediaType: manifestMediaType, digest: man.digest, size: man.size }, spec.names);
  const layers: ImageRec['layers'] = [];
  for (const l of spec.layers) layers.push({ diffId: l.diffId, digest: l.digest, dir: await unpackLayer(tx, l), size: l.unpackedSize });
  const id = cfg.digest;
  const familiar = spec.names.map(familiarOf);
  // a name moves to the new image; the image it left keeps its other names, or none (dangling)
  for (const other of Object.values(tx.state.images)) {
    if (other.id !== id) other.repoTags = other.repoTags.filter((t) => !familiar.includes(t));
  }
  const existing = tx.state.images[id];
  const c = spec.config.config;
  const rec: ImageRec = {
    id,
    manifestDigest: man.digest,
    repoTags: [...new Set([...(existing?.repoTags ?? []), ...familiar])],
    created: Date.parse(spec.config.created),
    layers,
    config: {
      cmd: c.Cmd ?? [], entrypoint: c.Entrypoint ?? null, env: c.Env ?? [], workdir: c.WorkingDir ?? '', stopSignal: c.StopSignal,
      ...(c.User ? { user: c.User } : {}),
      ...(c.Volumes && Object.keys(c.Volumes).length ? { volumes: Object.keys(c.Volumes) } : {}),
    },
    size: layers.reduce((s, l) => s + l.size, 0),
    comment: spec.comment ?? '',
  };
  tx.state.images[id] = rec;
  return rec;
}

/** docker.io/library/busybox:latest → busybox:latest */
export function familiarOf(canonical: string): string {
  return canonical.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

export function describeImage(img: ImageRec): string {
  return img.repoTags[0] ?? shortId(img.id);
}
