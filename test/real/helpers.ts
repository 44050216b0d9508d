// Real-kernel test helpers: a container made by hand from kernel primitives, the residue check.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelEvent } from '../../src/kernel/events.js';
import type { ProcStatus } from '../../src/kernel/kernel.js';
import { RealKernel } from '../../src/kernel/real/kernel.js';

export const isRoot = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
export const skipReason = isRoot ? '' : 'real-kernel tests need Linux and root';
if (!isRoot) console.log(`skipping real-kernel tests: ${skipReason}`);

export const STATE = `/var/lib/boxlab/test-${process.pid}`;
const BASE = `${STATE}/base`;

export function sh(cmd: string): string {
  return execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

/** everything of boxlab's the kernel still holds, one line per object; '' when nothing */
export function residue(): string {
  return [
    sh("grep boxlab /proc/self/mountinfo || true"),
    sh("find /sys/fs/cgroup -maxdepth 3 -name 'boxlab*' || true"),
    sh("ip -o link | grep boxlab || true"),
    sh("ip netns list | grep boxlab || true"),
    sh("ps -eo pid,args | grep -E 'boxlab-(shim|init|log|forward)' | grep -v grep || true"),
  ].join('').trim();
}

/** residue() less the lines of one network namespace a test made (it holds the lab's bridge) */
export function residueBut(netns: string): string {
  return residue().split('\n').filter((l) => l && !l.includes(netns)).join('\n');
}

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');

/** `boxlab --real ARGS` in a child process, the lab in home() and its bridge in the network namespace netns */
export function realBoxlab(home: () => string, netns: string, timeoutMs = 60_000) {
  return (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [BIN, '--real', ...args], {
      env: { ...process.env, BOXLAB_HOME: home(), BOXLAB_HOST_NETNS: netns, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

export function realKernel(opts: { hostNetns?: string } = {}) {
  const kernel = new RealKernel(opts);
  const events: KernelEvent[] = [];
  kernel.on((e) => events.push(e));
  return { kernel, events };
}

let n = 0;

/** overlay root over the busybox base, a cgroup with limits, a process in new namespaces */
export async function container(
  kernel: RealKernel,
  argv: string[],
  opts: { hostname?: string; memory?: string; pids?: string; netns?: string; ownOverlay?: boolean; beforeSpawn?: (dir: string, cgroup: string) => void } = {},
): Promise<{ st: ProcStatus; id: string; log: string; merged: string; upper: string; logText: () => string }> {
  const id = `t${process.pid}x${++n}`;
  if (!(await kernel.fs.exists(`${BASE}/bin/busybox`))) {
    await kernel.fs.mkdirp(BASE);
    await kernel.fs.populateBase(BASE);
  }
  const dir = `${STATE}/containers/${id}`;
  for (const d of ['upper', 'work', 'merged']) mkdirSync(`${dir}/${d}`, { recursive: true });
  const log = `${dir}/log.json`;
  writeFileSync(log, '');
  // ownOverlay: the kernel mounts it in the container's mount namespace (SpawnSpec.overlay), as the engine has it
  const overlay = { lower: [BASE], upper: `${dir}/upper`, work: `${dir}/work`, target: `${dir}/merged` };
  if (!opts.ownOverlay) await kernel.mountOverlay(overlay);
  await kernel.cgroupCreate(`boxlab/${id}`);
  await kernel.cgroupWrite(`boxlab/${id}`, 'pids.max', opts.pids ?? '512');
  if (opts.memory) await kernel.cgroupWrite(`boxlab/${id}`, 'memory.max', opts.memory);
  opts.beforeSpawn?.(dir, `boxlab/${id}`);
  const st = await kernel.spawn({
    argv, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' }, cwd: '/',
    namespaces: { pid: 'new', mnt: 'new', uts: 'new', ipc: 'new', cgroup: 'new', net: opts.netns ? { netns: opts.netns } : 'new' },
    rootfs: `${dir}/merged`, hostname: opts.hostname ?? id, cgroup: `boxlab/${id}`, log, ...(opts.ownOverlay ? { overlay } : {}),
  });
  const logText = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { log: string }).log).join('');
  return { st, id, log, merged: `${dir}/merged`, upper: `${dir}/upper`, logText };
}

/** take down what container() made: process, overlay, cgroup, dirs */
export async function destroy(kernel: RealKernel, c: { st: ProcStatus; id: string; merged: string }): Promise<void> {
  const s = await kernel.status(c.st.pid);
  if (s && s.state !== 'exited') {
    await kernel.signal(c.st.pid, 'SIGKILL');
    await kernel.wait(c.st.pid, 5000);
  }
  kernel.forget(c.st.pid);
  await kernel.cgroupRemove(`boxlab/${c.id}`);
  // (an overlay in the container's own mount namespace went with it)
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${c.merged} `)) await kernel.unmount(c.merged);
}

export function removeState(): void {
  rmSync(STATE, { recursive: true, force: true });
  try {
    execFileSync('rmdir', ['/var/lib/boxlab'], { stdio: 'ignore' });
  } catch {
    /* other state lives there */
  }
}

/** the engine in-process on the real kernel, its bridge in hostNetns (as src/cli/context.ts builds it) */
export async function realEngine(home: string, hostNetns: string) {
  const { Engine } = await import('../../src/engine/engine.js');
  const { Lab } = await import('../../src/engine/lab.js');
  const { createKernel } = await import('../../src/kernel/index.js');
  const lab = new Lab({ mode: 'real', home, kernel: (m, o) => createKernel(m, { ...o, real: { hostNetns } }) });
  return new Engine(lab);
}

/** an Io that keeps what it is given */
export function captureIo() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}
