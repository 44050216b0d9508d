// Looking after images: names (tag, untag), removal (refused while a container uses the image),
// pruning dangling images, history, and what `system df` counts. Names live in two places kept
// in step: the image record's repoTags and the OCI index's annotations.
import { NotFound, UserError } from '../errors.js';
import { shortId } from '../ids.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { findImage } from './catalog.js';
import { familiarOf, layerDir, storeOf } from './images.js';
import { parseReference } from './reference.js';
import { MEDIA, type ImageConfig, type Manifest } from './store.js';

export function getImage(tx: Tx, name: string): ImageRec {
  const img = findImage(tx, name);
  if (!img) throw new NotFound('image', name, "List images with 'boxlab images'.");
  return img;
}

export function canonicalOf(name: string): string {
  return parseReference(name).canonical;
}

function syncIndex(tx: Tx, img: ImageRec): void {
  const names = img.repoTags.map(canonicalOf);
  storeOf(tx).setManifest({ mediaType: MEDIA.manifest, digest: img.manifestDigest, size: storeOf(tx).getBlob(img.manifestDigest).length }, names);
}

/** docker tag SOURCE TARGET: one more name for an image; the name leaves any image that had it. */
export function tagImage(tx: Tx, source: string, target: string): ImageRec {
  const img = getImage(tx, source);
  const ref = parseReference(target);
  if (ref.digest) throw new UserError(`refusing to create a tag with a digest reference: ${target}`, 'Give name:tag.', 1);
  const familiar = familiarOf(ref.canonical);
  for (const other of Object.values(tx.state.images)) {
    if (other.id !== img.id && other.repoTags.includes(familiar)) {
      other.repoTags = other.repoTags.filter((t) => t !== familiar);
      syncIndex(tx, other);
    }
  }
  if (!img.repoTags.includes(familiar)) img.repoTags.push(familiar);
  syncIndex(tx, img);
  return img;
}

export function usersOf(tx: Tx, img: ImageRec): string[] {
  return Object.values(tx.state.containers).filter((c) => c.imageId === img.id).map((c) => c.id);
}

export function configOf(tx: Tx, img: ImageRec): ImageConfig {
  const man = storeOf(tx).getJson<Manifest>(img.manifestDigest);
  return storeOf(tx).getJson<ImageConfig>(man.config.digest);
}

/** Delete an image's blobs and unpacked layers, except what other images still share. */
async function deleteImage(tx: Tx, img: ImageRec): Promise<number> {
  const store = storeOf(tx);
  const others = Object.values(tx.state.images).filter((i) => i.id !== img.id);
  const man = store.getJson<Manifest>(img.manifestDigest);
  store.removeManifest(img.manifestDigest);
  store.removeBlob(img.manifestDigest);
  store.removeBlob(man.config.digest);
  let freed = 0;
  for (const l of img.layers) {
    if (others.some((o) => o.layers.some((x) => x.diffId === l.diffId))) continue;
    freed += l.size;
    store.removeBlob(l.digest);
    await tx.kernel.fs.remove(layerDir(tx, l.diffId).replace(/\/diff$/, ''));
  }
  delete tx.state.images[img.id];
  return freed;
}

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
  freed: number;
}

/** docker rmi: a name that is one of several is only untagged; the last name (or the id) deletes. */
export async function removeImage(tx: Tx, name: string, force: boolean): Promise<RemoveResult> {
  const img = getImage(tx, name);
  const r: RemoveResult = { untagged: [], deleted: [], freed: 0 };
  const byId = img.id.replace(/^sha256:/, '').startsWith(name.replace(/^sha256:/, ''));
  const users = usersOf(tx, img);
  let familiar: string | null = null;
  if (!byId) {
    try {
      familiar = familiarOf(canonicalOf(name));
    } catch {
      familiar = null;
    }
  }
  if (familiar && img.repoTags.length > 1) {
    img.repoTags = img.repoTags.filter((t) => t !== familiar);
    syncIndex(tx, img);
    r.untagged.push(familiar);
    return r;
  }
  if (users.length) {
    const running = users.some((id) => tx.state.containers[id]?.state.status === 'running');
    if (!force || running) {
      const what = familiar ? `repository reference "${name}"` : shortId(img.id);
      throw new UserError(
        `conflict: unable to delete ${what} (${running ? 'cannot be forced' : 'must be forced'}) - image is being used by ${running ? 'running ' : ''}container ${shortId(users[0])}`,
        running ? `Stop and remove the container first: boxlab rm -f ${shortId(users[0])}` : `Remove the container first (boxlab rm ${shortId(users[0])}), or force with -f to untag it.`,
        1,
      );
    }
    // forced while a stopped container still needs it: untag, keep the content
    r.untagged.push(...img.repoTags);
    img.repoTags = [];
    syncIndex(tx, img);
    return r;
  }
  r.untagged.push(...img.repoTags);
  img.repoTags = [];
  await deleteWithParents(tx, img, r);
  return r;
}

