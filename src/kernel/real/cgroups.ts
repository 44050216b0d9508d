// cgroups: a directory per group under a controller's mount; limits are files you write
// (Documentation/admin-guide/cgroup-v2.rst, .../cgroup-v1/). boxlab speaks the v2 file names
// (memory.max, pids.max, cpu.max, memory.events) and a driver maps them to what this machine
// has: pure v2, v1, or hybrid (v1 controllers with an empty v2 at /sys/fs/cgroup/unified).
import { KernelError } from '../kernel.js';
import { cgroupLayout } from './probe.js';
import { CgroupV1 } from './cgroups-v1.js';
import { CgroupV2 } from './cgroups-v2.js';

/** One file write or read, with the command a person would type for it. */
export interface CgroupOp {
  file: string;
  value: string;
  command: string;
}

export interface CgroupDriver {
  readonly layout: 'v1' | 'v2' | 'hybrid';
  readonly root: string;
  /** every directory a group lives in (one per v1 controller) */
  dirs(path: string): string[];
  /** mkdir the group (parents first); returns the command */
  create(path: string): string;
  /** write a v2-named file, mapped to this layout: the writes done */
  write(path: string, file: string, value: string): CgroupOp[];
  /** read a v2-named file, synthesised from v1 files where needed */
  read(path: string, file: string): string;
  /** rmdir the group (and the boxlab parent when it is empty); returns the command */
  remove(path: string): string;
  /** the cgroup.procs files a process writes its pid into to join the group */
  procsFiles(path: string): string[];
  /**
   * the files a single-threaded process writes 0 into to join the group itself: v1's tasks
   * files, where moving the writing thread needs no machine-wide lock (a write of a pid to
   * cgroup.procs takes one, and waits out an RCU grace period, milliseconds, when it has been
   * idle); v2 has only cgroup.procs
   */
  selfJoinFiles(path: string): string[];
  /** the cgroup.procs files of the groups /proc/self/cgroup names (where this CLI runs) */
  homeProcsFiles(selfCgroup: string): string[];
}

/** boxlab/abc → boxlab/abc; refuses anything outside the boxlab parent. */
export function cleanPath(path: string): string {
  const p = path.replace(/^\/+|\/+$/g, '');
  if (!/^boxlab(\/[A-Za-z0-9_.-]+)*$/.test(p) || p.split('/').includes('..')) {
    throw new KernelError(`cgroup ${path}: boxlab only manages cgroups under boxlab/`, 'EPERM');
  }
  return p;
}

export function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'EIO';
}

export function cgroupDriver(root = '/sys/fs/cgroup'): CgroupDriver {
  const layout = cgroupLayout(root);
  if (layout === 'v2') return new CgroupV2(root);
  if (layout === 'v1' || layout === 'hybrid') return new CgroupV1(root, layout);
  throw new KernelError(`no cgroup filesystem at ${root}`, 'ENOENT');
}
