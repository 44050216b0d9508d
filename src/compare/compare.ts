// The comparison, row by row: measure what this machine can, fall back to cited figures for the
// rest, and name every fault in one line. sim mode measures nothing of the host: its figures are
// cited ("not measured here"), except what the simulated kernel itself shows (uname -r) and the
// base image's real layer tar.
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { Engine } from '../engine/engine.js';
import { ensureImage } from '../engine/images/catalog.js';
import { Lab, defaultHome } from '../engine/lab.js';
import { createKernel } from '../kernel/index.js';
import { realUnavailable } from '../kernel/real/ready.js';
import { bareMemory, bareRootfs, bareStarts, containerMemory, containerRelease, engineStarts, warmUp, BASE } from './container.js';
import { defaultBudget, fits, type Budget } from './density.js';
import { containerPerf, hostPerf } from './perf.js';
import { cited, citedMore, REFERENCES } from './references.js';
import { describeSummary, summarize } from './stats.js';
import { NOT_MEASURED, type Cell, type Comparison, type Row } from './types.js';
import { startedPids } from './proc.js';
import { bootOnce, chooseAccel, prepareVm, type Boot, type VmSetup } from './vm.js';

export interface CompareOptions {
  mode: 'sim' | 'real';
  quick?: boolean;
  /** the real-mode engine (the CLI passes engineFor({ real: true })) */
  engine?: () => Engine;
  /** one line per stage, for "measuring…" */
  progress?: (line: string) => void;
}

export interface Plan {
  engineStarts: number;
  bareStarts: number;
  boots: number;
  perfMB: number;
  perfRuns: number;
  vmPerfMB: number;
}

export function planFor(quick: boolean): Plan {
  return quick
    ? { engineStarts: 3, bareStarts: 10, boots: 1, perfMB: 64, perfRuns: 3, vmPerfMB: 32 }
    : { engineStarts: 11, bareStarts: 31, boots: 5, perfMB: 256, perfRuns: 5, vmPerfMB: 64 };
}

export const fmtMs = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
export const fmtMB = (v: number): string => (v >= 100 ? `${v.toFixed(0)} MB` : v >= 1 ? `${v.toFixed(1)} MB` : `${v.toFixed(2)} MB`);
export const fmtX = (v: number): string => `${v.toFixed(2)}×`;

function measured(values: number[], unit: Cell['unit'], fmt: (v: number) => string, method: string): Cell {
  const stat = summarize(values);
  return { value: stat.median, unit, text: describeSummary(stat, fmt), measured: true, method, samples: stat.n, stat };
}

function single(value: number, unit: Cell['unit'], text: string, method: string, samples = 1): Cell {
  return { value, unit, text, measured: true, method, samples };
}

function textCell(text: string, method: string, measuredHere: boolean, samples: number, failure?: string): Cell {
  return { unit: 'text', text, measured: measuredHere, method, samples, ...(failure ? { failure } : {}) };
}

/** a /proc/meminfo field in MB; `fallback` where there is none (not Linux) */
function meminfoMB(field: 'MemAvailable' | 'MemTotal', fallback: number): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return fallback;
}

