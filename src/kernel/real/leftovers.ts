// After a SIGKILL of boxlab: what it left in the kernel that no live container uses. A container
// is live while its cgroup boxlab/<id> holds a process; its overlay mount, network namespace
// boxlab-<id12> and veth boxlab<id8> are left over once it is not, and so is an empty cgroup
// and a process record whose shim died before writing the exit status. Unlike `boxlab
// cleanup` (everything of boxlab's), removeLeftovers takes away exactly these and nothing live.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupLayout } from './probe.js';
import { readMountinfo } from './mounts.js';
import { pidsByArgv, procState } from './processes.js';
import { run } from './run.js';

export interface Leftovers {
  /** overlay mounts of containers that are not running */
  mounts: string[];
  /** cgroup directories (every controller's) of groups with no process */
  cgroups: string[];
  /** network namespaces boxlab-<id12> of containers that are not running */
  netns: string[];
  /** veths boxlab<id8> (netns/name when in the host-side namespace) of containers that are not running */
  links: string[];
  /** process records in /run/boxlab/procs whose supervisor is gone */
  records: string[];
}

export interface LeftoverOptions {
  cgroupRoot?: string;
  runDir?: string;
  stateDir?: string;
  /** the namespace holding the bridge (BOXLAB_HOST_NETNS), looked into for veths too */
  hostNetns?: string;
}

