// The simulated disk: a tree of plain JSON objects (no classes, Maps or cycles), because the whole
// kernel state is JSON.stringify'd between CLI invocations. Like an inode, each node carries mode,
// owner, mtime and xattrs; directories hold names -> nodes (see Documentation/filesystems/vfs.rst).

export interface Meta {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  xattrs?: Record<string, string>;
}
export type DirNode = Meta & { t: 'dir'; entries: Record<string, FsNode> };
export type FileNode = Meta & { t: 'file'; data: string };
export type LinkNode = Meta & { t: 'link'; target: string };
export type DevNode = Meta & { t: 'dev'; major: number; minor: number };
export type FsNode = DirNode | FileNode | LinkNode | DevNode;

export const DIR_SIZE = 4096;

export function newDir(mode = 0o755, uid = 0, gid = 0, mtime = 0): DirNode {
  return { t: 'dir', mode, uid, gid, mtime, entries: {} };
}

export function newFile(data = '', mode = 0o644, uid = 0, gid = 0, mtime = 0): FileNode {
  return { t: 'file', mode, uid, gid, mtime, data };
}

export function newLink(target: string, uid = 0, gid = 0, mtime = 0): LinkNode {
  return { t: 'link', mode: 0o777, uid, gid, mtime, target };
}

export function newDev(major: number, minor: number, mode = 0o666, uid = 0, gid = 0, mtime = 0): DevNode {
  return { t: 'dev', mode, uid, gid, mtime, major, minor };
}

/** Deep copy (the nodes are plain JSON, so structuredClone is exact). */
export function cloneNode<T extends FsNode>(n: T): T {
  return structuredClone(n);
}

/** Bytes a file's data takes (UTF-8, as the string would be written to a real disk). */
export function dataBytes(data: string): number {
  return Buffer.byteLength(data, 'utf8');
}

/** Roughly `du -sb`: file data lengths + symlink target lengths + 4096 per directory. */
export function treeSize(n: FsNode): number {
  switch (n.t) {
    case 'file':
      return dataBytes(n.data);
    case 'link':
      return dataBytes(n.target);
    case 'dev':
      return 0;
    case 'dir': {
      let sum = DIR_SIZE;
      for (const c of Object.values(n.entries)) sum += treeSize(c);
      return sum;
    }
  }
}

/** Number of non-directory entries (files, symlinks, device nodes) in a tree. */
export function countFiles(n: FsNode): number {
  if (n.t !== 'dir') return 1;
  let sum = 0;
  for (const c of Object.values(n.entries)) sum += countFiles(c);
  return sum;
}

/** Walk names from a node literally (no symlinks followed); undefined when absent. */
export function walkNode(root: FsNode, names: readonly string[]): FsNode | undefined {
  let n: FsNode | undefined = root;
  for (const name of names) {
    if (!n || n.t !== 'dir') return undefined;
    n = Object.prototype.hasOwnProperty.call(n.entries, name) ? n.entries[name] : undefined;
  }
  return n;
}