const memAvailableMB = (): number => meminfoMB('MemAvailable', 4096);
const memTotalMB = (): number => meminfoMB('MemTotal', 0);

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export const MEANING: Record<Row['id'], string> = {
  start:
    'A container start is a few system calls (namespaces, a mount, a cgroup) and an exec, so it costs milliseconds; a VM boots a whole kernel. Too simple: an engine adds its own bookkeeping on top of the bare baseline, and a microVM (Firecracker) boots a tuned kernel in ~100 ms — the gap is kernel boot, not "VM" as such.',
  disk: "An image carries only the files its program needs and shares the host's kernel, so it is MB where a VM disk is GB. Too simple: this VM is only a kernel and a busybox initramfs (a few MB too), and image layers are shared between images — a full distro image, container or VM, is hundreds of MB.",
  memory:
    "A running container costs the memory its processes touch; a VM reserves memory for a whole guest kernel and its page cache, and qemu itself. Too simple: a VM's RSS grows with what the guest touches, not its -m size, and a microVM's VMM overhead is ≤ 5 MiB — it is the guest kernel that costs.",
  performance:
    "A container's code runs directly on the host CPU and kernel, so CPU work runs at host speed (≈ 1.0×). Too simple: a VM with hardware virtualisation (KVM) is also near native for CPU work; a large slowdown here means TCG — qemu translating every instruction (emulation, not virtualisation).",
  density:
    'Computed, not started: per-unit memory and start time from the rows above, against a memory and a time budget. Too simple: density is bounded by memory (and CPU, I/O, and what the workload needs), not by magic — a container running a 2 GB JVM is no denser than a VM running it.',
  isolation:
    "Containers share the host's one kernel (the same uname -r), so a kernel bug is every container's bug; a VM runs its own kernel behind hardware virtualisation. Too simple: namespaces, cgroups, seccomp and capabilities narrow what a container can reach, and a VM's isolation is only as strong as its hypervisor.",
};

export const CLAIMS: Record<Row['id'], string> = {
  start: 'Containers start in seconds, VMs in minutes',
  disk: 'Containers take MB of disk, VMs GB',
  memory: 'Containers need MB of memory, VMs GB',
  performance: 'Containers run at native speed, VMs are slower',
  density: 'Thousands of containers per host, dozens of VMs',
  isolation: 'Containers isolate in software (shared kernel), VMs in hardware (own kernel)',
};

function row(id: Row['id'], container: Cell, vm: Cell, more: Row['more'], log: boolean): Row {
  return { id, claim: CLAIMS[id], container, vm, more, log, meaning: MEANING[id] };
}

/** What the simulated kernel shows: uname -r in a container, and the base image's layer size. */
async function simFacts(): Promise<{ release: string; hostRelease: string; imageBytes: number; layers: number[] } | { why: string }> {
  const lab = new Lab({ mode: 'sim', home: null, kernel: (m, o) => createKernel(m, o) });
  try {
    const engine = new Engine(lab);
    const out: string[] = [];
    await engine.run({ image: BASE, cmd: ['uname', '-r'], autoRemove: true }, { out: (t) => void out.push(t), err: () => undefined });
    const img = await engine.tx((tx) => ensureImage(tx, BASE));
    const hostRelease = await engine.tx(async (tx) => tx.kernel.info.release ?? '');
    return { release: out.join('').trim(), hostRelease, imageBytes: img.layers.reduce((s, l) => s + l.size, 0), layers: img.layers.map((l) => l.size) };
  } catch (e) {
    return { why: msg(e) };
  } finally {
    lab.dispose();
  }
}

/** The real-mode engine, as the CLI makes it (BOXLAB_HOME, BOXLAB_HOST_NETNS honoured): for callers without one (the UI). */
export function defaultRealEngine(): Engine {
  const hostNetns = process.env.BOXLAB_HOST_NETNS || undefined;
  return new Engine(new Lab({ mode: 'real', home: defaultHome('real'), kernel: (m, o) => createKernel(m, { ...o, real: { hostNetns } }) }));
}

