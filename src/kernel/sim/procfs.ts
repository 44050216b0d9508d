// Filesystems the kernel makes up as they are read (man 5 proc, Documentation/admin-guide/cgroup-v2.rst):
// /proc shows the processes of the reader's PID namespace, /sys/fs/cgroup the reader's cgroup
// namespace. Nothing here is stored; every read asks the kernel.
import { SIM_MEM_TOTAL, SIM_RELEASE } from './boot.js';
import { cgPath } from './cgroups.js';
import type { SimMount, SyntheticFs } from './fs/vfs.js';
import type { SimKernel } from './kernel.js';
import { visibleFrom } from './procs.js';
import type { SimProc } from './state.js';
import { SysError, type Stat } from './sys.js';
import { NAMESPACE_TYPES } from '../events.js';

function st(type: Stat['type'], mode: number, size = 0, target?: string): Stat {
  return { type, mode, uid: 0, gid: 0, size, nlink: 1, mtime: 0, target };
}

const split = (rel: string) => rel.split('/').filter(Boolean);

function procFs(k: SimKernel): SyntheticFs {
  const reader = (): SimProc => k.current ?? k.st.procs[1];
  const procs = () => visibleFrom(k.st, reader().ns.pid);
  const find = (pid: string) => {
    const n = pid === 'self' ? reader().nsPids[reader().ns.pid] : Number(pid);
    const hit = procs().find((v) => v.pid === n);
    if (!hit) throw new SysError('ENOENT');
    return hit;
  };
  const top: Record<string, () => string> = {
    mounts: () => mountsText(k, reader()),
    meminfo: () => {
      const kb = SIM_MEM_TOTAL / 1024;
      return `MemTotal:       ${kb} kB\nMemFree:        ${Math.round(kb * 0.55)} kB\nMemAvailable:   ${Math.round(kb * 0.8)} kB\n`;
    },
    uptime: () => `${((k.clock.now() - k.st.bootedAt) / 1000).toFixed(2)} ${((k.clock.now() - k.st.bootedAt) / 500).toFixed(2)}\n`,
    version: () => `Linux version ${SIM_RELEASE} (boxlab@sim) #1 SMP PREEMPT_DYNAMIC boxlab-sim\n`,
    loadavg: () => `0.08 0.03 0.01 1/${Object.keys(k.st.procs).length} ${k.st.nextPid - 1}\n`,
    filesystems: () => 'nodev\tsysfs\nnodev\tproc\nnodev\ttmpfs\nnodev\tcgroup2\nnodev\toverlay\n\text4\n',
    cpuinfo: () => 'processor\t: 0\nmodel name\t: boxlab simulated CPU\n\nprocessor\t: 1\nmodel name\t: boxlab simulated CPU\n',
  };
  const perPid: Record<string, (p: SimProc, pid: number) => string> = {
    cmdline: (p) => p.argv.join('\0') + '\0',
    comm: (p) => `${(p.argv[0] ?? '').split('/').pop()}\n`,
    status: (p, pid) => {
      const ppid = k.st.procs[p.ppid]?.nsPids[reader().ns.pid] ?? 0;
      return `Name:\t${(p.argv[0] ?? '').split('/').pop()}\nState:\t${p.state === 'T' ? 'T (stopped)' : 'S (sleeping)'}\nPid:\t${pid}\nPPid:\t${ppid}\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\nVmRSS:\t${Math.round(p.memBytes / 1024)} kB\nNSpid:\t${Object.values(p.nsPids).join('\t')}\n`;
    },
    cgroup: (p) => `0::${k.sys(p).cgroup()}\n`,
    mounts: (p) => mountsText(k, p),
    mountinfo: (p) => mountinfoText(k, p),
    environ: (p) => Object.entries(p.env).map(([a, b]) => `${a}=${b}\0`).join(''),
  };
  return {
    stat(rel) {
      const parts = split(rel);
      if (parts.length === 0) return st('dir', 0o555);
      if (parts[0] === 'self' && parts.length === 1) return st('symlink', 0o777, 0, String(reader().nsPids[reader().ns.pid]));
      if (parts[0] in top) return parts.length === 1 ? st('file', 0o444) : null;
      if (parts[0] === 'sys') return parts.length < 3 ? st('dir', 0o555) : st('file', 0o644);
      if (!/^\d+$|^self$/.test(parts[0])) return null;
      try {
        find(parts[0]);
      } catch {
        return null;
      }
      if (parts.length === 1) return st('dir', 0o555);
      if (parts[1] === 'ns') {
        if (parts.length === 2) return st('dir', 0o511);
        const p = find(parts[0]).proc;
        const t = parts[2] as (typeof NAMESPACE_TYPES)[number];
        return NAMESPACE_TYPES.includes(t) ? st('symlink', 0o777, 0, `${t}:[${p.ns[t]}]`) : null;
      }
      if (parts[1] === 'root' || parts[1] === 'cwd') return st('symlink', 0o777, 0, parts[1] === 'root' ? '/' : find(parts[0]).proc.cwd);
      return parts[1] in perPid && parts.length === 2 ? st('file', 0o444) : null;
    },
    readdir(rel) {
      const parts = split(rel);
      if (parts.length === 0) return [...procs().map((v) => String(v.pid)), 'self', ...Object.keys(top), 'sys'];
      if (parts[0] === 'sys') return parts.length === 1 ? ['kernel'] : ['hostname', 'osrelease'];
      if (parts.length === 1) return [...Object.keys(perPid), 'cwd', 'ns', 'root'].sort();
      if (parts[1] === 'ns') return [...NAMESPACE_TYPES].sort();
      throw new SysError('ENOTDIR');
    },
    read(rel) {
      const parts = split(rel);
      if (parts[0] in top && parts.length === 1) return top[parts[0]]();
      if (parts[0] === 'sys' && parts[1] === 'kernel') {
        if (parts[2] === 'hostname') return `${k.hostnameOf(reader())}\n`;
        if (parts[2] === 'osrelease') return `${SIM_RELEASE}\n`;
      }
      if (parts.length === 2 && parts[1] in perPid) {
        const hit = find(parts[0]);
        return perPid[parts[1]](hit.proc, hit.pid);
      }
      throw new SysError('ENOENT');
    },
    write() {
      throw new SysError('EACCES');
    },
  };
}

