// The simulated kernel's whole state as plain JSON: written to the state dir after each CLI
// invocation and read back by the next, so a container started by one `boxlab run -d` is still
// running (its sleep still counting down) when `boxlab ps` looks.
import type { NsIds, NsType } from '../events.js';
import type { Signal } from '../kernel.js';
import type { DirNode } from './fs/tree.js';
import type { MountNs } from './fs/vfs.js';
import type { BlockProgram } from './sys.js';
import type { Cont } from './simbox/index.js';

export interface SimNamespace {
  id: number;
  type: NsType;
  /** pid namespaces: the parent pid namespace id (host's has none) */
  parent?: number;
  /** pid namespaces: the next PID to hand out inside */
  nextPid?: number;
  /** uts */
  hostname?: string;
  /** mnt */
  mounts?: MountNs['mounts'];
  /** net: interfaces and routes */
  ifaces?: SimIface[];
  routes?: { dest: string; via?: string; dev: string }[];
  /** net: the last interface index handed out here (indexes are not reused) */
  lastIfIndex?: number;
  /** net: the name under /run/netns, when it has one */
  name?: string;
  /** cgroup namespaces: the cgroup that is "/" inside */
  cgroupRoot?: string;
}

export interface SimIface {
  index: number;
  name: string;
  kind: 'loopback' | 'veth' | 'bridge' | 'ether';
  mac: string;
  mtu: number;
  up: boolean;
  addrs: string[];
  /** veth: the peer's name and net namespace id */
  peer?: { name: string; ns: number };
  /** veth host end: the bridge it is enslaved to */
  master?: string;
}

export interface SimProc {
  pid: number;
  ppid: number;
  /** the PID in every pid namespace it is visible in, keyed by namespace id */
  nsPids: Record<string, number>;
  ns: NsIds;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  uid: number;
  gid: number;
  /** supplementary groups, when set (a container started with USER) */
  groups?: number[];
  cgroup: string;
  state: 'R' | 'S' | 'T' | 'X';
  exitCode?: number;
  signal?: Signal;
  oomKilled: boolean;
  startedAt: number;
  finishedAt?: number;
  log: string;
  /** what is left to read on stdin */
  stdin?: string;
  memBytes: number;
  /** blocked until this time (ms since epoch); null = until a signal */
  wake?: number | null;
  /** what it is blocked in */
  program?: BlockProgram;
  /** a shell waiting for a foreground child, or for all its children */
  waitChild?: number;
  waitAll?: boolean;
  cont?: Cont;
  /** an interactive shell at its prompt */
  prompt?: boolean;
  /** set when this process was started as the init of a container (kept after exit for status) */
  keep?: boolean;
  /** the root overlay mounted in this process's new mount namespace at spawn (its target): it goes with it */
  overlay?: string;
}

export interface SimCgroup {
  files: Record<string, string>;
  oomKills: number;
  ooms: number;
  pidsMaxEvents: number;
}

export interface SimState {
  version: 1;
  nextPid: number;
  nextNsId: number;
  /** no longer read (interface indexes count per namespace: SimNamespace.lastIfIndex); kept so saved states load */
  nextIfIndex: number;
  host: DirNode;
  hostNs: NsIds;
  namespaces: Record<string, SimNamespace>;
  procs: Record<string, SimProc>;
  cgroups: Record<string, SimCgroup>;
  bootedAt: number;
}