export async function runCompare(opts: CompareOptions): Promise<Comparison> {
  const quick = !!opts.quick;
  const plan = planFor(quick);
  const say = opts.progress ?? (() => undefined);
  const notes: string[] = [];
  const cmp: Comparison = {
    mode: opts.mode,
    quick,
    at: new Date().toISOString(),
    host: { kernel: release(), cpus: cpus().length, memMB: Math.round(memTotalMB()) },
    vm: { accel: 'none', note: '' },
    rows: [],
    notes,
    pids: [],
  };
  const budget: Budget = defaultBudget(memAvailableMB());
  if (opts.mode === 'sim') return simComparison(cmp, budget);

  // ---- the container side, through the engine in real mode ----
  let cFail: string | undefined;
  const why = realUnavailable();
  if (why) cFail = `container: real mode cannot run here (${why.reason})`;
  let engine: Engine | undefined;
  if (!cFail) {
    try {
      engine = opts.engine ? opts.engine() : defaultRealEngine();
    } catch (e) {
      cFail = `container: ${msg(e)}`;
    }
  }
  const c: {
    starts?: number[]; bare?: number[]; cgroupMB?: number; rssMB?: number; bareMB?: number; release?: string; perf?: number[]; imageLayers?: number[];
  } = {};
  const fail: Record<string, string> = {};
  const containerPids: number[] = [];
  const firstPid = startedPids.length;
  const attempt = async (key: string, what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      fail[key] = `${what}: ${msg(e)}`;
      notes.push(fail[key]);
    }
  };
  if (cFail) notes.push(cFail);
  if (engine) {
    const eng = engine;
    say(`container: preparing the ${BASE} image`);
    await attempt('warm', 'container', () => warmUp(eng));
    if (!fail.warm) {
      say(`container: ${plan.engineStarts} × boxlab run --rm ${BASE} true`);
      await attempt('starts', 'container start', async () => {
        const r = await engineStarts(eng, plan.engineStarts);
        c.starts = r.samples;
        for (const f of r.failures) notes.push(`container start ${f} (left out of the median)`);
      });
      say('container: memory of a running container');
      await attempt('mem', 'container memory', async () => {
        const m = await containerMemory(eng);
        c.cgroupMB = m.cgroupMB;
        if (m.pid) containerPids.push(m.pid);
        c.rssMB = m.rssMB;
      });
      say('container: uname -r inside');
      await attempt('uname', 'container uname', async () => void (c.release = await containerRelease(eng)));
      say(`container: CPU workload (${plan.perfMB} MB sha256) × ${plan.perfRuns}`);
      await attempt('perf', 'container workload', async () => void (c.perf = await containerPerf(eng, plan.perfMB, plan.perfRuns)));
      await attempt('image', 'base image', async () => {
        c.imageLayers = await eng.tx(async (tx) => (await ensureImage(tx, BASE)).layers.map((l) => l.size));
      });
    } else cFail = fail.warm;
  }
  // the bare baseline needs root (unshare), not the engine
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const fs = bareRootfs();
    if ('why' in fs) notes.push(`bare baseline: ${fs.why}`);
    else {
      try {
        say(`bare: ${plan.bareStarts} × unshare … chroot /bin/true`);
        await attempt('bare', 'bare baseline', async () => void (c.bare = await bareStarts(fs.dir, plan.bareStarts)));
        await attempt('bareMem', 'bare memory', async () => void (c.bareMB = (await bareMemory(fs.dir)).rssMB));
      } finally {
        fs.dispose();
      }
    }
  } else notes.push('bare baseline: not root (unshare needs root)');
  let host: number[] | undefined;
  say(`host: CPU workload (${plan.perfMB} MB sha256) × ${plan.perfRuns}`);
  await attempt('host', 'host workload', async () => void (host = await hostPerf(plan.perfMB, plan.perfRuns)));

  // ---- the VM side ----
  const boots: Boot[] = [];
  let vmPerf: Boot | undefined;
  let vm: VmSetup | undefined;
  let vFail: string | undefined;
  say('VM: looking for qemu, a kernel and busybox');
  const setup = await prepareVm();
  if ('why' in setup) vFail = `VM: ${setup.why}`;
  else vm = setup;
  if (vm) {
    try {
      say('VM: trying KVM (short timeout)');
      const accel = await chooseAccel(vm);
      cmp.vm = { accel: accel.accel, note: accel.note, kernel: vm.kernel.path };
      notes.push(accel.note);
      const timeoutMs = accel.accel === 'kvm' ? 20_000 : 60_000;
      for (let i = 0; i < plan.boots; i++) {
        say(`VM: boot ${i + 1}/${plan.boots} (${accel.accel.toUpperCase()})`);
        const b = await bootOnce(vm.kernel.path, vm.initrd.path, accel.accel, { timeoutMs });
        if (!b.ok) {
          notes.push(`VM boot ${i + 1}: ${b.failure}`);
          if (b.toMarkerMs === undefined) break;
        } else boots.push(b);
      }
      if (boots.length) {
        say(`VM: CPU workload (${plan.vmPerfMB} MB sha256) in the guest`);
        const b = await bootOnce(vm.kernel.path, vm.initrd.path, accel.accel, { timeoutMs: timeoutMs * 3, perfMB: plan.vmPerfMB });
        if (b.ok && b.perfMs !== undefined) vmPerf = b;
        else notes.push(`VM workload: ${b.failure ?? 'no timing from the guest'}`);
      } else vFail = 'VM: no boot reached the marker';
    } finally {
      vm.dispose();
    }
  }
  if (vFail) notes.push(vFail);
  const vmDisk = vm ? { kernel: vm.kernel.bytes, initrd: vm.initrd.bytes, path: vm.kernel.path } : undefined;

  cmp.pids = [...startedPids.slice(firstPid), ...containerPids];

  // ---- rows ----
  const accelName = cmp.vm.accel === 'kvm' ? 'KVM' : 'TCG';
  const qemuCmd = `qemu-system-x86_64 -kernel ${vmDisk?.path ?? 'K'} -initrd initramfs -append 'console=ttyS0 panic=-1 quiet' -nographic -no-reboot -m 256 ${cmp.vm.accel === 'kvm' ? '-enable-kvm' : '-accel tcg'}`;
  const vmFailLine = vFail ?? (boots.length ? undefined : 'VM: not measured');
  const cStartFail = cFail ?? fail.starts;

  // start
  {
    const container = c.starts ? measured(c.starts, 'ms', fmtMs, `boxlab run --rm ${BASE} true (engine: create, start, wait, remove), wall time`) : cited(REFERENCES.crun, cStartFail);
    const vmCell = boots.length ? measured(boots.map((b) => b.toMarkerMs!), 'ms', fmtMs, `${qemuCmd}: spawn to the marker on the serial console (${accelName})`) : cited(REFERENCES.firecrackerBoot, vmFailLine);
    const more: Row['more'] = [];
    if (c.bare) more.push({ ...measured(c.bare, 'ms', fmtMs, 'unshare --fork --kill-child --pid --mount-proc chroot ROOTFS /bin/true, wall time'), label: 'bare container (no engine)' });
    if (boots.length) more.push({ ...measured(boots.map((b) => b.toExitMs), 'ms', fmtMs, `${qemuCmd}: spawn to qemu's exit after poweroff -f`), label: `VM boot to poweroff (${accelName})` });
    more.push(citedMore(REFERENCES.crun), citedMore(REFERENCES.runc), citedMore(REFERENCES.firecrackerBoot));
    cmp.rows.push(row('start', container, vmCell, more, true));
  }
  // disk
  {
    const layers = c.imageLayers;
    const container = layers
      ? single(layers.reduce((s, l) => s + l, 0) / 1e6, 'MB', `${fmtMB(layers.reduce((s, l) => s + l, 0) / 1e6)} (${layers.length} layer${layers.length === 1 ? '' : 's'})`, `the ${BASE} image's layer tars in boxlab's store`)
      : textCell(`(${NOT_MEASURED})`, `the ${BASE} image's layer tars in boxlab's store`, false, 0, fail.image ?? cFail);
    const vmCell = vmDisk
      ? single((vmDisk.kernel + vmDisk.initrd) / 1e6, 'MB', `${fmtMB((vmDisk.kernel + vmDisk.initrd) / 1e6)} (kernel ${fmtMB(vmDisk.kernel / 1e6)} + initramfs ${fmtMB(vmDisk.initrd / 1e6)})`, `${vmDisk.path} + the busybox initramfs built here`)
      : cited(REFERENCES.cirrosDisk, vFail);
    cmp.rows.push(row('disk', container, vmCell, [citedMore(REFERENCES.cirrosDisk)], true));
  }
  // memory
  {
    const container = c.cgroupMB !== undefined ? single(c.cgroupMB, 'MB', `${fmtMB(c.cgroupMB)} (cgroup memory.current; its process RSS ${fmtMB(c.rssMB ?? 0)})`, `boxlab run -d ${BASE} sleep 60, then its cgroup's memory usage`) : cited(REFERENCES.bareMem, fail.mem ?? cFail);
    const rss = boots.map((b) => b.peakRssMB).filter((v): v is number => v !== undefined);
    const vmCell = rss.length ? measured(rss, 'MB', fmtMB, `qemu's VmHWM (peak RSS) in /proc/PID/status, -m 256, ${accelName}`) : cited(REFERENCES.qemuRss, vmFailLine);
    const more: Row['more'] = [];
    if (c.bareMB !== undefined) more.push({ ...single(c.bareMB, 'MB', fmtMB(c.bareMB), 'VmRSS of a sleep in unshare … chroot'), label: 'bare container process RSS' });
    more.push(citedMore(REFERENCES.firecrackerMem));
    cmp.rows.push(row('memory', container, vmCell, more, true));
  }
  // performance
  {
    const hostMed = host ? summarize(host).median : undefined;
    let container: Cell;
    if (c.perf && hostMed) {
      const ratios = c.perf.map((v) => v / hostMed);
      container = measured(ratios, 'x', fmtX, `sha256 of ${plan.perfMB} MB of zeros (busybox dd | sha256sum) in a container ÷ the host's median (${fmtMs(hostMed)}, n=${host!.length}); /proc/uptime before and after`);
    } else container = { value: 1, unit: 'x', text: `≈ 1.00× expected: same CPU, same kernel (${NOT_MEASURED})`, measured: false, method: 'no measurement; the container runs the host CPU directly', samples: 0, failure: fail.perf ?? fail.host ?? cFail };
    let vmCell: Cell;
    if (vmPerf?.perfMs !== undefined && hostMed) {
      const hostPerMB = hostMed / plan.perfMB;
      const ratio = vmPerf.perfMs / plan.vmPerfMB / hostPerMB;
      vmCell = single(ratio, 'x', `${fmtX(ratio)} (${fmtMs(vmPerf.perfMs)} for ${plan.vmPerfMB} MB, n=1; ${accelName}${cmp.vm.accel === 'tcg' ? ': emulation, every instruction translated' : ''})`, `the same workload in the guest, timed by the guest's /proc/uptime, per MB ÷ the host's per MB`);
    } else vmCell = cited(REFERENCES.firecrackerCpu, vmFailLine ?? 'VM workload: not measured');
    const more: Row['more'] = [];
    if (host) more.push({ ...measured(host, 'ms', fmtMs, `the workload on the host (${plan.perfMB} MB)`), label: 'host, the same workload' });
    more.push(citedMore(REFERENCES.firecrackerCpu));
    cmp.rows.push(row('performance', container, vmCell, more, true));
  }
  // density
  cmp.rows.push(densityRow(cmp.rows, budget));
  // isolation
  {
    const hostRel = release();
    const container = c.release
      ? textCell(`${c.release === hostRel ? 'same kernel' : 'differs?'}: uname -r = ${c.release} (host ${hostRel})`, `boxlab run --rm ${BASE} uname -r`, true, 1)
      : textCell(`shared kernel (${NOT_MEASURED})`, 'a container is a process on the host kernel', false, 0, fail.uname ?? cFail);
    const guest = boots.find((b) => b.guestRelease)?.guestRelease;
    const vmCell = guest
      ? textCell(`${guest === hostRel ? 'same release string' : 'own kernel'}: uname -r = ${guest} (host ${hostRel})`, 'uname -r printed by the guest\'s /init on the serial console', true, 1)
      : textCell(`own kernel (${NOT_MEASURED})`, 'a VM boots its own kernel', false, 0, vmFailLine);
    cmp.rows.push(row('isolation', container, vmCell, [], false));
  }
  return cmp;
}

