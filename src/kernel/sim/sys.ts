// What a program inside the simulated kernel can ask of it: the system-call surface simbox is
// written against. Paths are as the calling process sees them (its root, its cwd, its mount
// namespace); errors are thrown as SysError with the errno a real call would return.

export type Errno =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'EACCES' | 'EPERM' | 'EINVAL'
  | 'EAGAIN' | 'ESRCH' | 'EBUSY' | 'EROFS' | 'ENOMEM' | 'EXDEV' | 'ELOOP' | 'ENETUNREACH' | 'ECONNREFUSED'
  | 'EHOSTUNREACH' | 'EADDRINUSE';

export const ERRNO_TEXT: Record<Errno, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOTEMPTY: 'Directory not empty',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EINVAL: 'Invalid argument',
  EAGAIN: 'Resource temporarily unavailable',
  ESRCH: 'No such process',
  EBUSY: 'Resource busy',
  EROFS: 'Read-only file system',
  ENOMEM: 'Cannot allocate memory',
  EXDEV: 'Invalid cross-device link',
  ELOOP: 'Symbolic link loop',
  ENETUNREACH: 'Network is unreachable',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  EADDRINUSE: 'Address in use',
};

export class SysError extends Error {
  constructor(readonly errno: Errno, readonly path?: string) {
    super(ERRNO_TEXT[errno]);
    this.name = 'SysError';
  }
}

export type FileType = 'file' | 'dir' | 'symlink' | 'chardev';

export interface Stat {
  type: FileType;
  /** permission bits, e.g. 0o755 */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  mtime: number;
  /** for symlinks */
  target?: string;
  /** for device nodes */
  rdev?: [number, number];
}

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

export interface PsRow {
  pid: number;
  ppid: number;
  user: string;
  argv: string[];
  state: string;
  rssKb: number;
  vszKb: number;
  startedAt: number;
}

export interface NetIf {
  index: number;
  name: string;
  /** veth peer name shown as name@peer (ifindex unknown inside ns: if12) */
  peer?: string;
  mac: string;
  mtu: number;
  up: boolean;
  kind: 'loopback' | 'veth' | 'bridge';
  addrs: string[];
}

export interface Route {
  dest: string;
  via?: string;
  dev: string;
  src?: string;
}

/** What a blocking command asks the kernel to do with its process. */
export type BlockProgram =
  | { kind: 'sleep'; ms: number | null }
  | { kind: 'hold'; bytes: number; ms: number | null }
  /** serve files over HTTP on a TCP port until killed (busybox httpd); daemon = fork and let the parent exit */
  | { kind: 'serve'; port: number; root: string; ms: null; daemon?: boolean };

export interface SysCtx {
  // identity
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly gid: number;
  /** supplementary groups, when the process was started with some (USER) */
  readonly groups?: number[];
  readonly argv: string[];
  hostname(): string;
  /** sethostname(2) in the caller's UTS namespace; EPERM without CAP_SYS_ADMIN */
  setHostname(name: string): void;
  uname(): { sysname: string; nodename: string; release: string; version: string; machine: string };
  now(): number;

  // files
  cwd(): string;
  chdir(path: string): void;
  stat(path: string): Stat;
  lstat(path: string): Stat;
  readFile(path: string): string;
  writeFile(path: string, data: string, opts?: { append?: boolean; mode?: number }): void;
  readdir(path: string): string[];
  mkdir(path: string, mode?: number): void;
  unlink(path: string): void;
  rmdir(path: string): void;
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  chmod(path: string, mode: number): void;
  mounts(): MountEntry[];
  mount(spec: { source: string; target: string; fstype: string; options: string[] }): void;
  umount(target: string): void;
  /** for df: filesystem size/used/available in bytes of the mount holding path */
  statfs(target: string): { size: number; used: number; avail: number };

  // processes
  processes(): PsRow[];
  kill(pid: number, signal: string): void;
  /** fork a child running argv (a simbox command line); throws SysError('EAGAIN') past pids.max */
  spawnChild(argv: string[], program: BlockProgram | { kind: 'shell'; script: string }): number;
  /** charge a short-lived fork against pids.max; throws SysError('EAGAIN') when it would exceed it */
  forkCheck(): void;
  meminfo(): { totalKb: number; usedKb: number; freeKb: number; sharedKb: number; buffCacheKb: number; availableKb: number; swapTotalKb: number };
  /** the calling process's cgroup path, as /proc/self/cgroup shows it */
  cgroup(): string;

  // network
  interfaces(): NetIf[];
  routes(): Route[];
  /** round-trip time in ms, or null when no route or no such host */
  ping(addr: string): { rttMs: number; ttl: number; from: string } | null;
  resolve(name: string): string | null;
  /** an HTTP GET to a server in some reachable network namespace; throws ECONNREFUSED, EHOSTUNREACH, ENETUNREACH */
  httpGet(ip: string, port: number, path: string): { status: number; body: string };

  // output
  stdout(text: string): void;
  stderr(text: string): void;
  stdin(): string;
  /** true the first time key is asked in this kernel session (one CLI invocation), false after */
  firstTime(key: string): boolean;
}
