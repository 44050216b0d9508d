// The VM side: a real virtual machine, as small as one can be. qemu-system-x86_64 boots a Linux
// kernel (the host's /boot/vmlinuz* when readable, else Debian's linux-image-cloud-amd64) with a
// tiny initramfs made here from a static busybox: /init prints a marker, its kernel release,
// optionally times a CPU workload, and powers off. Measured from the host: time to the marker on
// the serial console, time to qemu's exit, and qemu's peak RSS (VmHWM in /proc/PID/status).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatus } from '../kernel/real/processes.js';
import { hostBusybox } from '../kernel/real/base.js';
import { parsePerf, workload } from './perf.js';
import { alive, onInterrupt, start, SpawnError } from './proc.js';

export const MARKER = 'BOXLAB-VM-UP';
export const QEMU = 'qemu-system-x86_64';

// ---- initramfs: a newc cpio archive, written by hand (no cpio tool needed) ----

interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
}

function cpioHeader(e: CpioEntry, ino: number): Buffer {
  const size = e.data?.length ?? 0;
  const nameSize = Buffer.byteLength(e.name) + 1;
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const fields = ['070701', hex(ino), hex(e.mode), hex(0), hex(0), hex(1), hex(0), hex(size), hex(0), hex(0), hex(0), hex(0), hex(nameSize), hex(0)];
  return Buffer.from(fields.join(''), 'ascii');
}

const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

export function cpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const head = Buffer.concat([cpioHeader(e, ino++), Buffer.from(`${e.name}\0`)]);
    parts.push(head, pad4(head.length));
    if (e.data?.length) parts.push(e.data, pad4(e.data.length));
  }
  return Buffer.concat(parts);
}

/** The guest's /init: marker, kernel release, the CPU workload when asked (boxlab.perf=MB), power off. */
export function initScript(): string {
  return [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t devtmpfs dev /dev',
    `echo ${MARKER}`,
    'echo "BOXLAB-UNAME $(/bin/busybox uname -r)"',
    "MB=$(/bin/busybox sed -n 's/.*boxlab.perf=\\([0-9]*\\).*/\\1/p' /proc/cmdline)",
    // the same workload as on the host and in a container, timed by the guest's own clock
    `if [ -n "$MB" ]; then ${workload('$MB', '/bin/busybox')}; fi`,
    '/bin/busybox poweroff -f',
    '',
  ].join('\n');
}


/** A static busybox, or null with the reason (a dynamic one would need its libraries in the initramfs). */
function staticBusybox(): { path: string } | { why: string } {
  const p = hostBusybox();
  if (!p) return { why: 'no busybox (install busybox-static)' };
  const head = readFileSync(p).subarray(0, 4096);
  // a dynamic ELF names its interpreter (PT_INTERP): /lib64/ld-linux...
  if (head.includes(Buffer.from('/lib64/ld-linux')) || head.includes(Buffer.from('/lib/ld-linux'))) return { why: `${p} is dynamically linked (install busybox-static)` };
  return { path: p };
}

export function buildInitramfs(dir: string): { path: string; bytes: number } | { why: string } {
  const bb = staticBusybox();
  if ('why' in bb) return bb;
  const data = cpioNewc([
    { name: 'bin', mode: 0o40755 },
    { name: 'proc', mode: 0o40755 },
    { name: 'dev', mode: 0o40755 },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(bb.path) },
    { name: 'bin/sh', mode: 0o120777, data: Buffer.from('busybox') },
    { name: 'init', mode: 0o100755, data: Buffer.from(initScript()) },
  ]);
  const path = join(dir, 'initramfs.cpio');
  writeFileSync(path, data);
  return { path, bytes: data.length };
}

