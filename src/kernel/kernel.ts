// The Kernel interface: the primitives the engine needs, and nothing more. Two implementations:
// the simulated kernel (src/kernel/sim, any OS, no root) and the real one (src/kernel/real,
// Linux + root, through the tools a person would type). The engine imports only this file.
import type { EventListener, NsIds, NsType } from './events.js';

export type Signal = 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2' | 'SIGSTOP' | 'SIGCONT';
export const SIGNAL_NUMBERS: Record<Signal, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15, SIGCONT: 18, SIGSTOP: 19,
};

/** Accept TERM, SIGTERM, 15 → SIGTERM. */
export function parseSignal(text: string): Signal | null {
  const t = text.toUpperCase().replace(/^-/, '');
  if (/^\d+$/.test(t)) {
    const hit = Object.entries(SIGNAL_NUMBERS).find(([, n]) => n === Number(t));
    return hit ? (hit[0] as Signal) : null;
  }
  const name = (t.startsWith('SIG') ? t : `SIG${t}`) as Signal;
  return name in SIGNAL_NUMBERS ? name : null;
}

/** Time, injectable so tests can run a ten-minute sleep in no time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** Where a namespace comes from: a new one, or the one another process is in. */
export type NsSource = 'new' | { pid: number } | { netns: string };

export interface Mount {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

/** one published port: host side (address, port) → the container's address and port (tcp) */
export interface PortForward {
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface SpawnSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** namespaces to create or join; missing types stay the host's */
  namespaces: Partial<Record<NsType, NsSource>>;
  /** host path of the new root (an overlay's merged dir); omitted for "same root as target" */
  rootfs?: string;
  /**
   * the root's overlay: mounted at its target (the rootfs) in the process's new mount namespace
   * (mnt: 'new' is required) as it starts, so the host's mount table never holds it; it goes
   * with that namespace when the process ends, each with its event — no mountOverlay/unmount
   */
  overlay?: OverlaySpec;
  /** extra mounts inside the container, bind mounts of volumes or host paths */
  binds?: { source: string; target: string; readonly?: boolean }[];
  hostname?: string;
  /** cgroup path relative to the cgroup root, e.g. boxlab/3f2a... */
  cgroup?: string;
  /** run as this user (USER / -u, resolved through the image's /etc/passwd and /etc/group); root when omitted */
  user?: ProcUser;
  /** host path of a log file; stdout and stderr go there as JSON lines (Docker's json-file) */
  log: string;
  stdin?: string;
  /**
   * a terminal: on a kernel that hands over the terminal (handsOverTerminal) the process gets the
   * CLI's own terminal as its stdin, stdout and stderr, in the foreground, and nothing is logged;
   * otherwise an interactive shell waits for lines sent with input()
   */
  tty?: boolean;
}

/** numeric ids a process runs with: user, primary group, supplementary groups */
export interface ProcUser {
  uid: number;
  gid: number;
  groups: number[];
}

export type ProcState = 'running' | 'sleeping' | 'stopped' | 'zombie' | 'exited';

export interface ProcStatus {
  pid: number;
  state: ProcState;
  exitCode?: number;
  signal?: Signal;
  oomKilled: boolean;
  startedAt: number;
  finishedAt?: number;
  /** an interactive shell waiting at its prompt for the next line */
  waitingInput?: boolean;
  /** its working directory, for the prompt */
  cwd?: string;
}

export interface ProcInfo {
  pid: number;
  /** the PID as seen from inside the process's own PID namespace */
  nsPid: number;
  ppid: number;
  user: string;
  argv: string[];
  state: ProcState;
  rssKb: number;
  vszKb: number;
  startedAt: number;
  cpuMs: number;
}

export interface Observation {
  pid: number;
  nsPid: number;
  ns: NsIds;
  hostNs: NsIds;
  hostname: string;
  mounts: Mount[];
  cgroup: string;
  limits: { memoryMax: number | null; pidsMax: number | null; cpuMax: string };
  usage: { memoryCurrent: number; pidsCurrent: number; oomKills: number };
  interfaces: { name: string; addrs: string[]; up: boolean }[];
}

export interface OverlaySpec {
  lower: string[];
  upper: string;
  work: string;
  target: string;
}

export interface KernelInfo {
  mode: 'sim' | 'real';
  release: string;
  hostname: string;
  cgroup: 'v2' | 'v1' | 'hybrid' | 'sim';
}

/**
 * One entry of a directory tree, as a layer tar holds it. Paths are relative ("etc/passwd").
 * An overlayfs whiteout is a chardev 0/0; an opaque directory carries the xattr
 * trusted.overlay.opaque=y (Documentation/filesystems/overlayfs.rst).
 */
export interface FsEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  /** ms since the epoch */
  mtime: number;
  data?: Buffer;
  /** symlink target, or for a hard link the path (relative to the tree) it links to */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, string>;
}

