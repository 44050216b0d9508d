// A freshly booted simulated machine: the host's root filesystem, its namespaces (ids like the
// inode numbers Linux shows in /proc/1/ns), PID 1, and the host's network (lo and eth0).
import { NAMESPACE_TYPES, type NsIds } from '../events.js';
import { newCgroup } from './cgroups.js';
import type { DirNode } from './fs/tree.js';
import type { SimMount } from './fs/vfs.js';
import type { SimState } from './state.js';

export const SIM_RELEASE = '6.1.0-boxlab-sim';
export const SIM_HOSTNAME = 'labhost';
export const SIM_MEM_TOTAL = 8 * 1024 ** 3;
export const SIM_DISK = 64 * 1024 ** 3;

// The numbers Linux gives the initial namespaces (see `ls -l /proc/1/ns` on a host).
const INITIAL_IDS: NsIds = {
  cgroup: 4026531835, pid: 4026531836, user: 4026531837, uts: 4026531838,
  ipc: 4026531839, net: 4026531840, mnt: 4026531841,
};

function dir(mode = 0o755, now = 0): DirNode {
  return { t: 'dir', mode, uid: 0, gid: 0, mtime: now, entries: {} };
}

function hostTree(now: number): DirNode {
  const root = dir(0o755, now);
  for (const name of ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'run', 'sbin', 'sys', 'usr', 'var']) {
    root.entries[name] = dir(name === 'root' ? 0o700 : 0o755, now);
  }
  root.entries.tmp = dir(0o1777, now);
  const etc = root.entries.etc as DirNode;
  etc.entries.hostname = { t: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now, data: `${SIM_HOSTNAME}\n` };
  etc.entries.passwd = { t: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now, data: 'root:x:0:0:root:/root:/bin/sh\n' };
  etc.entries.group = { t: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now, data: 'root:x:0:\n' };
  const varDir = root.entries.var as DirNode;
  varDir.entries.lib = dir(0o755, now);
  return root;
}

function hostMounts(): SimMount[] {
  return [
    { target: '/', source: '/dev/vda1', fstype: 'ext4', options: ['rw', 'relatime'], backing: { kind: 'host', path: '/' } },
    { target: '/proc', source: 'proc', fstype: 'proc', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'proc' } },
    { target: '/sys', source: 'sysfs', fstype: 'sysfs', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'sysfs' } },
    { target: '/sys/fs/cgroup', source: 'cgroup2', fstype: 'cgroup2', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'cgroup2' } },
    { target: '/dev', source: 'devtmpfs', fstype: 'devtmpfs', options: ['rw', 'nosuid', 'relatime'], backing: { kind: 'tmpfs', root: devTree() } },
    { target: '/run', source: 'tmpfs', fstype: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'mode=755'], backing: { kind: 'tmpfs', root: dir() } },
  ];
}

/** The device nodes a container's /dev gets (as runc makes them). */
export function devTree(now = 0): DirNode {
  const d = dir(0o755, now);
  const dev = (major: number, minor: number, mode = 0o666) => ({ t: 'dev' as const, mode, uid: 0, gid: 0, mtime: now, major, minor });
  d.entries.null = dev(1, 3);
  d.entries.zero = dev(1, 5);
  d.entries.full = dev(1, 7);
  d.entries.random = dev(1, 8);
  d.entries.urandom = dev(1, 9);
  d.entries.tty = dev(5, 0);
  d.entries.pts = dir();
  d.entries.shm = dir(0o1777);
  d.entries.mqueue = dir(0o1777);
  return d;
}

export function boot(now: number): SimState {
  const namespaces: SimState['namespaces'] = {};
  for (const type of NAMESPACE_TYPES) {
    const id = INITIAL_IDS[type];
    namespaces[id] = { id, type };
  }
  namespaces[INITIAL_IDS.pid].nextPid = 2;
  namespaces[INITIAL_IDS.uts].hostname = SIM_HOSTNAME;
  namespaces[INITIAL_IDS.mnt].mounts = hostMounts();
  namespaces[INITIAL_IDS.cgroup].cgroupRoot = '/';
  namespaces[INITIAL_IDS.net].ifaces = [
    { index: 1, name: 'lo', kind: 'loopback', mac: '00:00:00:00:00:00', mtu: 65536, up: true, addrs: ['127.0.0.1/8'] },
    { index: 2, name: 'eth0', kind: 'ether', mac: '52:54:00:12:34:56', mtu: 1500, up: true, addrs: ['10.0.2.15/24'] },
  ];
  namespaces[INITIAL_IDS.net].routes = [
    { dest: 'default', via: '10.0.2.2', dev: 'eth0' },
    { dest: '10.0.2.0/24', dev: 'eth0' },
  ];
  const init = {
    pid: 1, ppid: 0, nsPids: { [INITIAL_IDS.pid]: 1 }, ns: { ...INITIAL_IDS }, argv: ['/sbin/init'], env: {},
    cwd: '/', uid: 0, gid: 0, cgroup: '/', state: 'S' as const, oomKilled: false, startedAt: now, log: '',
    memBytes: 12 * 1024 * 1024, wake: null,
  };
  return {
    version: 1,
    nextPid: 2,
    nextNsId: 4026532200,
    nextIfIndex: 3,
    host: hostTree(now),
    hostNs: { ...INITIAL_IDS },
    namespaces,
    procs: { 1: init },
    cgroups: { '/': newCgroup() },
    bootedAt: now,
  };
}
