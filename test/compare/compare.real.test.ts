// `boxlab compare --json --quick --real` as root with qemu installed: measured start, memory and
// isolation rows for both sides, with method and sample counts, and nothing left behind — no
// qemu or container process (checked by PID) and no boxlab kernel object. The bridge goes into a
// network namespace of the test's own (BOXLAB_HOST_NETNS), removed afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/compare/types.js';

const isRoot = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
const hasQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
const skip = !isRoot ? 'needs root (real mode)' : !hasQemu ? 'needs qemu-system-x86_64 (apt-get install qemu-system-x86)' : '';
if (skip) console.log(`skipping compare --real: ${skip}`);

const RUNNER = join(import.meta.dirname, 'boxlab-compare.mjs');
const NETNS = `boxlab-cmp-${process.pid}`;
let home = '';
/** what other suites may hold at the start: this test checks only that it adds nothing */
let before = new Set<string>();

const sh = (cmd: string): string => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });

/** everything of boxlab's the kernel still holds; '' when nothing */
function residue(): string {
  return [
    sh('grep boxlab /proc/self/mountinfo || true'),
    sh("find /sys/fs/cgroup -maxdepth 3 -name 'boxlab*' || true"),
    sh('ip -o link | grep boxlab || true'),
    sh('ip netns list | grep boxlab || true'),
  ].join('').trim();
}

/** a live process, not a zombie waiting for its new parent to reap it */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe.skipIf(!!skip)('boxlab compare --real (root, qemu)', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'boxlab-cmp-real-'));
    before = new Set(residue().split('\n').filter(Boolean));
    sh(`ip netns add ${NETNS}`);
  });
  afterAll(() => {
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
  });

  it('measures start, memory and isolation on both sides and leaves nothing behind', { timeout: 300_000 }, async () => {
    const r = spawnSync(process.execPath, [RUNNER, 'compare', '--json', '--quick', '--real'], {
      env: { ...process.env, BOXLAB_HOME: home, BOXLAB_HOST_NETNS: NETNS, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const cmp = JSON.parse(r.stdout) as Comparison;
    expect(cmp.mode).toBe('real');
    expect(['kvm', 'tcg']).toContain(cmp.vm.accel);
    expect(cmp.vm.note).toMatch(/KVM/);
    const row = (id: string) => cmp.rows.find((x) => x.id === id)!;
    for (const id of ['start', 'memory', 'isolation']) {
      for (const side of ['container', 'vm'] as const) {
        const c = row(id)[side];
        expect(c.measured, `${id}/${side}: ${c.failure ?? c.text}`).toBe(true);
        expect(c.samples).toBeGreaterThan(0);
        expect(c.method.length).toBeGreaterThan(5);
      }
    }
    expect(row('start').container.samples).toBeGreaterThanOrEqual(3);
    expect(row('start').container.stat?.n).toBe(row('start').container.samples);
    expect(row('start').vm.unit).toBe('ms');
    expect(row('start').vm.value!).toBeGreaterThan(row('start').container.value!);
    expect(row('memory').vm.value!).toBeGreaterThan(row('memory').container.value!);
    // the container's kernel is the host's; the VM's is its own boot
    expect(row('isolation').container.text).toContain('same kernel');
    expect(row('isolation').container.text).toContain(sh('uname -r').trim());
    expect(row('isolation').vm.text).toMatch(/uname -r = \S+/);
    // cited figures are still there, marked
    expect(row('start').more.some((m) => !m.measured && m.source?.url.includes('youki'))).toBe(true);
    // nothing outlives the command
    expect(cmp.pids.length).toBeGreaterThan(0);
    for (const pid of cmp.pids) expect(await gone(pid), `PID ${pid} is still alive`).toBe(true);
    expect(sh('pgrep -a qemu-system || true').trim()).toBe('');
  });

  it('kills qemu and removes its containers on Ctrl-C', async () => {
    const p = spawn(process.execPath, [RUNNER, 'compare', '--quick', '--real'], {
      env: { ...process.env, BOXLAB_HOME: home, BOXLAB_HOST_NETNS: NETNS, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const qemuPids = new Set<number>();
    const closed = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
    p.stderr.on('data', (d) => (err += d));
    // wait for a VM boot to be under way, note qemu's PID (a child of the runner), then Ctrl-C
    const deadline = Date.now() + 120_000;
    while (!/VM: boot 1\//.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(/VM: boot 1\//);
    // qemu is spawned as the boot is announced: look for it a little while
    for (const until = Date.now() + 10_000; qemuPids.size === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      for (const line of sh(`ps -o pid=,comm= --ppid ${p.pid} || true`).split('\n')) {
        const m = /^\s*(\d+)\s+qemu-system/.exec(line);
        if (m) qemuPids.add(Number(m[1]));
      }
    }
    p.kill('SIGINT');
    await closed;
    expect(qemuPids.size).toBe(1);
    for (const pid of qemuPids) expect(await gone(pid), `qemu PID ${pid} survived Ctrl-C`).toBe(true);
    expect(sh(`ps -eo args | grep 'boxlab-cmp-${p.pid}-' | grep -v grep || true`).trim()).toBe('');
  }, 180_000);

  it('adds no boxlab kernel object (mounts, cgroups, links, netns)', () => {
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    const added = residue().split('\n').filter((l) => l && !before.has(l));
    expect(added).toEqual([]);
  });
});