/** The host's own kernel image when readable, else any readable /boot/vmlinuz* (Debian's cloud kernel). */
export function findKernel(boot = '/boot'): { path: string; bytes: number; hostOwn: boolean } | { why: string } {
  const readable = (p: string) => {
    try {
      accessSync(p, constants.R_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const own = join(boot, `vmlinuz-${release()}`);
  if (readable(own)) return { path: own, bytes: statSync(own).size, hostOwn: true };
  let names: string[] = [];
  try {
    names = readdirSync(boot).filter((n) => n.startsWith('vmlinuz')).sort();
  } catch {
    /* no /boot */
  }
  const pick = names.find((n) => n.includes('cloud') && readable(join(boot, n))) ?? names.find((n) => readable(join(boot, n)));
  if (pick) return { path: join(boot, pick), bytes: statSync(join(boot, pick)).size, hostOwn: false };
  return { why: names.length ? `no readable kernel in ${boot} (${names.join(', ')} not readable)` : `no kernel in ${boot} (install linux-image-cloud-amd64)` };
}

export interface Boot {
  ok: boolean;
  accel: 'kvm' | 'tcg';
  /** ms from spawn to the marker on the serial console */
  toMarkerMs?: number;
  /** ms from spawn to qemu's exit */
  toExitMs: number;
  /** qemu's peak RSS, MB (VmHWM) */
  peakRssMB?: number;
  guestRelease?: string;
  /** ms between the workload markers, as the host saw them */
  perfMs?: number;
  pid: number;
  failure?: string;
}

/** qemu's peak resident memory (VmHWM) */
function vmHwmKB(pid: number): number | undefined {
  const v = parseInt(readStatus(pid)?.VmHWM ?? '', 10);
  return Number.isNaN(v) ? undefined : v;
}

export function qemuArgv(kernel: string, initrd: string, accel: 'kvm' | 'tcg', perfMB?: number): string[] {
  const append = `console=ttyS0 panic=-1 quiet${perfMB ? ` boxlab.perf=${perfMB}` : ''}`;
  return [QEMU, '-kernel', kernel, '-initrd', initrd, '-append', append, '-nographic', '-no-reboot', '-m', '256', ...(accel === 'kvm' ? ['-enable-kvm'] : ['-accel', 'tcg'])];
}

/** Boot once; kill at timeoutMs (or markerTimeoutMs if the marker has not come by then). */
export async function bootOnce(kernel: string, initrd: string, accel: 'kvm' | 'tcg', opts: { timeoutMs: number; markerTimeoutMs?: number; perfMB?: number }): Promise<Boot> {
  const p = await start(qemuArgv(kernel, initrd, accel, opts.perfMB), { timeoutMs: opts.timeoutMs });
  const b: Boot = { ok: false, accel, toExitMs: 0, pid: p.pid };
  let perfStart: number | undefined;
  let hwm = 0;
  let last = '';
  const sample = () => {
    const v = vmHwmKB(p.pid);
    if (v && v > hwm) hwm = v;
  };
  p.onLine((line, at) => {
    if (line.trim()) last = line.trim().slice(0, 160);
    if (line.includes(MARKER) && b.toMarkerMs === undefined) {
      b.toMarkerMs = at;
      sample();
    }
    const u = /BOXLAB-UNAME (\S+)/.exec(line);
    if (u) b.guestRelease = u[1];
    // the guest's own clock (/proc/uptime, 10 ms steps), both readings on one line
    const ms = parsePerf(line);
    if (ms !== null) b.perfMs = ms;
    if (line.includes('reboot: Power down') || ms !== null) sample();
  });
  const poll = setInterval(sample, 25);
  let markerTimer: NodeJS.Timeout | undefined;
  let killedNoMarker = false;
  if (opts.markerTimeoutMs) {
    markerTimer = setTimeout(() => {
      if (b.toMarkerMs === undefined) {
        killedNoMarker = true;
        p.kill();
      }
    }, opts.markerTimeoutMs);
  }
  const r = await p.done;
  clearInterval(poll);
  if (markerTimer) clearTimeout(markerTimer);
  b.toExitMs = r.ms;
  if (hwm) b.peakRssMB = hwm / 1024;
  if (b.toMarkerMs === undefined) {
    const limit = opts.markerTimeoutMs && !r.timedOut ? opts.markerTimeoutMs : opts.timeoutMs;
    b.failure = r.timedOut || killedNoMarker ? `no marker on the serial console within ${(limit / 1000).toFixed(0)} s (killed qemu, PID ${p.pid})` : `qemu exited (${r.signal ?? `code ${r.code}`}) before the marker${last ? `: ${last}` : ''}`;
  } else if (r.timedOut) b.failure = `qemu did not power off within ${(opts.timeoutMs / 1000).toFixed(0)} s (killed, PID ${p.pid})`;
  else b.ok = true;
  if (alive(p.pid)) p.kill();
  return b;
}

export interface VmSetup {
  kernel: { path: string; bytes: number; hostOwn: boolean };
  initrd: { path: string; bytes: number };
  dir: string;
  dispose(): void;
}

/** qemu installed? kernel? initramfs? Each missing piece is one line. */
export async function prepareVm(): Promise<VmSetup | { why: string }> {
  const probe = await start([QEMU, '--version'], { timeoutMs: 5000 }).catch((e: unknown) => e as Error);
  if (probe instanceof SpawnError) return { why: probe.missing ? `${QEMU} is not installed (apt-get install qemu-system-x86)` : probe.message };
  if (probe instanceof Error) return { why: probe.message };
  await probe.done;
  const kernel = findKernel();
  if ('why' in kernel) return kernel;
  const dir = mkdtempSync(join(tmpdir(), 'boxlab-cmp-vm-'));
  const initrd = buildInitramfs(dir);
  if ('why' in initrd) {
    rmSync(dir, { recursive: true, force: true });
    return initrd;
  }
  // Ctrl-C while the VM runs: the temporary initramfs goes too
  const off = onInterrupt(async () => rmSync(dir, { recursive: true, force: true }));
  return {
    kernel,
    initrd,
    dir,
    dispose: () => {
      off();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let kvmVerdict: { accel: 'kvm' | 'tcg'; note: string } | undefined;

/**
 * KVM when it works. /dev/kvm can exist and still hang a guest (nested virtualisation in a
 * microVM, for one): try one KVM boot with a short timeout, and fall back to TCG, saying why.
 */
export async function chooseAccel(vm: VmSetup, kvmTimeoutMs = 8000): Promise<{ accel: 'kvm' | 'tcg'; note: string; probe?: Boot }> {
  if (kvmVerdict) return kvmVerdict;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    kvmVerdict = { accel: 'tcg', note: existsSync('/dev/kvm') ? 'KVM: /dev/kvm is not usable by this user; TCG (emulation)' : 'KVM: no /dev/kvm; TCG (emulation)' };
    return kvmVerdict;
  }
  const b = await bootOnce(vm.kernel.path, vm.initrd.path, 'kvm', { timeoutMs: kvmTimeoutMs, markerTimeoutMs: kvmTimeoutMs });
  if (b.ok) {
    kvmVerdict = { accel: 'kvm', note: 'KVM works: hardware virtualisation' };
    return { ...kvmVerdict, probe: b };
  }
  kvmVerdict = { accel: 'tcg', note: `KVM: /dev/kvm exists but a KVM guest ${b.failure?.startsWith('no marker') ? `hangs (no marker within ${kvmTimeoutMs / 1000} s)` : `failed (${b.failure})`}; fell back to TCG (emulation)` };
  return kvmVerdict;
}

