// The container side. Through the engine (real mode: the base image running `true`, as
// `boxlab run --rm busybox true` does: create, start, wait, remove), and a bare baseline with
// no engine at all: `unshare --fork --kill-child --pid --mount-proc chroot ROOTFS /bin/true`, the few
// system calls a container start needs, on a rootfs made here from the static busybox.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, Io } from '../engine/engine.js';
import { childrenOf, readStatus } from '../kernel/real/processes.js';
import { hostBusybox } from '../kernel/real/base.js';
import { alive, onInterrupt, runTimed, start } from './proc.js';

export const BASE = 'busybox';
const silent: Io = { out: () => undefined, err: () => undefined };

function capture(): Io & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t), err: () => undefined, text: () => out };
}

export function containerName(tag: string): string {
  return `boxlab-cmp-${process.pid}-${tag}`;
}

/** While fn runs, Ctrl-C removes the container (rm -f) before boxlab exits. */
async function guarded<T>(engine: Engine, name: string, fn: () => Promise<T>): Promise<T> {
  const off = onInterrupt(() => engine.rm(name, { force: true }).catch(() => undefined));
  try {
    return await fn();
  } finally {
    off();
  }
}

/** One `run --rm busybox ARGV`, timed; the engine polls every 5 ms so the poll does not dominate. */
export async function engineRun(engine: Engine, argv: string[], tag: string): Promise<{ ms: number; exitCode: number; out: string }> {
  const io = capture();
  const saved = engine.pollMs;
  engine.pollMs = 5;
  return guarded(engine, containerName(tag), async () => {
    const t0 = performance.now();
    try {
      const r = await engine.run({ image: BASE, cmd: argv, autoRemove: true, name: containerName(tag) }, io);
      return { ms: performance.now() - t0, exitCode: r.exitCode, out: io.text() };
    } finally {
      engine.pollMs = saved;
      await engine.rm(containerName(tag), { force: true }).catch(() => undefined);
    }
  });
}

/** Make sure the base image exists (the first run builds it), outside the timed samples. */
export async function warmUp(engine: Engine): Promise<void> {
  await engineRun(engine, ['true'], 'warm');
}

/** N timed starts; a failed one is left out and named (all failing is an error). */
export async function engineStarts(engine: Engine, n: number): Promise<{ samples: number[]; failures: string[] }> {
  const samples: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const r = await engineRun(engine, ['true'], `start-${i}`);
      if (r.exitCode !== 0) throw new Error(`boxlab run --rm ${BASE} true exited ${r.exitCode}`);
      samples.push(r.ms);
    } catch (e) {
      failures.push(`sample ${i + 1}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
  }
  if (!samples.length) throw new Error(failures[0] ?? 'no sample');
  return { samples, failures };
}

export async function containerRelease(engine: Engine): Promise<string> {
  const r = await engineRun(engine, ['uname', '-r'], 'uname');
  return r.out.trim();
}

/** Host memory one running container costs: its cgroup's memory usage, and its processes' RSS. */
export async function containerMemory(engine: Engine): Promise<{ cgroupMB: number; rssMB: number; pid: number }> {
  const name = containerName('mem');
  return guarded(engine, name, () => memoryOf(engine, name));
}

async function memoryOf(engine: Engine, name: string): Promise<{ cgroupMB: number; rssMB: number; pid: number }> {
  try {
    await engine.run({ image: BASE, cmd: ['sleep', '60'], detach: true, name }, silent);
    await engine.clock.sleep(300);
    return await engine.view(async (tx) => {
      const c = Object.values(tx.state.containers).find((x) => x.name === name);
      if (!c || c.state.status !== 'running') throw new Error('the sleep container is not running');
      const o = await tx.kernel.observe(c.state.pid);
      // what the kernel reports of the container's first process (the simulated one keeps no RSS)
      const rssKB = (await tx.kernel.processes(c.state.pid)).find((p) => p.pid === c.state.pid)?.rssKb ?? 0;
      return { cgroupMB: o.usage.memoryCurrent / 1e6, rssMB: rssKB / 1024, pid: c.state.pid };
    });
  } finally {
    await engine.rm(name, { force: true }).catch(() => undefined);
  }
}

// ---- the bare baseline ----

/** a host process's resident memory (VmRSS), 0 when it is gone */
const rssKB = (pid: number): number => parseInt(readStatus(pid)?.VmRSS ?? '0', 10) || 0;

/** A rootfs of one static busybox and its applet links: what the base image holds, made here. */
export function bareRootfs(): { dir: string; dispose(): void } | { why: string } {
  const bb = hostBusybox();
  if (!bb) return { why: 'no busybox for the bare baseline (install busybox-static)' };
  const dir = mkdtempSync(join(tmpdir(), 'boxlab-cmp-rootfs-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'proc'));
  copyFileSync(bb, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'true', 'sleep', 'dd', 'sha256sum', 'cat', 'uname']) symlinkSync('busybox', join(dir, 'bin', a));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function bareArgv(rootfs: string, argv: string[]): string[] {
  return ['unshare', '--fork', '--kill-child', '--pid', '--mount-proc', 'chroot', rootfs, ...argv];
}

export async function bareStarts(rootfs: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await runTimed(bareArgv(rootfs, ['/bin/true']), 10_000);
    if (r.timedOut) throw new Error('unshare … chroot /bin/true timed out after 10 s');
    if (r.code !== 0) throw new Error(`unshare … chroot /bin/true exited ${r.code}`);
    out.push(r.ms);
  }
  return out;
}

/** RSS of the bare container's process (a sleep in its own PID namespace and chroot). */
export async function bareMemory(rootfs: string): Promise<{ rssMB: number; samples: number[] }> {
  const p = await start(bareArgv(rootfs, ['/bin/sleep', '10']), { timeoutMs: 15_000 });
  try {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 60));
      const leaves = childrenOf(p.pid).flatMap((c) => [c, ...childrenOf(c)]);
      const kb = leaves.map(rssKB).filter(Boolean);
      if (kb.length) samples.push(kb[kb.length - 1] / 1024);
    }
    if (!samples.length) throw new Error('could not find the bare container\'s process');
    return { rssMB: samples[samples.length - 1], samples };
  } finally {
    p.kill();
    await p.done;
    if (alive(p.pid)) p.kill();
  }
}
