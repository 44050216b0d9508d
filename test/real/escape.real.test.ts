// Hardening by default: from inside a container started through the engine, each way out that
// Docker's defaults close must fail — seeing or signalling host processes, the host's root
// through /proc/1/root or a mount, remounting / read-write, /proc/sysrq-trigger, loading a
// module, creating device nodes (cgroup v1: the devices controller's allowlist; on pure v2 that
// takes an eBPF device filter, which boxlab does not load, so the mknod check is skipped there).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../../src/kernel/real/cleanup.js';
import { captureIo, isRoot, realEngine, residue, sh } from './helpers.js';

const NETNS = `boxlab-esctest-${process.pid}`;
const devicesV1 = existsSync('/sys/fs/cgroup/devices/devices.deny');
let home: string;
let engine: Awaited<ReturnType<typeof realEngine>>;
let hostSleep: ChildProcess;

/** a shell command in the container: exit code, stdout, stderr */
async function inside(cmd: string) {
  const io = captureIo();
  const code = await engine.exec('esc', ['sh', '-c', cmd], {}, io);
  return { code, out: io.stdout, err: io.stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!isRoot)('escape attempts from a default container fail', () => {
  beforeAll(async () => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-esc-'));
    sh(`ip netns add ${NETNS}`);
    engine = await realEngine(home, NETNS);
    hostSleep = spawn('sleep', ['4242'], { stdio: 'ignore' });
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'esc', detach: true }, captureIo());
  });

  afterAll(async () => {
    if (hostSleep.pid && alive(hostSleep.pid)) process.kill(hostSleep.pid, 'SIGKILL');
    await engine.rm('esc', { force: true, volumes: true }).catch(() => {});
    await cleanup({ extraNetns: [NETNS] });
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(residue()).toBe('');
  });

  it('runs with Docker default capabilities and no_new_privs', async () => {
    const r = await inside('grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
    expect(r.out).toMatch(/CapEff:\s+00000000a80425fb/);
    expect(r.out).toMatch(/CapBnd:\s+00000000a80425fb/);
    expect(r.out).toMatch(/NoNewPrivs:\s+1/);
  });

  it('sees only its own processes', async () => {
    const r = await inside('ps -o pid,args');
    const rows = r.out.trim().split('\n').slice(1);
    expect(rows.map((l) => l.trim().split(/\s+/).slice(1).join(' '))).toEqual(expect.arrayContaining(['sleep 600']));
    expect(r.out).not.toContain('4242');
    expect(r.out).not.toMatch(/vitest|node/);
    expect(rows.length).toBeLessThanOrEqual(4);
    const procs = (await inside('ls /proc | grep -c "^[0-9]"')).out.trim();
    expect(Number(procs)).toBeLessThanOrEqual(4);
  });

  it('cannot signal a host process by its host PID', async () => {
    const pid = hostSleep.pid!;
    const r = await inside(`kill -9 ${pid}`);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/No such process|can't kill/);
    expect(alive(pid)).toBe(true);
  });

  it("finds its own root, not the host's, through /proc/1/root", async () => {
    const r = await inside('ls -A /proc/1/root; echo --; ls -A /');
    const [viaProc, own] = r.out.split('--\n');
    expect(viaProc).toBe(own);
    expect((await inside(`ls ${home}`)).code).not.toBe(0);
    expect((await inside(`ls /proc/1/root${home}`)).code).not.toBe(0);
    expect((await inside('ls /proc/1/root/var/lib/boxlab')).code).not.toBe(0);
  });

  it('cannot mount (no CAP_SYS_ADMIN): not a tmpfs, not proc, not a bind of /', async () => {
    for (const cmd of ['mkdir -p /mnt && mount -t tmpfs none /mnt', 'mount -t proc proc /mnt', 'mount --bind / /mnt', 'mount -t sysfs sysfs /mnt']) {
      const r = await inside(cmd);
      expect(r.code, cmd).not.toBe(0);
      expect(r.err, cmd).toMatch(/permission denied|Operation not permitted|are you root/i);
    }
    expect((await inside('grep -c " /mnt " /proc/self/mountinfo')).out.trim()).toBe('0');
  });

  it('cannot remount / (or /proc/sys) read-write', async () => {
    for (const cmd of ['mount -o remount,rw /', 'mount -o remount,rw /proc/sys', 'mount -o remount,bind,rw /proc/sys']) {
      const r = await inside(cmd);
      expect(r.code, cmd).not.toBe(0);
    }
  });

  it('cannot write /proc/sysrq-trigger', async () => {
    // "h" only prints help to the kernel log: harmless should this ever succeed
    const r = await inside('echo h > /proc/sysrq-trigger');
    expect(r.code).not.toBe(0);
    // a kernel without CONFIG_MAGIC_SYSRQ has no such file at all
    expect(r.err).toMatch(existsSync('/proc/sysrq-trigger') ? /Read-only file system|Permission denied/ : /Read-only file system|Permission denied|nonexistent|No such file/);
    // nor anything under /proc/sys (read-only there; domainname is per UTS namespace, harmless)
    const sys = await inside('echo boxlab > /proc/sys/kernel/domainname');
    expect(sys.code).not.toBe(0);
    expect(sys.err).toMatch(/Read-only file system/);
  });

  it('cannot load a kernel module (no CAP_SYS_MODULE)', async () => {
    // not a module at all: with the capability the kernel would say "Invalid module format"
    const r = await inside('echo junk > /tmp/boxlab.ko && insmod /tmp/boxlab.ko');
    expect(r.code).not.toBe(0);
    // EPERM for want of CAP_SYS_MODULE; ENOSYS on a kernel built without module support
    expect(r.err).toMatch(existsSync('/proc/modules') ? /Operation not permitted/ : /Operation not permitted|not support/);
    const caps = BigInt(`0x${/CapBnd:\s+(\w+)/.exec((await inside('cat /proc/self/status')).out)?.[1]}`);
    expect(caps & (1n << 16n)).toBe(0n); // CAP_SYS_MODULE
    const m = await inside('modprobe boxlab_none');
    expect(m.code).not.toBe(0);
  });

  it.skipIf(!devicesV1)('cannot create a block device node (devices cgroup), yet /dev/null and friends work', async () => {
    const r = await inside('mknod /tmp/x b 8 0');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Operation not permitted/);
    expect((await inside('mknod /tmp/mem c 1 1')).code).not.toBe(0);
    expect((await inside('ls /tmp/x /tmp/mem')).code).not.toBe(0);
    const ok = await inside('head -c 4 /dev/zero | wc -c; echo x > /dev/null && echo null ok; head -c 2 /dev/urandom | wc -c');
    expect(ok.out).toBe('4\nnull ok\n2\n');
  });
});
