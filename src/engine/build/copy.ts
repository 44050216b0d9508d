// COPY and ADD: the layer's entries, made directly from the sources (the build context, an
// earlier stage's root filesystem, or an image), as Docker's copier lays them out — a file to a
// file or into a directory, a directory's contents into the destination, wildcards matched with
// Go's filepath.Match, missing parent directories created, `--chown` and `--chmod` applied, and
// for ADD a local tar archive unpacked. Plus the content checksum the build cache keys on.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { FsEntry } from '../../kernel/kernel.js';
import type { Tx } from '../lab.js';
import { UserError } from '../errors.js';
import { readLayer, sanitize } from '../images/layers.js';
import { cleanRel } from './context.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Go's filepath.Match for one pattern against one slash-separated path: `*` and `?` stay within a segment. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const hasGlob = (s: string) => /[*?[]/.test(s);

export interface Owner {
  uid: number;
  gid: number;
}

/** --chown=user[:group]: numbers, or names looked up in the image's /etc/passwd and /etc/group. */
export function resolveChown(spec: string, tree: Map<string, FsEntry>): Owner {
  const [user, group] = spec.split(':');
  const lookup = (file: string, name: string, what: 'uid' | 'gid'): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const text = tree.get(file)?.data?.toString('utf8') ?? '';
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length > 3) return Number(f[2]);
    }
    const kind = what === 'uid' ? 'user' : 'group';
    throw new UserError(`unable to convert uid/gid chown string to host mapping: can't find ${what} for ${kind} ${name}: no such ${kind}: ${name}`, `Use numbers (--chown=1000:1000), or a ${kind} the image's /etc/${what === 'uid' ? 'passwd' : 'group'} has.`, 1);
  };
  const uid = lookup('etc/passwd', user, 'uid');
  let gid = uid;
  if (group !== undefined && group !== '') gid = lookup('etc/group', group, 'gid');
  else if (!/^\d+$/.test(user)) {
    // a user name alone: its primary group
    const text = tree.get('etc/passwd')?.data?.toString('utf8') ?? '';
    const row = text.split('\n').map((l) => l.split(':')).find((f) => f[0] === user);
    if (row && row.length > 3) gid = Number(row[3]);
  }
  return { uid, gid };
}

export interface CopySpec {
  instruction: 'COPY' | 'ADD';
  /** sources as written (after expansion) */
  sources: string[];
  /** destination as written (after expansion) */
  dest: string;
  workdir: string;
  /** where the sources come from: the context, or a root filesystem; relative paths */
  from: Map<string, FsEntry>;
  fromContext: boolean;
  /** the image so far (flattened), to see what exists at the destination */
  image: Map<string, FsEntry>;
  chown?: Owner;
  chmod?: number;
  now: number;
}

export interface CopyResult {
  entries: FsEntry[];
  /** `file:<hex>`, `dir:<hex>` or `multi:<hex>`, as Docker writes it in history */
  checksum: string;
}

function notFound(instr: string, src: string): UserError {
  return new UserError(
    `${instr} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`,
    'Check the path (relative to the context directory) and the .dockerignore file.',
    1,
  );
}

/** The entries a source names: itself and, for a directory, everything under it. */
function under(from: Map<string, FsEntry>, root: string): FsEntry[] {
  const out: FsEntry[] = [];
  for (const [p, e] of from) if (root === '' || p === root || p.startsWith(`${root}/`)) out.push(e);
  return out;
}

function isArchive(e: FsEntry): boolean {
  const d = e.data;
  if (!d) return false;
  if (d.length >= 2 && d[0] === 0x1f && d[1] === 0x8b) return true;
  return d.length >= 263 && d.subarray(257, 262).toString('latin1') === 'ustar';
}

