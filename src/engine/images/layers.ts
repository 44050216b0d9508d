// Layers as the OCI image spec defines them (image-spec layer.md): a tar of the changes, gzip'd.
// A deleted file is a `.wh.NAME` entry; a directory whose lower contents are hidden holds a
// `.wh..wh..opq` entry. overlayfs writes the same facts differently (a chardev 0/0, the xattr
// trusted.overlay.opaque=y), so a container's upper dir converts to a layer and a layer converts
// to an overlay lower dir. Nothing a tar says may land outside the directory it is unpacked into.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip, gunzipSync } from 'node:zlib';
import tar, { type Header as Headers } from 'tar-stream';
import type { FsEntry } from '../../kernel/kernel.js';
import { UserError } from '../errors.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OVERLAY_OPAQUE = 'trusted.overlay.opaque';

export interface PackedLayer {
  /** the gzip'd tar: the blob */
  blob: Buffer;
  /** sha256 of the blob (the manifest's layer digest) */
  digest: string;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids) */
  diffId: string;
  /** uncompressed size */
  size: number;
}


const TAR_TYPE: Record<FsEntry['type'], Headers['type']> = {
  file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'link', chardev: 'character-device', blockdev: 'block-device', fifo: 'fifo',
};
const FROM_TAR: Record<string, FsEntry['type']> = {
  file: 'file', 'contiguous-file': 'file', directory: 'dir', symlink: 'symlink', link: 'hardlink',
  'character-device': 'chardev', 'block-device': 'blockdev', fifo: 'fifo',
};

/** Entries → tar → gzip, deterministically (same entries, same digests); tar and gzip run side by side. */
export async function packLayer(entries: FsEntry[]): Promise<PackedLayer> {
  const pack = tar.pack();
  const gzip = createGzip({ level: 6 });
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const blobChunks: Buffer[] = [];
  let size = 0;
  pack.on('data', (c) => {
    tarHash.update(c as Buffer);
    size += (c as Buffer).length;
  });
  gzip.on('data', (c: Buffer) => {
    blobHash.update(c);
    blobChunks.push(c);
  });
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(gzip);
  for (const e of entries) {
    const header: Headers = {
      name: e.type === 'dir' ? `${e.path}/` : e.path,
      mode: e.mode & 0o7777,
      uid: e.uid,
      gid: e.gid,
      mtime: new Date(Math.floor(e.mtime / 1000) * 1000),
      type: TAR_TYPE[e.type],
      size: e.type === 'file' ? (e.data?.length ?? 0) : 0,
      linkname: e.linkname ?? '',
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
      uname: e.uid === 0 ? 'root' : '',
      gname: e.gid === 0 ? 'root' : '',
    };
    const body = e.type === 'file' ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  const blob = Buffer.concat(blobChunks);
  return { blob, digest: `sha256:${blobHash.digest('hex')}`, diffId: `sha256:${tarHash.digest('hex')}`, size };
}

/** A layer's size as a built layer records it: the bytes of its uncompressed tar (what its diff id hashes). */
export function tarSize(blob: Buffer): number {
  return blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob, { maxOutputLength: LAYER_LIMITS.bytes }).length : blob.length;
}

/** The most a layer may unpack to, and the most entries it may hold: a tar bomb stops here. */
export const LAYER_LIMITS = { bytes: 2 * 1024 ** 3, entries: 500_000 };

/** A tar or tar+gzip blob → entries, in tar order. */
export async function readLayer(blob: Buffer, limits = LAYER_LIMITS): Promise<FsEntry[]> {
  const bomb = (what: string) =>
    new UserError(`the layer unpacks to more than ${what}; refused (a tar bomb?).`, 'Use a smaller layer; the limit protects the lab\'s disk.', 1);
  let raw: Buffer;
  try {
    raw = blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob, { maxOutputLength: limits.bytes }) : blob;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw bomb(`${limits.bytes} bytes`);
    throw new UserError(`the layer is not valid gzip data (${(e as Error).message}).`, 'The blob is damaged: pull or build the image again.', 1);
  }
  if (raw.length > limits.bytes) throw bomb(`${limits.bytes} bytes`);
  const extract = tar.extract();
  const out: FsEntry[] = [];
  const input = Readable.from([raw]);
  input.pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    const type = FROM_TAR[h.type ?? 'file'];
    if (!type) continue; // pax/global headers and the like carry no file
    if (out.length >= limits.entries) throw bomb(`${limits.entries} entries`);
    out.push({
      path: h.name.replace(/\/+$/, ''),
      type,
      mode: h.mode ?? (type === 'dir' ? 0o755 : 0o644),
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      mtime: h.mtime ? h.mtime.getTime() : 0,
      ...(type === 'file' ? { data: Buffer.concat(parts) } : {}),
      ...(h.linkname ? { linkname: h.linkname } : {}),
      ...(type === 'chardev' || type === 'blockdev' ? { devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0 } : {}),
    });
  }
  return out;
}

