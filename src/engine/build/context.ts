// Build contexts, as `docker build` sends them: a directory on the real disk, a tar (plain or
// gzip'd, from a file or stdin), or nothing (`docker build - < Dockerfile`). The context becomes
// a map of relative paths to entries, with what .dockerignore excludes left out (Docker's rules:
// `*`, `?`, `**`, `!` exceptions, the last matching line wins). The Dockerfile is read from the
// context even when .dockerignore names it, as Docker does; COPY cannot use it then.
import dockerignore from '@balena/dockerignore';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import type { FsEntry } from '../../kernel/kernel.js';
import { UserError } from '../errors.js';
import { readLayer } from '../images/layers.js';

// the package is CommonJS (module.exports = factory) with typings that say `export default`
type IgnoreFactory = typeof dockerignore.default;
const ignore: IgnoreFactory = (dockerignore as unknown as { default?: IgnoreFactory }).default ?? (dockerignore as unknown as IgnoreFactory);

export type BuildContextSpec = { kind: 'dir'; path: string } | { kind: 'tar'; data: Buffer } | { kind: 'none' };

export interface BuildContext {
  kind: BuildContextSpec['kind'];
  /** relative path ('a/b') → entry; every directory that holds a kept entry is present */
  entries: Map<string, FsEntry>;
  /** the Dockerfile's text */
  dockerfile: string;
  /** the .dockerignore lines in force */
  ignored: string[];
}

/** A tar on stdin (`boxlab build - < ctx.tar`) rather than a Dockerfile: gzip magic or a ustar header. */
export function looksLikeTar(buf: Buffer): boolean {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
  return buf.length >= 263 && buf.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Docker's ReadAll for .dockerignore: comments and blank lines dropped, paths cleaned. */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (!line) continue;
    let neg = false;
    if (line.startsWith('!')) {
      neg = true;
      line = line.slice(1).trim();
    }
    if (line.length > 0) {
      line = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
      if (line === '') line = '.';
    }
    out.push(neg ? `!${line}` : line);
  }
  return out;
}

/** "./a//b/" → "a/b"; '' is the root. Climbing out of the root stays at the root. */
export function cleanRel(p: string): string {
  const out: string[] = [];
  for (const part of p.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function filterIgnored(entries: Map<string, FsEntry>, patterns: string[]): Map<string, FsEntry> {
  if (!patterns.length) return entries;
  const ig = ignore().add(patterns);
  const kept = new Map<string, FsEntry>();
  for (const [p, e] of entries) {
    if (e.type === 'dir') continue;
    if (!ig.ignores(p)) kept.set(p, e);
  }
  // a directory stays when it is not excluded itself, or when something inside it is kept
  for (const [p, e] of entries) {
    if (e.type !== 'dir') continue;
    if (!ig.ignores(p)) kept.set(p, e);
  }
  for (const p of [...kept.keys()]) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!kept.has(dir)) kept.set(dir, entries.get(dir) ?? syntheticDir(dir));
    }
  }
  return new Map([...kept.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function syntheticDir(path: string): FsEntry {
  return { path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}

function walkDir(root: string): Map<string, FsEntry> {
  const out = new Map<string, FsEntry>();
  const walk = (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = join(abs, name);
      const st = lstatSync(full);
      const base = { path: r, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: Math.floor(st.mtimeMs) };
      if (st.isDirectory()) {
        out.set(r, { ...base, type: 'dir' });
        walk(r);
      } else if (st.isSymbolicLink()) out.set(r, { ...base, type: 'symlink', linkname: readlinkSync(full) });
      else if (st.isFile()) out.set(r, { ...base, type: 'file', data: readFileSync(full) });
      // sockets, fifos and devices are not sent, as docker leaves them out of the context tar
    }
  };
  walk('');
  return out;
}

async function tarEntries(data: Buffer): Promise<Map<string, FsEntry>> {
  let raw: FsEntry[];
  try {
    raw = await readLayer(data);
  } catch (e) {
    throw new UserError(`the build context is not a valid tar archive: ${(e as Error).message}`, 'Send a tar (or tar.gz) of the context, or a Dockerfile alone.', 1);
  }
  const out = new Map<string, FsEntry>();
  for (const e of raw) {
    const path = cleanRel(e.path);
    if (!path) continue;
    out.set(path, { ...e, path, uid: 0, gid: 0 });
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!out.has(dir)) out.set(dir, syntheticDir(dir));
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Read a build context. `dockerfile` is a path inside the context (default `Dockerfile`);
 * `dockerfileText` gives the Dockerfile itself (stdin, or `-f` outside the context).
 */
export async function loadContext(spec: BuildContextSpec, opts: { dockerfile?: string; dockerfileText?: string } = {}): Promise<BuildContext> {
  let entries: Map<string, FsEntry>;
  if (spec.kind === 'dir') {
    const root = resolve(spec.path);
    if (!existsSync(root)) throw new UserError(`unable to prepare context: path "${spec.path}" not found`, 'Give the directory that holds the Dockerfile and the files it copies.', 1);
    if (!statSync(root).isDirectory()) throw new UserError(`unable to prepare context: context must be a directory: ${root}`, 'Give a directory, or - to read a Dockerfile or a tar from stdin.', 1);
    entries = walkDir(root);
  } else if (spec.kind === 'tar') entries = await tarEntries(spec.data);
  else entries = new Map();

  let dockerfile = opts.dockerfileText;
  if (dockerfile === undefined) {
    const name = cleanRel(opts.dockerfile ?? 'Dockerfile');
    const e = entries.get(name);
    // Docker also accepts `dockerfile` in lower case when `Dockerfile` is absent
    const alt = !opts.dockerfile && !e ? entries.get('dockerfile') : undefined;
    const found = e ?? alt;
    if (!found || found.type !== 'file') {
      const where = spec.kind === 'dir' ? join(resolve(spec.path), name) : name;
      throw new UserError(
        `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${where}: no such file or directory`,
        'Put a Dockerfile in the context, or name one with -f.',
        1,
      );
    }
    dockerfile = (found.data ?? Buffer.alloc(0)).toString('utf8');
  }
  const ignoreFile = entries.get('.dockerignore');
  const ignored = ignoreFile?.type === 'file' ? parseDockerignore((ignoreFile.data ?? Buffer.alloc(0)).toString('utf8')) : [];
  return { kind: spec.kind, entries: filterIgnored(entries, ignored), dockerfile, ignored };
}
