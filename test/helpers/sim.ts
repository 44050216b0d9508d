import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KernelEvent } from '../../src/kernel/events.js';
import { SimKernel } from '../../src/kernel/sim/kernel.js';
import { fakeClock } from './clock.js';

export function simKernel() {
  const clock = fakeClock();
  const kernel = new SimKernel({ clock });
  const events: KernelEvent[] = [];
  kernel.on((e) => events.push(e));
  return { kernel, clock, events };
}

let n = 0;
const logDir = mkdtempSync(join(tmpdir(), 'boxlab-test-'));
// the containers' logs go with the test file that made them
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

/** A container made by hand from kernel primitives: base layer, overlay, cgroup, namespaces. */
export async function container(
  kernel: SimKernel,
  argv: string[],
  opts: { hostname?: string; memory?: string; pids?: string; netns?: string; ip?: string; ownOverlay?: boolean } = {},
) {
  const id = `c${++n}`;
  const base = '/var/lib/boxlab/layers/base/diff';
  if (!(await kernel.fs.exists(base))) {
    await kernel.fs.mkdirp(base);
    await kernel.fs.populateBase(base);
  }
  const dir = `/var/lib/boxlab/containers/${id}`;
  for (const d of ['upper', 'work', 'merged']) await kernel.fs.mkdirp(`${dir}/${d}`);
  // ownOverlay: the kernel mounts it in the container's mount namespace (SpawnSpec.overlay), as the engine has it
  const overlay = { lower: [base], upper: `${dir}/upper`, work: `${dir}/work`, target: `${dir}/merged` };
  if (!opts.ownOverlay) await kernel.mountOverlay(overlay);
  const cgroup = `boxlab/${id}`;
  await kernel.cgroupCreate(cgroup);
  if (opts.memory) await kernel.cgroupWrite(cgroup, 'memory.max', opts.memory);
  if (opts.pids) await kernel.cgroupWrite(cgroup, 'pids.max', opts.pids);
  if (opts.netns) {
    await kernel.net.ensureBridge('boxlab0', '172.29.0.1/16');
    await kernel.net.createNetns(opts.netns);
    await kernel.net.linkUp({ netns: opts.netns, dev: 'lo' });
    await kernel.net.createVeth({ host: `boxlab${id}`, peer: 'eth0', peerName: 'eth0', netns: opts.netns, bridge: 'boxlab0' });
    await kernel.net.addAddress({ netns: opts.netns, dev: 'eth0', cidr: `${opts.ip}/16` });
    await kernel.net.linkUp({ netns: opts.netns, dev: 'eth0' });
    await kernel.net.addDefaultRoute({ netns: opts.netns, via: '172.29.0.1', dev: 'eth0' });
  }
  const log = join(logDir, `${id}.log`);
  const st = await kernel.spawn({
    argv,
    env: { PATH: '/bin:/usr/bin:/sbin:/usr/sbin' },
    cwd: '/',
    namespaces: { pid: 'new', mnt: 'new', uts: 'new', ipc: 'new', cgroup: 'new', ...(opts.netns ? { net: { netns: opts.netns } } : { net: 'new' as const }) },
    rootfs: `${dir}/merged`,
    hostname: opts.hostname ?? id,
    cgroup,
    log,
    ...(opts.ownOverlay ? { overlay } : {}),
  });
  return { id, pid: st.pid, dir, cgroup, log, output: () => readLog(log) };
}

export function readLog(path: string): { stdout: string; stderr: string } {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { stdout: '', stderr: '' };
  }
  const out = { stdout: '', stderr: '' };
  for (const line of text.split('\n').filter(Boolean)) {
    const l = JSON.parse(line) as { log: string; stream: 'stdout' | 'stderr' };
    out[l.stream] += l.log;
  }
  return out;
}

/** Run a command in a running container (like docker exec) and return its output and status. */
export async function execIn(kernel: SimKernel, target: number, argv: string[]) {
  const log = join(logDir, `exec-${++n}.log`);
  const st = await kernel.exec(target, { argv, env: { PATH: '/bin:/usr/bin' }, cwd: '/', log });
  const done = await kernel.wait(st.pid, 0);
  return { ...readLog(log), status: done?.exitCode ?? -1, pid: st.pid, running: !done };
}
