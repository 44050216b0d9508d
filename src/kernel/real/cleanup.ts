// boxlab cleanup: find everything boxlab made in the kernel and remove it, and nothing else —
// processes in boxlab cgroups (and their shims), mounts under boxlab's dirs, cgroups named
// boxlab, network namespaces boxlab-*, links boxlab*, process records in /run/boxlab/procs.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cmdline } from '../events.js';
import { cgroupLayout } from './probe.js';
import { readMountinfo } from './mounts.js';
import { pidsByArgv, procState } from './processes.js';
import { run } from './run.js';

export interface CleanupReport {
  killed: number[];
  unmounted: string[];
  cgroups: string[];
  netns: string[];
  links: string[];
  records: number;
  /** lab directories under STATE/labs whose home is gone (a lesson's or a removed BOXLAB_HOME's) */
  labs: string[];
  errors: string[];
}

export interface CleanupOptions {
  cgroupRoot?: string;
  runDir?: string;
  stateDir?: string;
  /** also look for links inside these network namespaces (e.g. a test's throwaway one) */
  extraNetns?: string[];
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** every cgroup directory named boxlab* (deepest first) */
function boxlabCgroups(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, inside: boolean, depth: number) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return;
    }
    for (const n of names) {
      const mine = inside || n.startsWith('boxlab');
      if (!mine && depth >= 2) continue;
      walk(join(dir, n), mine, depth + 1);
      if (mine) out.push(join(dir, n));
    }
  };
  walk(root, false, 0);
  return out;
}

/**
 * boxlab's own processes outside any container cgroup: the shims, log writers and port
 * forwarders, and a container still on its way in (joining its cgroups, unshare, boxlab-init) —
 * each names a script or a process record in boxlab's run dir on its command line.
 */
function shimPids(runDir: string): number[] {
  return pidsByArgv((argv) => argv.some((a) => a.startsWith(`${runDir}/bin/boxlab-`) || a.startsWith(`${runDir}/procs/`)));
}

/**
 * Remove the directories of real labs (STATE/labs/HASH) whose home is gone: each names its home in
 * `owner`; one with a mount still inside it, or without an owner yet, stays. Returns what went.
 */
export function removeOrphanLabs(stateDir = '/var/lib/boxlab'): string[] {
  const labs = join(stateDir, 'labs');
  const mounted = readMountinfo('self').map((m) => m.target);
  const removed: string[] = [];
  for (const n of existsSync(labs) ? readdirSync(labs) : []) {
    const dir = join(labs, n);
    let owner = '';
    try {
      owner = readFileSync(join(dir, 'owner'), 'utf8').trim();
    } catch {
      continue; // not one of boxlab's lab dirs, or one being made: leave it
    }
    if (!owner || existsSync(owner) || mounted.some((t) => t === dir || t.startsWith(`${dir}/`))) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

export async function cleanup(opts: CleanupOptions = {}): Promise<CleanupReport> {
  const root = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const runDir = opts.runDir ?? '/run/boxlab';
  const stateDir = opts.stateDir ?? '/var/lib/boxlab';
  const rep: CleanupReport = { killed: [], unmounted: [], cgroups: [], netns: [], links: [], records: 0, labs: [], errors: [] };
  const layout = cgroupLayout(root);
  // 1. processes: shims first (so none restarts anything), then everything in a boxlab cgroup;
  // again until a pass finds none (a container caught half-way in joins its cgroup late)
  const seen = new Set<number>();
  for (let pass = 0; pass < 10; pass++) {
    const now = layout === 'none' ? [] : boxlabCgroups(root);
    const victims = new Set<number>([...shimPids(runDir), ...now.flatMap((g) => readPids(join(g, 'cgroup.procs')))]);
    let any = false;
    for (const pid of victims) {
      if (procState(pid) === 'zombie') continue; // dead already, waiting for its parent
      try {
        process.kill(pid, 'SIGKILL');
        any = true;
        if (!seen.has(pid)) rep.killed.push(pid);
        seen.add(pid);
      } catch {
        /* already gone */
      }
    }
    for (let i = 0; i < 200 && now.some((g) => readPids(join(g, 'cgroup.procs')).length); i++) await new Promise((r) => setTimeout(r, 10));
    if (!any) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // 2. mounts under boxlab's dirs, deepest first
  const mine = (t: string) => [stateDir, runDir].some((d) => t === d || t.startsWith(`${d}/`)) || /\/boxlab-[^/]*(\/|$)/.test(t);
  const targets = readMountinfo('self').map((m) => m.target).filter(mine).reverse();
  for (const t of [...new Set(targets)]) {
    const r = await run(['umount', '-l', t]);
    if (r.exitCode === 0) rep.unmounted.push(t);
    else if (!/not mounted/.test(r.stderr)) rep.errors.push(`${cmdline(r.argv)}: ${r.stderr}`);
  }
  // 3. cgroups, children before parents
  for (const g of layout === 'none' ? [] : boxlabCgroups(root)) {
    try {
      rmdirSync(g);
      rep.cgroups.push(g);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') rep.errors.push(`rmdir ${g}: ${(e as Error).message}`);
    }
  }
  // 4. links named boxlab* (in the machine's namespace and the extra ones), then netns boxlab-*
  for (const ns of [undefined, ...(opts.extraNetns ?? [])]) {
    const r = await run(ns ? ['ip', '-n', ns, '-o', 'link'] : ['ip', '-o', 'link']);
    for (const line of r.stdout.split('\n')) {
      const name = /^\d+:\s+([^:@]+)/.exec(line)?.[1];
      if (!name?.startsWith('boxlab')) continue;
      const d = await run(ns ? ['ip', '-n', ns, 'link', 'delete', name] : ['ip', 'link', 'delete', name]);
      if (d.exitCode === 0) rep.links.push(ns ? `${ns}/${name}` : name);
    }
  }
  const list = await run(['ip', 'netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0];
    if (!name?.startsWith('boxlab-')) continue;
    const d = await run(['ip', 'netns', 'delete', name]);
    if (d.exitCode === 0) rep.netns.push(name);
    else rep.errors.push(`ip netns delete ${name}: ${d.stderr}`);
  }
  // 5. process records
  const procs = join(runDir, 'procs');
  if (existsSync(procs)) {
    rep.records = readdirSync(procs).filter((n) => !n.startsWith('pid-')).length;
    rmSync(procs, { recursive: true, force: true });
  }
  // 6. the files of labs whose home is gone
  rep.labs = removeOrphanLabs(stateDir);
  // 7. the runtime dir itself (scripts and tools are rebuilt on the next start)
  if (!rep.errors.length) rmSync(runDir, { recursive: true, force: true });
  return rep;
}