function refuse(path: string, why: string): UserError {
  return new UserError(`layer entry '${path}' ${why}; refused to unpack it.`, 'The tar is damaged or hostile: use an image from a source you trust.', 1);
}

/** "./a/../b/" → "b"; anything that climbs out of the root is refused. */
export function cleanPath(raw: string): string {
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) throw refuse(raw, 'climbs out of the layer with ..');
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/**
 * Make tar entries safe to create under a directory: relative clean paths, nothing written
 * through a symlink the layer itself made (a classic way out), hard links only to files already
 * in the layer and not through a symlink, absolute paths taken as relative to the root (as
 * Docker does), duplicates resolved to the last one.
 */
export function sanitize(entries: FsEntry[]): FsEntry[] {
  const symlinks = new Set<string>();
  const files = new Set<string>();
  const throughSymlink = (p: string) => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) if (symlinks.has(parts.slice(0, i).join('/'))) return true;
    return false;
  };
  const out = new Map<string, FsEntry>();
  for (const e of entries) {
    const path = cleanPath(e.path);
    if (!path) continue; // the root itself
    if (throughSymlink(path)) throw refuse(e.path, 'is written through a symlink');
    const clean: FsEntry = { ...e, path, mode: e.mode & 0o7777 };
    if (e.type === 'hardlink') {
      const target = cleanPath(e.linkname ?? '');
      if (!target || throughSymlink(target)) throw refuse(e.path, `links to '${e.linkname}', outside the layer`);
      if (!files.has(target)) throw refuse(e.path, `links to '${e.linkname}', which the layer does not hold`);
      clean.linkname = target;
    }
    if (e.type === 'symlink') symlinks.add(path);
    else symlinks.delete(path);
    if (e.type === 'file' || e.type === 'hardlink') files.add(path);
    out.delete(path);
    out.set(path, clean);
  }
  return [...out.values()];
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** A container's upper dir (overlay format) → layer entries (OCI whiteouts). */
export function upperToLayer(upper: FsEntry[]): FsEntry[] {
  const out: FsEntry[] = [];
  for (const e of upper) {
    const xattrs = e.xattrs ? Object.fromEntries(Object.entries(e.xattrs).filter(([k]) => !k.startsWith('trusted.overlay.'))) : undefined;
    const clean: FsEntry = { ...e, ...(xattrs && Object.keys(xattrs).length ? { xattrs } : { xattrs: undefined }) };
    if (e.type === 'chardev' && e.devmajor === 0 && e.devminor === 0) {
      const dir = dirName(e.path);
      out.push({ path: `${dir ? dir + '/' : ''}${WHITEOUT_PREFIX}${baseName(e.path)}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: e.mtime, data: Buffer.alloc(0) });
      continue;
    }
    out.push(clean);
    if (e.type === 'dir' && e.xattrs?.[OVERLAY_OPAQUE] === 'y') {
      out.push({ path: `${e.path}/${OPAQUE_MARKER}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: e.mtime, data: Buffer.alloc(0) });
    }
  }
  return out;
}

/** Layer entries (OCI whiteouts) → an overlay lower dir's entries (whiteouts as overlayfs reads them). */
export function layerToOverlay(layer: FsEntry[]): FsEntry[] {
  const safe = sanitize(layer);
  const out: FsEntry[] = [];
  const opaque = new Set<string>();
  for (const e of safe) {
    const name = baseName(e.path);
    if (name === OPAQUE_MARKER) {
      opaque.add(dirName(e.path));
      continue;
    }
    if (name.startsWith(WHITEOUT_PREFIX)) {
      const dir = dirName(e.path);
      out.push({ path: `${dir ? dir + '/' : ''}${name.slice(WHITEOUT_PREFIX.length)}`, type: 'chardev', mode: 0, uid: 0, gid: 0, mtime: e.mtime, devmajor: 0, devminor: 0 });
      continue;
    }
    out.push(e);
  }
  for (const dir of opaque) {
    const d = out.find((e) => e.path === dir && e.type === 'dir');
    if (d) d.xattrs = { ...(d.xattrs ?? {}), [OVERLAY_OPAQUE]: 'y' };
    else out.push({ path: dir, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, xattrs: { [OVERLAY_OPAQUE]: 'y' } });
  }
  // parents before children
  return out.sort((a, b) => (a.path === b.path ? 0 : a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1)));
}