export async function copyEntries(spec: CopySpec): Promise<CopyResult> {
  const instr = spec.instruction;
  // matched sources: [root path inside `from`, its entry]
  const matched: { root: string; entry: FsEntry }[] = [];
  for (const raw of spec.sources) {
    if (instr === 'ADD' && /^(https?|git):\/\/|^git@/.test(raw)) {
      throw new UserError(`ADD from a URL (${raw}) is not supported by boxlab: there is no network in the lab.`, 'Download the file into the context and ADD or COPY it from there.', 1);
    }
    if (spec.fromContext && posix.normalize(raw.replace(/^\/+/, '')).startsWith('..')) {
      throw new UserError(`forbidden path outside the build context: ${raw} ()`, 'COPY and ADD take files from inside the context only.', 1);
    }
    const src = cleanRel(raw);
    if (hasGlob(src)) {
      const re = globToRegExp(src);
      const hits = [...spec.from.keys()].filter((p) => re.test(p));
      if (!hits.length) throw notFound(instr, raw);
      for (const h of hits) matched.push({ root: h, entry: spec.from.get(h)! });
      continue;
    }
    if (src === '') {
      matched.push({ root: '', entry: { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: spec.now } });
      continue;
    }
    const e = spec.from.get(src);
    if (!e) throw notFound(instr, raw);
    matched.push({ root: src, entry: e });
  }

  const destAbs = posix.isAbsolute(spec.dest) ? spec.dest : posix.join(spec.workdir || '/', spec.dest);
  const dest = cleanRel(destAbs);
  const destEntry = spec.image.get(dest);
  const slash = /\/$/.test(spec.dest) || /(^|\/)\.$/.test(spec.dest) || dest === '';
  const destIsDir = slash || destEntry?.type === 'dir';
  if ((spec.sources.length > 1 || matched.length > 1) && !destIsDir) {
    throw new UserError(`When using ${instr} with more than one source file, the destination must be a directory and end with a /`, `Write the destination as ${spec.dest}/`, 1);
  }

  const out = new Map<string, FsEntry>();
  const own = (e: FsEntry, keepOwner: boolean): FsEntry => {
    const o = spec.chown ?? (keepOwner ? { uid: e.uid, gid: e.gid } : { uid: 0, gid: 0 });
    const mode = spec.chmod !== undefined && e.type !== 'symlink' ? spec.chmod : e.mode & 0o7777;
    return { ...e, uid: o.uid, gid: o.gid, mode };
  };
  const put = (e: FsEntry) => {
    if (!e.path) return;
    out.set(e.path, e);
  };
  const join = (a: string, b: string) => (a && b ? `${a}/${b}` : a || b);
  const sums: string[] = [];
  const keepOwner = !spec.fromContext;

  for (const { root, entry } of matched) {
    if (entry.type === 'dir') {
      const base = root === '' ? '' : `${root}/`;
      // the destination directory itself: as it is in the image, else like the source directory
      if (dest && !destEntry) put(own({ ...entry, path: dest }, keepOwner));
      else if (dest && destEntry && spec.chown) put({ ...destEntry, path: dest, uid: spec.chown.uid, gid: spec.chown.gid });
      for (const e of under(spec.from, root)) {
        if (e.path === root) continue;
        const rel = e.path.slice(base.length);
        sums.push(`${e.type} ${rel} ${(e.mode & 0o7777).toString(8)} ${e.linkname ?? ''} ${e.data ? sha(e.data) : ''}`);
        put(own({ ...e, path: join(dest, rel), ...(e.type === 'hardlink' && e.linkname ? { linkname: join(dest, e.linkname.slice(base.length)) } : {}) }, keepOwner));
      }
      continue;
    }
    const name = root.slice(root.lastIndexOf('/') + 1);
    sums.push(`${entry.type} ${name} ${(entry.mode & 0o7777).toString(8)} ${entry.linkname ?? ''} ${entry.data ? sha(entry.data) : ''}`);
    if (instr === 'ADD' && entry.type === 'file' && spec.fromContext && isArchive(entry)) {
      let files: FsEntry[];
      try {
        files = sanitize(await readLayer(entry.data!));
      } catch {
        files = [];
      }
      if (files.length) {
        if (dest && !destEntry) put({ path: dest, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: spec.now });
        for (const f of files) put({ ...f, path: join(dest, f.path), ...(f.type === 'hardlink' && f.linkname ? { linkname: join(dest, f.linkname) } : {}) });
        continue;
      }
    }
    const target = destIsDir ? join(dest, name) : dest;
    if (destIsDir && dest && !destEntry) put({ path: dest, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: spec.now });
    put(own({ ...entry, path: target }, keepOwner));
  }

  // missing parent directories are made (root:root 0755); existing ones keep what they are
  for (const p of [...out.keys()]) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (out.has(dir)) continue;
      const existing = spec.image.get(dir);
      out.set(dir, existing && existing.type === 'dir' ? { ...existing, path: dir } : { path: dir, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: spec.now });
    }
  }
  const entries = [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const kind = matched.length > 1 ? 'multi' : matched[0]?.entry.type === 'dir' ? 'dir' : 'file';
  const sum = kind === 'file' && matched[0]?.entry.data ? sha(matched[0].entry.data) : sha(sums.sort().join('\n'));
  return { entries, checksum: `${kind}:${sum}` };
}

/** The root filesystem that overlay layer directories make (bottom first), read through the kernel; a missing one adds nothing. */
export async function readRoot(tx: Pick<Tx, 'kernel'>, layerDirs: string[]): Promise<Map<string, FsEntry>> {
  const trees: FsEntry[][] = [];
  for (const d of layerDirs) if (await tx.kernel.fs.exists(d)) trees.push(await tx.kernel.fs.readTree(d));
  return mergeTrees(trees);
}

/** The merged root filesystem of overlay-format layer trees (bottom first): whiteouts and opaque dirs applied. */
export function mergeTrees(trees: FsEntry[][]): Map<string, FsEntry> {
  const merged = new Map<string, FsEntry>();
  const drop = (prefix: string, self: boolean) => {
    for (const k of [...merged.keys()]) if ((self && k === prefix) || k.startsWith(`${prefix}/`)) merged.delete(k);
  };
  for (const tree of trees) {
    for (const raw of tree) {
      const e = { ...raw, path: cleanRel(raw.path) };
      if (!e.path) continue;
      if (e.type === 'chardev' && e.devmajor === 0 && e.devminor === 0) {
        drop(e.path, true);
        continue;
      }
      if (e.type === 'dir' && e.xattrs?.['trusted.overlay.opaque'] === 'y') drop(e.path, false);
      if (e.type !== 'dir') drop(e.path, true);
      const { xattrs, ...rest } = e;
      const kept = xattrs ? Object.fromEntries(Object.entries(xattrs).filter(([k]) => !k.startsWith('trusted.overlay.'))) : {};
      merged.set(e.path, Object.keys(kept).length ? { ...rest, xattrs: kept } : rest);
    }
  }
  return merged;
}