function densityRow(rows: Row[], budget: Budget): Row {
  const get = (id: Row['id'], side: 'container' | 'vm') => rows.find((r) => r.id === id)?.[side];
  const cell = (side: 'container' | 'vm'): Cell => {
    const mem = get('memory', side);
    const st = get('start', side);
    if (mem?.value === undefined || st?.value === undefined) return textCell('unknown', 'needs per-unit memory and start time', false, 0, 'density: memory or start time missing');
    const f = fits(mem.value, st.value, budget);
    const from = mem.measured && st.measured ? 'measured' : mem.measured || st.measured ? 'partly cited' : 'cited';
    return {
      value: f.fit,
      unit: 'count',
      text: `${f.fit} (memory allows ${f.byMemory}, ${budget.seconds} s of one-at-a-time starts allow ${f.byTime}; from ${from} figures)`,
      measured: mem.measured && st.measured,
      method: `computed, not started: min(⌊${budget.memoryMB} MB ÷ ${fmtMB(mem.value)}⌋, ⌊${budget.seconds} s ÷ ${fmtMs(st.value)}⌋)`,
      samples: Math.min(mem.samples, st.samples),
    };
  };
  return row('density', cell('container'), cell('vm'), [], true);
}

async function simComparison(cmp: Comparison, budget: Budget): Promise<Comparison> {
  const why = 'sim mode: nothing on this machine is measured (use --real as root)';
  cmp.notes.push(why);
  cmp.vm = { accel: 'none', note: 'sim mode: no VM is booted; the VM figures are cited' };
  const facts = await simFacts();
  if ('why' in facts) cmp.notes.push(`simulated kernel: ${facts.why}`);
  const start = row('start', cited(REFERENCES.crun), cited(REFERENCES.firecrackerBoot), [citedMore(REFERENCES.youki), citedMore(REFERENCES.runc), citedMore(REFERENCES.bareStart), citedMore(REFERENCES.qemuBoot)], true);
  const disk = row(
    'disk',
    'why' in facts
      ? textCell(`(${NOT_MEASURED})`, 'the base image', false, 0)
      : { value: facts.imageBytes / 1e6, unit: 'MB', text: `${fmtMB(facts.imageBytes / 1e6)} (the simulated ${BASE} image's layer tar; simulated content)`, measured: false, method: `the sim ${BASE} image's layer tar (simbox content, not a host image)`, samples: 1 },
    cited(REFERENCES.cirrosDisk),
    [],
    true,
  );
  const memory = row('memory', cited(REFERENCES.bareMem), cited(REFERENCES.qemuRss), [citedMore(REFERENCES.firecrackerMem)], true);
  const performance = row('performance', { value: 1, unit: 'x', text: `≈ 1.00× expected: same CPU, same kernel (${NOT_MEASURED})`, measured: false, method: 'no measurement in sim mode', samples: 0 }, cited(REFERENCES.firecrackerCpu), [], true);
  cmp.rows.push(start, disk, memory, performance);
  cmp.rows.push(densityRow(cmp.rows, budget));
  const iso = 'why' in facts
    ? textCell(`shared kernel (${NOT_MEASURED})`, 'a container is a process on the host kernel', false, 0)
    : textCell(`${facts.release === facts.hostRelease ? 'same kernel' : 'differs'}: uname -r = ${facts.release} (simulated host ${facts.hostRelease})`, `boxlab run --rm ${BASE} uname -r on the simulated kernel`, false, 1);
  cmp.rows.push(row('isolation', iso, textCell(`own kernel (${NOT_MEASURED})`, 'a VM boots its own kernel', false, 0), [], false));
  return cmp;
}