/** Delete an image, then its untagged parents that nothing else stands on, as Docker does. */
async function deleteWithParents(tx: Tx, img: ImageRec, r: RemoveResult): Promise<void> {
  let cur: ImageRec | undefined = img;
  while (cur) {
    const parent: ImageRec | undefined = cur.parent ? tx.state.images[cur.parent] : undefined;
    r.freed += await deleteImage(tx, cur);
    r.deleted.push(cur.id);
    cur = parent && !parent.repoTags.length && !usersOf(tx, parent).length && !isIntermediate(tx, parent) ? parent : undefined;
  }
}

/**
 * An intermediate image: an untagged build step that a later image stands on. `images` hides
 * these (unless -a) and prune keeps them; an untagged image nothing stands on is dangling.
 */
export function isIntermediate(tx: Tx, img: ImageRec): boolean {
  if (img.repoTags.length) return false;
  return Object.values(tx.state.images).some((o) => o.parent === img.id && o.id !== img.id);
}

/** docker image prune: dangling images nobody uses; with all, every image no container uses. */
export async function pruneImages(tx: Tx, all: boolean): Promise<RemoveResult> {
  const r: RemoveResult = { untagged: [], deleted: [], freed: 0 };
  for (const img of Object.values(tx.state.images)) {
    if (usersOf(tx, img).length || (!all && (img.repoTags.length || isIntermediate(tx, img)))) continue;
    if (!tx.state.images[img.id]) continue; // went with a child deleted before it
    r.untagged.push(...img.repoTags);
    img.repoTags = [];
    await deleteWithParents(tx, img, r);
  }
  return r;
}

export interface HistoryRow {
  id: string;
  created: number;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

/** docker history: one row per history entry, newest first; layer sizes matched in order. */
export function imageHistory(tx: Tx, img: ImageRec): HistoryRow[] {
  const cfg = configOf(tx, img);
  const sizes = img.layers.map((l) => l.size);
  let li = 0;
  const rows = cfg.history.map((h) => ({
    id: '<missing>',
    created: Date.parse(h.created),
    createdBy: h.created_by,
    size: h.empty_layer ? 0 : sizes[li++] ?? 0,
    comment: h.comment ?? '',
    emptyLayer: !!h.empty_layer,
  }));
  rows.reverse();
  if (rows.length) rows[0].id = img.id;
  return rows;
}

export interface DiskUsage {
  images: { total: number; active: number; size: number; reclaimable: number; rows: { name: string; id: string; size: number; containers: number }[] };
  containers: { total: number; active: number; size: number; reclaimable: number; rows: { name: string; id: string; size: number; status: string }[] };
  volumes: { total: number; active: number; size: number; reclaimable: number; rows: { name: string; size: number; links: number }[] };
  buildCache: { total: number; size: number };
}

/** docker system df: what takes space, and what could be given back. */
export async function diskUsage(tx: Tx): Promise<DiskUsage> {
  const images = Object.values(tx.state.images).filter((i) => !isIntermediate(tx, i));
  const containers = Object.values(tx.state.containers);
  const imageRows = images.map((i) => ({ name: i.repoTags[0] ?? '<none>', id: i.id, size: i.size, containers: usersOf(tx, i).length }));
  // layers are shared: count each once
  const seen = new Map<string, number>();
  for (const i of images) for (const l of i.layers) seen.set(l.diffId, l.size);
  const activeLayers = new Map<string, number>();
  for (const i of images) if (usersOf(tx, i).length) for (const l of i.layers) activeLayers.set(l.diffId, l.size);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const containerRows = [];
  for (const c of containers) containerRows.push({ name: c.name, id: c.id, size: await tx.kernel.fs.du(c.layer.upper), status: c.state.status });
  const volumeRows = [];
  for (const v of Object.values(tx.state.volumes)) {
    const links = containers.filter((c) => c.mounts.some((m) => m.name === v.name)).length;
    volumeRows.push({ name: v.name, size: await tx.kernel.fs.du(v.mountpoint), links });
  }
  // build steps' images: only the layers no listed image has take space of their own
  const cached = Object.values(tx.state.images).filter((i) => isIntermediate(tx, i));
  const cacheLayers = new Map<string, number>();
  for (const i of cached) for (const l of i.layers) if (!seen.has(l.diffId)) cacheLayers.set(l.diffId, l.size);
  return {
    images: { total: images.length, active: images.filter((i) => usersOf(tx, i).length).length, size: sum(seen), reclaimable: sum(seen) - sum(activeLayers), rows: imageRows },
    containers: {
      total: containers.length,
      active: containers.filter((c) => c.state.status === 'running').length,
      size: containerRows.reduce((s, r) => s + r.size, 0),
      reclaimable: containerRows.filter((r) => r.status !== 'running').reduce((s, r) => s + r.size, 0),
      rows: containerRows,
    },
    volumes: {
      total: volumeRows.length,
      active: volumeRows.filter((r) => r.links).length,
      size: volumeRows.reduce((s, r) => s + r.size, 0),
      reclaimable: volumeRows.filter((r) => !r.links).reduce((s, r) => s + r.size, 0),
      rows: volumeRows,
    },
    buildCache: { total: cached.length, size: sum(cacheLayers) },
  };
}
