// Namespaces: each gives a process its own view of one kernel resource (PIDs, mounts, hostname,
// IPC, network, cgroup root, users). A namespace is named by the inode number behind
// /proc/PID/ns/TYPE; two processes share it exactly when the numbers match (man 7 namespaces).
import { readlinkSync } from 'node:fs';
import { NAMESPACE_TYPES, type NsIds, type NsType } from '../events.js';
import type { NsSource } from '../kernel.js';

/** util-linux unshare flags, one per namespace type (net is joined by nsenter, never made here) */
export const UNSHARE_FLAGS: Partial<Record<NsType, string[]>> = {
  pid: ['--pid', '--fork'],
  mnt: ['--mount'],
  uts: ['--uts'],
  ipc: ['--ipc'],
  cgroup: ['--cgroup'],
  net: ['--net'],
  user: ['--user', '--map-root-user'],
};

/** /proc/PID/ns/TYPE → its inode number ("pid:[4026531836]" → 4026531836); 0 when unreadable */
export function nsId(pid: number | 'self', type: NsType, procRoot = '/proc'): number {
  try {
    const link = readlinkSync(`${procRoot}/${pid}/ns/${type}`);
    return Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function nsIds(pid: number | 'self', procRoot = '/proc'): NsIds {
  const out = {} as NsIds;
  for (const t of NAMESPACE_TYPES) out[t] = nsId(pid, t, procRoot);
  return out;
}

/**
 * The argv prefix that puts a command into the namespaces spec asks for: nsenter for the ones
 * to join (a named netns, or another process's), unshare for the new ones.
 */
export function namespaceArgv(namespaces: Partial<Record<NsType, NsSource>>, netnsDir = '/run/netns'): { join: string[]; unshare: string[]; created: NsType[] } {
  const join: string[] = [];
  const unshare: string[] = [];
  const created: NsType[] = [];
  const nsenterFlag: Record<NsType, string> = { pid: '--pid', mnt: '--mount', uts: '--uts', ipc: '--ipc', net: '--net', user: '--user', cgroup: '--cgroup' };
  for (const type of NAMESPACE_TYPES) {
    const src = namespaces[type];
    if (!src) continue;
    if (src === 'new') {
      unshare.push(...(UNSHARE_FLAGS[type] ?? []));
      created.push(type);
    } else if ('netns' in src) join.push(`${nsenterFlag[type]}=${netnsDir}/${src.netns}`);
    else join.push(`${nsenterFlag[type]}=/proc/${src.pid}/ns/${type}`);
  }
  return {
    join: join.length ? ['nsenter', ...join] : [],
    unshare: unshare.length ? ['unshare', ...unshare, ...(created.includes('mnt') ? ['--propagation', 'private'] : [])] : [],
    created,
  };
}