const readLines = (f: string) => {
  try {
    return readFileSync(f, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** boxlab/<id> groups in each hierarchy: id → its dirs, and whether any holds a process */
function groups(root: string): Map<string, { dirs: string[]; live: boolean }> {
  const out = new Map<string, { dirs: string[]; live: boolean }>();
  const layout = cgroupLayout(root);
  if (layout === 'none') return out;
  const parents = layout === 'v2' ? [`${root}/boxlab`] : readdirSync(root).map((c) => `${root}/${c}/boxlab`);
  for (const p of parents) {
    let ids: string[] = [];
    try {
      ids = readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const id of ids) {
      const g = out.get(id) ?? { dirs: [], live: false };
      g.dirs.push(`${p}/${id}`);
      g.live ||= readLines(`${p}/${id}/cgroup.procs`).length > 0;
      out.set(id, g);
    }
  }
  return out;
}

const alive = (pid: number) => pid > 0 && procState(pid) !== null && procState(pid) !== 'zombie';

export async function findLeftovers(opts: LeftoverOptions = {}): Promise<Leftovers> {
  const root = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const runDir = opts.runDir ?? '/run/boxlab';
  const stateDir = opts.stateDir ?? '/var/lib/boxlab';
  const gs = groups(root);
  const live = [...gs].filter(([, g]) => g.live).map(([id]) => id);
  const isLive = (prefix: string) => live.some((id) => id.startsWith(prefix));
  const out: Leftovers = { mounts: [], cgroups: [], netns: [], links: [], records: [] };
  for (const [, g] of gs) if (!g.live) out.cgroups.push(...g.dirs);
  const esc = stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const merged = new RegExp(`^${esc}(?:/labs/[0-9a-f]{12})?/containers/([0-9a-f]{64})/merged$`);
  for (const m of readMountinfo('self')) {
    const id = merged.exec(m.target)?.[1];
    if (id && !isLive(id) && !out.mounts.includes(m.target)) out.mounts.push(m.target);
  }
  const ns = await run(['ip', 'netns', 'list']);
  for (const line of ns.stdout.split('\n')) {
    const id = /^boxlab-([0-9a-f]{12})\b/.exec(line)?.[1];
    if (id && !isLive(id)) out.netns.push(`boxlab-${id}`);
  }
  for (const where of opts.hostNetns ? [undefined, opts.hostNetns] : [undefined]) {
    const r = await run(where ? ['ip', '-n', where, '-o', 'link'] : ['ip', '-o', 'link']);
    for (const line of r.stdout.split('\n')) {
      const id = /^\d+:\s+boxlab([0-9a-f]{8})[@:]/.exec(line)?.[1];
      if (id && !isLive(id)) out.links.push(where ? `${where}/boxlab${id}` : `boxlab${id}`);
    }
  }
  const procs = join(runDir, 'procs');
  for (const n of existsSync(procs) ? readdirSync(procs) : []) {
    if (n.startsWith('pid-')) continue;
    const dir = join(procs, n);
    if (existsSync(join(dir, 'exit'))) continue;
    const num = (f: string) => Number(readLines(join(dir, f))[0] ?? 0);
    const child = num('child');
    const pid = num('pid');
    if (!child && !pid) continue; // still starting (or never started: its launcher cleans it)
    if (!alive(child) && !alive(pid)) out.records.push(dir);
  }
  return out;
}

export function countLeftovers(l: Leftovers): number {
  return l.mounts.length + l.cgroups.length + l.netns.length + l.links.length + l.records.length;
}

/** "1 overlay mount, 2 cgroups, ..." */
export function describeLeftovers(l: Leftovers): string {
  const n = (k: number, one: string, many = `${one}s`) => (k ? [`${k} ${k === 1 ? one : many}`] : []);
  const groupsCount = new Set(l.cgroups.map((d) => d.split('/').pop())).size;
  return [
    ...n(l.mounts.length, 'overlay mount'),
    ...n(groupsCount, 'cgroup'),
    ...n(l.netns.length, 'network namespace'),
    ...n(l.links.length, 'veth'),
    ...n(l.records.length, 'process record whose supervisor is gone', 'process records whose supervisor is gone'),
  ].join(', ');
}

/** take away exactly what findLeftovers found; returns what could not be removed */
export async function removeLeftovers(l: Leftovers, opts: LeftoverOptions = {}): Promise<string[]> {
  const runDir = opts.runDir ?? '/run/boxlab';
  const errors: string[] = [];
  for (const t of [...l.mounts].reverse()) {
    const r = await run(['umount', '-l', t]);
    if (r.exitCode !== 0 && !/not mounted/.test(r.stderr)) errors.push(`umount -l ${t}: ${r.stderr}`);
  }
  for (const d of l.cgroups) {
    try {
      rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(`rmdir ${d}: ${(e as Error).message}`);
    }
    try {
      rmdirSync(d.slice(0, d.lastIndexOf('/'))); // the boxlab parent, once empty
    } catch {
      /* other groups live there */
    }
  }
  for (const link of l.links) {
    const [ns, name] = link.includes('/') ? link.split('/') : [undefined, link];
    await run(ns ? ['ip', '-n', ns, 'link', 'delete', name] : ['ip', 'link', 'delete', name]);
  }
  for (const ns of l.netns) {
    const r = await run(['ip', 'netns', 'delete', ns]);
    if (r.exitCode !== 0 && !/No such file/.test(r.stderr)) errors.push(`ip netns delete ${ns}: ${r.stderr}`);
  }
  const procs = join(runDir, 'procs');
  for (const dir of l.records) {
    for (const n of existsSync(procs) ? readdirSync(procs) : []) {
      if (!n.startsWith('pid-')) continue;
      if (readlinkSafe(join(procs, n)) === dir) rmSync(join(procs, n), { force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return errors;
}

function readlinkSafe(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

/**
 * The lab's lock (HOME/lab.lock) after a SIGKILL stays taken until it goes stale (30 s). When no
 * other boxlab process of the same lab (same BOXLAB_HOME) is alive, nobody holds it: remove it,
 * and say whether that was done.
 */
export function breakStaleLock(home: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const lock = join(home, 'lab.lock');
  if (!existsSync(lock)) return false;
  const mine = env.BOXLAB_HOME ?? '';
  for (const d of pidsByArgv((argv) => argv.slice(0, 3).some((a) => /(^|\/)boxlab(\.js)?$/.test(a)))) {
    let environ = '';
    try {
      environ = readFileSync(`/proc/${d}/environ`, 'utf8');
    } catch {
      return false; // cannot tell: leave the lock to go stale
    }
    const theirs = environ.split('\0').find((e) => e.startsWith('BOXLAB_HOME='))?.slice('BOXLAB_HOME='.length) ?? '';
    if (theirs === mine) return false; // a live boxlab of this lab may hold it
  }
  rmSync(lock, { recursive: true, force: true });
  return true;
}
