// What this machine can do for real mode: root, kernel, overlayfs, cgroup layout (v2, v1, or
// hybrid: v1 controllers with an empty v2 at /sys/fs/cgroup/unified), the tools real mode types.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { realUnavailable } from './ready.js';
import { run } from './run.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export type CgroupLayout = 'v2' | 'v1' | 'hybrid' | 'none';

export function cgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(`${root}/cgroup.controllers`)) return 'v2';
  if (existsSync(`${root}/memory`) || existsSync(`${root}/pids`)) {
    return existsSync(`${root}/unified`) ? 'hybrid' : 'v1';
  }
  return 'none';
}

async function version(argv: string[], pick: RegExp): Promise<Check> {
  const r = await run(argv, { timeoutMs: 5000 }).catch(() => null);
  const name = argv[0];
  if (!r || r.missing) return { name, ok: false, detail: 'not installed' };
  const text = `${r.stdout}\n${r.stderr}`;
  const m = pick.exec(text);
  return { name, ok: r.exitCode === 0 || !!m, detail: m ? m[1] : text.split('\n')[0].trim() };
}

export async function probe(): Promise<{ checks: Check[]; realReady: boolean; why: string[] }> {
  const checks: Check[] = [];
  const isLinux = process.platform === 'linux';
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  checks.push({ name: 'os', ok: isLinux, detail: `${process.platform} ${release()}` });
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : 'not root (real mode needs root)' });
  let overlay = false;
  try {
    overlay = /\boverlay\b/.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    /* not Linux */
  }
  checks.push({ name: 'overlayfs', ok: overlay, detail: overlay ? 'listed in /proc/filesystems' : 'not available' });
  const layout = isLinux ? cgroupLayout() : 'none';
  checks.push({ name: 'cgroups', ok: layout !== 'none', detail: layout === 'hybrid' ? 'hybrid (v1 controllers, empty v2 at /sys/fs/cgroup/unified)' : layout });
  if (isLinux) {
    checks.push(await version(['unshare', '--version'], /util-linux\s+([\d.]+)/));
    checks.push(await version(['ip', '-V'], /iproute2-?([\w.]+)/));
    checks.push({ ...(await version(['getfattr', '--version'], /getfattr\s+([\d.]+)/)), name: 'attr' });
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  checks.push({ name: 'busybox', ok: !!busybox, detail: busybox ? `${busybox} (base image for real mode)` : 'not found (real mode would use the host\'s /bin/sh and tools)' });
  checks.push(await version(['qemu-system-x86_64', '--version'], /version\s+([\d.]+)/));
  const why: string[] = [];
  if (!isLinux) why.push('real mode needs Linux');
  if (!root) why.push('real mode needs root (sudo)');
  if (!overlay) why.push('overlayfs is not available');
  if (layout === 'none') why.push('no cgroup filesystem at /sys/fs/cgroup');
  const blocker = realUnavailable();
  if (blocker && !why.length) why.push(blocker.reason);
  return { checks, realReady: why.length === 0, why };
}