export interface KernelFs {
  mkdirp(path: string): Promise<void>;
  /** remove a tree; no error when it is absent */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** bytes used by a tree */
  du(path: string): Promise<number>;
  /** every entry under path, parents before children, without following symlinks */
  readTree(path: string): Promise<FsEntry[]>;
  /** create these entries under path (already checked by the caller: relative, no escapes) */
  writeEntries(path: string, entries: FsEntry[]): Promise<void>;
  /** lay a minimal root filesystem this kernel can run (busybox or simbox) into path */
  populateBase(path: string): Promise<{ files: number; bytes: number; description: string }>;
}

export interface KernelNet {
  ensureBridge(name: string, cidr: string): Promise<void>;
  createNetns(name: string): Promise<void>;
  deleteNetns(name: string): Promise<void>;
  /** a veth pair: host end on the bridge, peer end inside netns as `peerName` */
  createVeth(spec: { host: string; peer: string; netns: string; peerName: string; bridge: string }): Promise<void>;
  deleteLink(name: string): Promise<void>;
  addAddress(spec: { netns: string; dev: string; cidr: string }): Promise<void>;
  linkUp(spec: { netns?: string; dev: string }): Promise<void>;
  addDefaultRoute(spec: { netns: string; via: string; dev: string }): Promise<void>;
  /**
   * a container's side of the network, inside netns: lo up, cidr on dev, dev up, the default
   * route via the gateway (the four steps above, each with its event; the real kernel runs
   * them as one `ip -n NETNS -batch -`)
   */
  configure(spec: { netns: string; dev: string; cidr: string; via: string }): Promise<void>;
}

export interface Kernel {
  readonly info: KernelInfo;
  readonly clock: Clock;
  readonly fs: KernelFs;
  readonly net: KernelNet;
  /** a process spawned with tty reads and writes the CLI's terminal itself (real), rather than lines sent with input() (sim) */
  readonly handsOverTerminal?: boolean;

  on(listener: EventListener): () => void;

  spawn(spec: SpawnSpec): Promise<ProcStatus>;
  /**
   * resolves when process pid may have ended, or after timeoutMs: a kernel that can be told
   * (real: inotify on the shim's record) lets a waiter notice an exit at once instead of a poll later
   */
  whenEnded?(pid: number, timeoutMs: number): Promise<void>;
  /** like nsenter: a new process in all the namespaces, root and cgroup of `target` */
  exec(target: number, spec: Omit<SpawnSpec, 'namespaces' | 'rootfs' | 'hostname' | 'cgroup'>): Promise<ProcStatus>;
  signal(pid: number, sig: Signal): Promise<void>;
  /** type at the process's terminal: a line for its shell, or \x03 (Ctrl-C) for SIGINT to what runs in the foreground */
  input(pid: number, text: string): Promise<void>;
  /**
   * `-p`: serve host ports (tcp, host side) by passing each connection to the container's address,
   * for as long as PID `pid` lives; returns the forwarder's pid. A kernel without sockets (the
   * simulated one) has none, and the ports are only recorded.
   */
  publish?(pid: number, ports: PortForward[]): Promise<number>;
  status(pid: number): Promise<ProcStatus | null>;
  /** resolve when pid has exited, or after timeoutMs with null */
  wait(pid: number, timeoutMs?: number): Promise<ProcStatus | null>;
  /** the exit is recorded: drop the finished process (as waitpid reaps a zombie) */
  forget(pid: number): void;
  /** processes in the PID namespace of pid, as `ps` inside it would list them */
  processes(pid: number): Promise<ProcInfo[]>;
  observe(pid: number): Promise<Observation>;

  mountOverlay(spec: OverlaySpec): Promise<void>;
  unmount(target: string): Promise<void>;

  cgroupCreate(path: string): Promise<void>;
  cgroupWrite(path: string, file: string, value: string): Promise<void>;
  cgroupRead(path: string, file: string): Promise<string>;
  cgroupRemove(path: string): Promise<void>;

  /** a serialisable snapshot of kernel state (sim); undefined when the kernel is the machine itself */
  exportState(): unknown;
}

/** A kernel call failed in a way the user can act on. */
export class KernelError extends Error {
  constructor(
    message: string,
    readonly errno: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}