function mountsText(k: SimKernel, p: SimProc): string {
  return k
    .mountNs(p)
    .mounts.map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options.join(',')} 0 0\n`)
    .join('');
}

/** per-mount flags (man 5 proc: field 6); the rest are the superblock's (field 11) */
const MOUNT_FLAGS = new Set(['ro', 'rw', 'nosuid', 'nodev', 'noexec', 'relatime', 'noatime', 'strictatime', 'nodiratime']);

/**
 * /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT TARGET FLAGS - FSTYPE SOURCE SUPER"; ids are
 * made up in table order, the root's parent lies outside the namespace (as after pivot_root).
 */
function mountinfoText(k: SimKernel, p: SimProc): string {
  const mounts = k.mountNs(p).mounts;
  const ids = mounts.map((_, i) => 100 + i);
  const parentOf = (i: number): number => {
    const t = mounts[i].target;
    for (let j = i - 1; j >= 0; j--) {
      const u = mounts[j].target;
      if (u !== t && (u === '/' || t.startsWith(`${u}/`))) return ids[j];
    }
    return 99;
  };
  return mounts
    .map((m, i) => {
      const flags = m.options.filter((o) => MOUNT_FLAGS.has(o));
      const sb = m.options.filter((o) => !MOUNT_FLAGS.has(o));
      const mode = m.options.includes('ro') && m.fstype !== 'bind' ? 'ro' : 'rw';
      return `${ids[i]} ${parentOf(i)} 0:${30 + i} / ${m.target} ${flags.join(',') || 'rw'} - ${m.fstype} ${m.source} ${[mode, ...sb].join(',')}\n`;
    })
    .join('');
}

function cgroupFs(k: SimKernel): SyntheticFs {
  const base = (): string => {
    const p = k.current ?? k.st.procs[1];
    return k.st.namespaces[p.ns.cgroup]?.cgroupRoot ?? '/';
  };
  const resolve = (rel: string) => {
    const parts = split(rel);
    const root = base();
    const full = cgPath(`${root}/${parts.join('/')}`);
    if (k.cgroups.exists(full)) return { group: full, file: undefined as string | undefined };
    const group = cgPath(`${root}/${parts.slice(0, -1).join('/')}`);
    return { group, file: parts[parts.length - 1] };
  };
  return {
    stat(rel) {
      const r = resolve(rel);
      if (!k.cgroups.exists(r.group)) return null;
      if (!r.file) return st('dir', 0o755);
      return k.cgroups.files(r.group).includes(r.file) ? st('file', 0o644) : null;
    },
    readdir(rel) {
      const r = resolve(rel);
      if (r.file || !k.cgroups.exists(r.group)) throw new SysError('ENOENT');
      return [...k.cgroups.files(r.group), ...k.cgroups.children(r.group).map((c) => c.split('/').pop()!)].sort();
    },
    read(rel) {
      const r = resolve(rel);
      if (!r.file) throw new SysError('EISDIR');
      return k.cgroups.read(r.group, r.file);
    },
    write(rel, data) {
      const r = resolve(rel);
      if (!r.file) throw new SysError('EISDIR');
      k.cgroups.write(r.group, r.file, data);
      if (r.file === 'memory.max') k.enforceMemory(r.group);
    },
  };
}

function staticDirs(entries: string[]): SyntheticFs {
  return {
    stat: (rel) => (split(rel).length === 0 ? st('dir', 0o755) : entries.includes(split(rel)[0]) && split(rel).length === 1 ? st('dir', 0o755) : null),
    readdir: (rel) => (split(rel).length === 0 ? entries : []),
    read: () => {
      throw new SysError('EISDIR');
    },
    write: () => {
      throw new SysError('EACCES');
    },
  };
}

export function makeSynthetic(k: SimKernel, name: string, _mount: SimMount): SyntheticFs {
  switch (name) {
    case 'proc':
      return procFs(k);
    case 'cgroup2':
      return cgroupFs(k);
    case 'sysfs':
      return staticDirs(['block', 'bus', 'class', 'dev', 'devices', 'firmware', 'fs', 'kernel', 'module', 'power']);
    default:
      return staticDirs([]);
  }
}
