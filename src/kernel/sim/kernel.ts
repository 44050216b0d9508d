// The simulated kernel: Linux's container primitives modelled in TypeScript, state as JSON.
// Every call emits the KernelEvents the real kernel would, with the command a person would type.
import { appendFileSync } from 'node:fs';
import { NAMESPACE_TYPES, cmdline, hostnameCommand, overlayGone, overlayInNs, shq, type EventListener, type KernelEvent, type KernelEventInput, type NsIds, type NsType } from '../events.js';
import {
  KernelError, SIGNAL_NUMBERS, systemClock,
  type Clock, type Kernel, type KernelFs, type KernelInfo, type KernelNet, type Observation, type OverlaySpec,
  type ProcInfo, type ProcStatus, type Signal, type SpawnSpec,
} from '../kernel.js';
import { SIM_HOSTNAME, SIM_RELEASE, boot, devTree } from './boot.js';
import { CGROUP_MOUNT, Cgroups, cgPath } from './cgroups.js';
import { Vfs, type SimMount } from './fs/vfs.js';
import { SimNet } from './net.js';
import { PROC_BASE_MEMORY, isAlive, isNsInit, toInfo, toStatus, visibleFrom } from './procs.js';
import { makeSynthetic } from './procfs.js';
import { populateSimbox } from './rootfs.js';
import { readSimTree, writeSimEntries } from './fs/entries.js';
import * as simbox from './simbox/index.js';
import type { Outcome } from './simbox/index.js';
import type { SimProc, SimState } from './state.js';
import { SysError, type BlockProgram } from './sys.js';
import { ProcSys } from './sysctx.js';

const NS_FLAG: Record<NsType, string> = {
  pid: '--pid --fork', mnt: '--mount', uts: '--uts', ipc: '--ipc', net: '--net', user: '--user --map-root-user', cgroup: '--cgroup',
};

export interface SimKernelOptions {
  state?: SimState;
  clock?: Clock;
}

export class SimKernel implements Kernel {
  readonly clock: Clock;
  readonly st: SimState;
  readonly vfs: Vfs;
  readonly cgroups: Cgroups;
  readonly simnet: SimNet;
  readonly fs: KernelFs;
  readonly net: KernelNet;
  private listeners = new Set<EventListener>();
  private seen = new Set<string>();
  /** the process whose system call is running now (for /proc/self) */
  current: SimProc | null = null;

  constructor(opts: SimKernelOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.st = opts.state ?? boot(this.clock.now());
    this.vfs = new Vfs(this.st.host, { now: () => this.clock.now(), synthetic: (name, mount) => makeSynthetic(this, name, mount) });
    this.cgroups = new Cgroups(this.st);
    this.simnet = new SimNet(this.st, () => this.st.nextNsId++);
    this.fs = this.makeFs();
    this.net = this.makeNet();
  }

  get info(): KernelInfo {
    return { mode: 'sim', release: SIM_RELEASE, hostname: this.hostnameOf(this.st.procs[1]), cgroup: 'sim' };
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: KernelEventInput): void {
    const ev = { at: this.clock.now(), durationMs: 0, status: 0, ...e } as KernelEvent;
    for (const l of this.listeners) l(ev);
  }

  exportState(): SimState {
    return this.st;
  }

  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  // ---- processes -------------------------------------------------------------------------

  proc(pid: number): SimProc {
    const p = this.st.procs[pid];
    if (!p) throw new KernelError(`no such process: ${pid}`, 'ESRCH');
    return p;
  }

  hostnameOf(proc: SimProc): string {
    return this.st.namespaces[proc.ns.uts]?.hostname ?? SIM_HOSTNAME;
  }

  mountNs(proc: SimProc) {
    const ns = this.st.namespaces[proc.ns.mnt];
    ns.mounts ??= [];
    return { id: ns.id, mounts: ns.mounts };
  }

  private newNs(type: NsType): number {
    const id = this.st.nextNsId++;
    this.st.namespaces[id] = { id, type };
    return id;
  }

  /** Make a process record; PIDs are handed out in every PID namespace up the chain. */
  newProc(parent: SimProc, over: Partial<SimProc> & { argv: string[] }): SimProc {
    const ns: NsIds = over.ns ?? { ...parent.ns };
    const nsPids: Record<string, number> = {};
    const pid = this.st.nextPid++;
    for (let id: number | undefined = ns.pid; id !== undefined; id = this.st.namespaces[id]?.parent) {
      const n = this.st.namespaces[id];
      if (id === this.st.hostNs.pid) nsPids[id] = pid;
      else {
        n.nextPid ??= 1;
        nsPids[id] = n.nextPid++;
      }
    }
    const proc: SimProc = {
      pid, ppid: parent.pid, nsPids, ns,
      env: { ...parent.env }, cwd: parent.cwd, uid: parent.uid, gid: parent.gid, cgroup: parent.cgroup,
      state: 'R', oomKilled: false, startedAt: this.clock.now(), log: parent.log, memBytes: PROC_BASE_MEMORY,
      ...over,
    };
    this.st.procs[pid] = proc;
    return proc;
  }

  sys(proc: SimProc): ProcSys {
    return new ProcSys(this, proc);
  }

  /** fork(): refused with EAGAIN when the cgroup is at pids.max. */
  forkCheck(proc: SimProc): void {
    const r = this.cgroups.canFork(proc.cgroup);
    if (!r.ok) {
      this.emit({
        kind: 'process.fork-failed', pid: proc.pid, cgroup: r.at, current: r.current, limit: r.limit,
        command: `cat ${CGROUP_MOUNT}${r.at}/pids.max  # ${r.limit}: fork() returns EAGAIN`, status: 1,
      });
      throw new SysError('EAGAIN');
    }
  }

  private forkOrFail(parent: SimProc): void {
    try {
      this.forkCheck(parent);
    } catch (e) {
      if (e instanceof SysError) throw new KernelError(`fork: ${e.message}`, e.errno);
      throw e;
    }
  }

  /** Run a program's next stretch and apply what it asks for. */
  apply(proc: SimProc, outcome: Outcome | { kind: 'exec'; argv: string[]; program: BlockProgram }): void {
    switch (outcome.kind) {
      case 'prompt':
        proc.cont = outcome.cont;
        proc.prompt = true;
        proc.state = 'S';
        proc.wake = null;
        return;
      case 'exit':
        this.exit(proc, outcome.code);
        return;
      case 'exec':
        proc.argv = outcome.argv;
        proc.cont = undefined;
        this.block(proc, outcome.program);
        return;
      case 'wait-child': {
        proc.cont = outcome.cont;
        let child: SimProc;
        try {
          this.forkCheck(proc);
          child = this.newProc(proc, { argv: outcome.argv });
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          this.write(proc, 'stderr', `sh: can't fork: ${e.message}\n`);
          this.resume(proc, 2);
          return;
        }
        proc.waitChild = child.pid;
        proc.wake = null;
        proc.state = 'S';
        this.emitFork(child);
        this.block(child, outcome.program);
        return;
      }
      case 'wait-all':
        proc.cont = outcome.cont;
        if (this.liveChildren(proc).length === 0) this.resume(proc, 0);
        else {
          proc.waitAll = true;
          proc.wake = null;
          proc.state = 'S';
        }
        return;
    }
  }

  /** A fork inside a container: the command line the shell ran. */
  emitFork(child: SimProc, background = false): void {
    this.emit({
      kind: 'process.spawn', pid: child.pid, nsPid: child.nsPids[child.ns.pid], argv: child.argv, cgroup: child.cgroup,
      command: `${cmdline(child.argv)}${background ? ' &' : ''}`,
    });
  }

  resume(proc: SimProc, status: number): void {
    const cont = proc.cont;
    proc.waitChild = undefined;
    proc.waitAll = undefined;
    proc.wake = undefined;
    proc.state = 'R';
    if (!cont) return this.exit(proc, status);
    proc.cont = undefined;
    this.withCurrent(proc, () => this.apply(proc, simbox.resume(this.sys(proc), cont, status)));
  }

  withCurrent<T>(proc: SimProc, fn: () => T): T {
    const prev = this.current;
    this.current = proc;
    try {
      return fn();
    } finally {
      this.current = prev;
    }
  }

  block(proc: SimProc, program: BlockProgram): void {
    if (program.kind === 'serve') {
      if (program.daemon) {
        // busybox httpd without -f: fork the server into the background, the parent returns at once
        try {
          this.forkCheck(proc);
        } catch (e) {
          if (!(e instanceof SysError)) throw e;
          this.write(proc, 'stderr', `${proc.argv[0]}: fork: ${e.message}\n`);
          return this.exit(proc, 1);
        }
        const child = this.newProc(proc, { argv: proc.argv });
        this.emitFork(child, true);
        this.block(child, { ...program, daemon: false });
        return this.exit(proc, 0);
      }
      if (this.server(proc.ns.net, program.port)) {
        this.write(proc, 'stderr', `${proc.argv[0]}: bind: Address in use\n`);
        return this.exit(proc, 1);
      }
    }
    proc.program = program;
    proc.state = 'S';
    proc.wake = program.ms === null ? null : this.clock.now() + program.ms;
    if (program.kind === 'hold') {
      proc.memBytes += program.bytes;
      this.enforceMemory(proc.cgroup);
    }
  }

  /** The process serving TCP port in a network namespace, if any. */
  server(netNs: number, port: number): SimProc | undefined {
    return Object.values(this.st.procs).find((p) => isAlive(p) && p.ns.net === netNs && p.program?.kind === 'serve' && p.program.port === port);
  }

  liveChildren(proc: SimProc): SimProc[] {
    return Object.values(this.st.procs).filter((p) => p.ppid === proc.pid && isAlive(p));
  }

  /** Memory past memory.max: the OOM killer picks the largest process in the group and kills it. */
  enforceMemory(cgroup: string): void {
    for (let over = this.cgroups.overLimit(cgroup); over; over = this.cgroups.overLimit(cgroup)) {
      const victims = this.cgroups.members(over.at).sort((a, b) => b.memBytes - a.memBytes);
      const victim = victims[0];
      if (!victim) return;
      const cg = this.cgroups.get(over.at);
      cg.ooms++;
      cg.oomKills++;
      victim.oomKilled = true;
      this.emit({
        kind: 'process.oom-kill', pid: victim.pid, nsPid: victim.nsPids[victim.ns.pid], cgroup: over.at,
        usage: over.usage, limit: over.limit,
        command: `cat ${CGROUP_MOUNT}${over.at}/memory.events  # oom_kill ${cg.oomKills}`,
      });
      this.terminate(victim, 'SIGKILL');
    }
  }

  write(proc: SimProc, stream: 'stdout' | 'stderr', text: string): void {
    if (!text || !proc.log) return;
    const time = new Date(this.clock.now()).toISOString();
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    appendFileSync(proc.log, lines.map((log) => JSON.stringify({ log, stream, time }) + '\n').join(''));
  }

  /** A process ends: exit code, children reparented, a namespace's init takes its namespace down. */
  exit(proc: SimProc, code: number, signal?: Signal): void {
    if (!isAlive(proc)) return;
    proc.state = 'X';
    proc.exitCode = code;
    proc.signal = signal;
    proc.finishedAt = this.clock.now();
    proc.memBytes = 0;
    proc.wake = undefined;
    proc.cont = undefined;
    proc.program = undefined;
    this.emit({
      kind: 'process.exit', pid: proc.pid, nsPid: proc.nsPids[proc.ns.pid], exitCode: code, signal, argv: proc.argv,
      command: `wait ${proc.pid}`,
    });
    if (proc.overlay) {
      // the root overlay lived in the container's mount namespace: it goes with it
      this.emit({ kind: 'unmount', target: proc.overlay, command: overlayGone(proc.overlay) });
      proc.overlay = undefined;
    }
    const init = isNsInit(this.st, proc);
    for (const child of Object.values(this.st.procs)) {
      if (child.ppid !== proc.pid || !isAlive(child)) continue;
      if (init) this.terminate(child, 'SIGKILL');
      else child.ppid = this.reaperFor(child);
    }
    if (init) {
      for (const other of Object.values(this.st.procs)) {
        if (isAlive(other) && other.ns.pid === proc.ns.pid && other.nsPids[proc.ns.pid] !== undefined) this.terminate(other, 'SIGKILL');
      }
    }
    this.releaseNamespaces(proc);
    const parent = this.st.procs[proc.ppid];
    if (parent && isAlive(parent)) {
      if (parent.waitChild === proc.pid) this.resume(parent, code);
      else if (parent.waitAll && this.liveChildren(parent).length === 0) this.resume(parent, 0);
    }
    if (!proc.keep) delete this.st.procs[proc.pid];
  }

  /** An orphan goes to the init of its PID namespace (the host's PID 1 at the top). */
  private reaperFor(child: SimProc): number {
    const ns = child.ns.pid;
    if (ns === this.st.hostNs.pid) return 1;
    const init = Object.values(this.st.procs).find((p) => isAlive(p) && p.nsPids[ns] === 1);
    return init?.pid ?? 1;
  }

  /** A namespace lives while a process is in it (or, for a named net namespace, while /run/netns holds it). */
  private releaseNamespaces(proc: SimProc): void {
    for (const type of NAMESPACE_TYPES) {
      const id = proc.ns[type];
      if (id === this.st.hostNs[type]) continue;
      const ns = this.st.namespaces[id];
      if (!ns || (type === 'net' && ns.name)) continue;
      if (Object.values(this.st.procs).some((p) => isAlive(p) && p.ns[type] === id)) continue;
      if (type === 'net') this.simnet.destroy(id);
      else delete this.st.namespaces[id];
    }
  }

  terminate(proc: SimProc, sig: Signal): void {
    this.exit(proc, 128 + SIGNAL_NUMBERS[sig], sig);
  }

  /** Deliver a signal as Linux does; `fromOutside` = sent from an ancestor PID namespace. */
  deliver(proc: SimProc, sig: Signal, fromOutside: boolean): { delivered: boolean; note?: string } {
    if (!isAlive(proc)) throw new SysError('ESRCH');
    const init = isNsInit(this.st, proc);
    if (sig === 'SIGKILL') {
      if (init && !fromOutside) return { delivered: false, note: 'PID 1 cannot be killed from inside its own namespace' };
      this.terminate(proc, sig);
      return { delivered: true };
    }
    if (sig === 'SIGSTOP') {
      proc.state = 'T';
      return { delivered: true };
    }
    if (sig === 'SIGCONT') {
      if (proc.state === 'T') proc.state = 'S';
      return { delivered: true };
    }
    if (proc.cont && simbox.trapFor(proc.cont, sig)) {
      const cont = proc.cont;
      proc.cont = undefined;
      // the trap runs now; a child the shell was waiting for is left to run on its own
      proc.waitChild = undefined;
      proc.waitAll = undefined;
      proc.wake = undefined;
      proc.state = 'R';
      this.withCurrent(proc, () => this.apply(proc, simbox.runTrap(this.sys(proc), cont, sig)));
      return { delivered: true, note: 'handled by the trap the shell set' };
    }
    if (init) return { delivered: false, note: `PID 1 in a PID namespace has no default action for ${sig}; without a handler the kernel drops it` };
    this.terminate(proc, sig);
    return { delivered: true };
  }

  /** Wake every process whose time has come, in time order. */
  tick(): void {
    const now = this.clock.now();
    for (;;) {
      let next: SimProc | undefined;
      for (const p of Object.values(this.st.procs)) {
        if (!isAlive(p) || p.state === 'T' || p.wake === undefined || p.wake === null || p.wake > now) continue;
        if (!next || p.wake < next.wake!) next = p;
      }
      if (!next) return;
      next.wake = undefined;
      this.withCurrent(next, () => this.exit(next!, 0));
    }
  }

  nextWake(): number | null {
    let min: number | null = null;
    for (const p of Object.values(this.st.procs)) {
      if (isAlive(p) && typeof p.wake === 'number' && (min === null || p.wake < min)) min = p.wake;
    }
    return min;
  }

  // ---- the Kernel interface -------------------------------------------------------------

  async spawn(spec: SpawnSpec): Promise<ProcStatus> {
    this.tick();
    if (spec.overlay && spec.namespaces.mnt !== 'new') throw new KernelError('spawn: a root overlay needs a mount namespace of its own', 'EINVAL');
    if (spec.overlay && spec.overlay.target !== spec.rootfs) throw new KernelError(`spawn: the root overlay's target ${spec.overlay.target} is not the rootfs ${spec.rootfs}`, 'EINVAL');
    const host = this.st.procs[1];
    const ns: NsIds = { ...this.st.hostNs };
    const created: NsType[] = [];
    for (const type of NAMESPACE_TYPES) {
      const src = spec.namespaces[type];
      if (!src) continue;
      if (src === 'new') {
        // a container's init brings lo up in a network namespace of its own (--network none), as
        // real mode's boxlab-init and Docker's runtimes do
        if (type === 'net') ns.net = this.simnet.create(undefined, true).id;
        else ns[type] = this.newNs(type);
        created.push(type);
      } else if ('pid' in src) ns[type] = this.proc(src.pid).ns[type];
      else ns.net = this.simnet.byName(src.netns).id;
    }
    const cgroup = cgPath(spec.cgroup ?? '/');
    if (!this.cgroups.exists(cgroup)) throw new KernelError(`cgroup ${cgroup} does not exist`, 'ENOENT');
    if (ns.pid !== this.st.hostNs.pid) this.st.namespaces[ns.pid].parent ??= this.st.hostNs.pid;
    if (created.includes('uts')) this.st.namespaces[ns.uts].hostname = spec.hostname ?? this.hostnameOf(host);
    if (created.includes('cgroup')) this.st.namespaces[ns.cgroup].cgroupRoot = cgroup;
    this.forkOrFail(host);
    // the root overlay is mounted in the container's new mount namespace, not in the host's
    const rootMount = spec.overlay ? this.overlayMount(spec.overlay) : undefined;
    if (created.includes('mnt')) this.st.namespaces[ns.mnt].mounts = this.containerMounts(spec, rootMount);
    const proc = this.newProc(host, {
      argv: spec.argv, ns, env: { ...spec.env }, cwd: spec.cwd || '/', cgroup, log: spec.log, keep: true,
      uid: spec.user?.uid ?? 0, gid: spec.user?.gid ?? 0, ...(spec.user ? { groups: [...spec.user.groups] } : {}),
      ...(spec.overlay ? { overlay: spec.overlay.target } : {}),
    });
    const netArg = typeof spec.namespaces.net === 'object' && 'netns' in spec.namespaces.net ? `ip netns exec ${spec.namespaces.net.netns} ` : '';
    for (const type of created) {
      this.emit({
        kind: 'namespace.create', nsType: type, id: ns[type], hostId: this.st.hostNs[type], pid: proc.pid,
        command: `unshare ${NS_FLAG[type]}  # /proc/${proc.pid}/ns/${type} -> ${type}:[${ns[type]}]`,
      });
    }
    this.emit({ kind: 'cgroup.write', path: cgroup, file: 'cgroup.procs', value: String(proc.pid), command: `echo ${proc.pid} > ${CGROUP_MOUNT}${cgroup}/cgroup.procs` });
    if (spec.rootfs) {
      this.emit({ kind: 'pivot-root', newRoot: spec.rootfs, pid: proc.pid, command: `cd ${shq(spec.rootfs)} && mkdir -p .oldroot && pivot_root . .oldroot && umount -l /.oldroot` });
      this.emit({ kind: 'mount', fstype: 'proc', source: 'proc', target: '/proc', options: ['nosuid', 'nodev', 'noexec'], command: 'mount -t proc proc /proc' });
    }
    if (spec.hostname && created.includes('uts')) {
      this.emit({ kind: 'uts.hostname', hostname: spec.hostname, pid: proc.pid, command: hostnameCommand(spec.hostname) });
    }
    const flags = created.map((t) => NS_FLAG[t]).join(' ');
    const root = spec.rootfs ? ` --root=${shq(spec.rootfs)}` : '';
    const envArgs = Object.entries(spec.env).map(([k, v]) => shq(`${k}=${v}`)).join(' ');
    this.emit({
      kind: 'process.spawn', pid: proc.pid, nsPid: proc.nsPids[ns.pid], argv: spec.argv, cgroup, hostname: spec.hostname,
      command: `${netArg}unshare ${flags}${created.includes('pid') ? ' --mount-proc' : ''}${root} --wd=${shq(spec.cwd || '/')} env -i ${envArgs} ${cmdline(spec.argv)}`.replace(/ +/g, ' '),
    });
    if (spec.stdin !== undefined) proc.stdin = spec.stdin;
    this.startProgram(proc, spec.tty);
    return toStatus(proc);
  }

  async input(pid: number, text: string): Promise<void> {
    this.tick();
    const proc = this.proc(pid);
    if (!isAlive(proc)) throw new KernelError(`process ${pid} has exited`, 'ESRCH');
    if (text === '\x03') {
      // the terminal sends SIGINT to the foreground process: the child the shell waits for
      const fg = proc.waitChild ? this.st.procs[proc.waitChild] : undefined;
      if (fg && isAlive(fg)) {
        const r = this.deliver(fg, 'SIGINT', false);
        this.emit({ kind: 'process.signal', pid: fg.pid, signal: 'SIGINT', delivered: r.delivered, note: 'Ctrl-C at the terminal', command: `kill -INT ${fg.pid}` });
      }
      return;
    }
    if (!proc.prompt || !proc.cont) throw new KernelError(`process ${pid} is not reading input`, 'EAGAIN');
    const cont = proc.cont;
    proc.prompt = false;
    proc.cont = undefined;
    proc.wake = undefined;
    proc.state = 'R';
    this.withCurrent(proc, () => this.apply(proc, simbox.feed(this.sys(proc), cont, text.replace(/\n$/, ''))));
  }

  /** Find argv[0] on PATH inside the process's root and run it. */
  private startProgram(proc: SimProc, tty = false): void {
    const sys = this.sys(proc);
    const shell = ['sh', 'ash'].includes((proc.argv[0] ?? '').split('/').pop()!) && !proc.argv.slice(1).some((a) => a.startsWith('-c') || !a.startsWith('-'));
    if (tty && shell && sys.which(proc.argv[0])) {
      this.apply(proc, { kind: 'prompt', cont: simbox.interactiveShell(proc.env) });
      return;
    }
    const name = proc.argv[0] ?? '';
    const resolved = this.withCurrent(proc, () => sys.which(name));
    if (!resolved) {
      proc.keep = true;
      this.exit(proc, 127);
      throw new KernelError(`exec: "${name}": executable file not found in $PATH`, 'ENOENT');
    }
    // a script runs as its interpreter with the script's path, as execve does for #!
    if (resolved.script) proc.argv = ['/bin/sh', resolved.path, ...proc.argv.slice(1)];
    this.withCurrent(proc, () => this.apply(proc, simbox.start(sys, proc.argv, proc.env)));
  }

  async exec(target: number, spec: Omit<SpawnSpec, 'namespaces' | 'rootfs' | 'hostname' | 'cgroup'>): Promise<ProcStatus> {
    this.tick();
    const t = this.proc(target);
    if (!isAlive(t)) throw new KernelError(`process ${target} is not running`, 'ESRCH');
    this.forkOrFail(t);
    const user = spec.user ? { uid: spec.user.uid, gid: spec.user.gid, groups: [...spec.user.groups] } : { uid: 0, gid: 0, groups: undefined };
    const proc = this.newProc(t, { argv: spec.argv, env: { ...spec.env }, cwd: spec.cwd || '/', log: spec.log, keep: true, ppid: 0, ...user });
    const joined = NAMESPACE_TYPES.filter((type) => t.ns[type] !== this.st.hostNs[type]);
    this.emit({
      kind: 'namespace.join', nsTypes: joined, targetPid: target, pid: proc.pid,
      command: `nsenter --target ${target} --all --wd=${shq(spec.cwd || '/')} ${cmdline(spec.argv)}`,
    });
    this.emit({ kind: 'process.spawn', pid: proc.pid, nsPid: proc.nsPids[proc.ns.pid], argv: spec.argv, cgroup: proc.cgroup, command: `echo ${proc.pid} > ${CGROUP_MOUNT}${proc.cgroup}/cgroup.procs` });
    if (spec.stdin !== undefined) proc.stdin = spec.stdin;
    this.startProgram(proc);
    return toStatus(proc);
  }

  async signal(pid: number, sig: Signal): Promise<void> {
    this.tick();
    const proc = this.proc(pid);
    let r: { delivered: boolean; note?: string };
    try {
      r = this.deliver(proc, sig, true);
    } catch (e) {
      if (e instanceof SysError) throw new KernelError(`kill: (${pid}) - ${e.message}`, e.errno);
      throw e;
    }
    this.emit({ kind: 'process.signal', pid, signal: sig, delivered: r.delivered, note: r.note, command: `kill -${sig.replace('SIG', '')} ${pid}` });
  }

  async status(pid: number): Promise<ProcStatus | null> {
    this.tick();
    const p = this.st.procs[pid];
    return p ? toStatus(p) : null;
  }

  async wait(pid: number, timeoutMs?: number): Promise<ProcStatus | null> {
    const deadline = timeoutMs === undefined ? Infinity : this.clock.now() + timeoutMs;
    for (;;) {
      this.tick();
      const p = this.st.procs[pid];
      if (!p) return null;
      if (!isAlive(p)) return toStatus(p);
      const now = this.clock.now();
      if (now >= deadline) return null;
      const wake = this.nextWake();
      const until = Math.min(deadline, wake ?? Infinity);
      if (until === Infinity) return null; // nothing in this kernel will ever change it
      await this.clock.sleep(Math.max(0, until - now));
    }
  }

  forget(pid: number): void {
    const p = this.st.procs[pid];
    if (p && !isAlive(p)) delete this.st.procs[pid];
  }

  async processes(pid: number): Promise<ProcInfo[]> {
    this.tick();
    const proc = this.proc(pid);
    return visibleFrom(this.st, proc.ns.pid).map(({ proc: p, pid: n, ppid }) => toInfo(p, n, ppid));
  }

  async observe(pid: number): Promise<Observation> {
    this.tick();
    const proc = this.proc(pid);
    const cg = this.cgroups.exists(proc.cgroup) ? proc.cgroup : '/';
    const mem = this.cgroups.memoryMax(cg);
    const pids = this.cgroups.pidsMax(cg);
    const netns = this.st.namespaces[proc.ns.net];
    return {
      pid: proc.pid,
      nsPid: proc.nsPids[proc.ns.pid],
      ns: { ...proc.ns },
      hostNs: { ...this.st.hostNs },
      hostname: this.hostnameOf(proc),
      mounts: this.mountNs(proc).mounts.map((m) => ({ source: m.source, target: m.target, fstype: m.fstype, options: m.options })),
      cgroup: cg,
      limits: { memoryMax: mem, pidsMax: pids, cpuMax: this.cgroups.get(cg).files['cpu.max'] },
      usage: {
        memoryCurrent: this.cgroups.memoryCurrent(cg),
        pidsCurrent: this.cgroups.members(cg).length,
        oomKills: this.cgroups.get(cg).oomKills,
      },
      interfaces: (netns?.ifaces ?? []).map((i) => ({ name: i.name, addrs: [...i.addrs], up: i.up })),
    };
  }

  private containerMounts(spec: SpawnSpec, rootMount?: SimMount): SimMount[] {
    const hostMounts = this.st.namespaces[this.st.hostNs.mnt].mounts ?? [];
    const rootfs = spec.rootfs ?? '/';
    const over = rootMount ?? [...hostMounts].reverse().find((m) => m.target === rootfs);
    const root: SimMount = over
      ? { ...over, target: '/' }
      : { target: '/', source: rootfs, fstype: 'bind', options: ['rw'], backing: { kind: 'host', path: rootfs } };
    const mounts: SimMount[] = [
      root,
      { target: '/proc', source: 'proc', fstype: 'proc', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'proc' } },
      { target: '/dev', source: 'tmpfs', fstype: 'tmpfs', options: ['rw', 'nosuid', 'size=65536k', 'mode=755'], backing: { kind: 'tmpfs', root: devTree(this.clock.now()) } },
      { target: '/dev/pts', source: 'devpts', fstype: 'devpts', options: ['rw', 'nosuid', 'noexec', 'relatime', 'gid=5', 'mode=620', 'ptmxmode=666'], backing: { kind: 'synthetic', name: 'devpts' } },
      { target: '/dev/shm', source: 'shm', fstype: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime', 'size=65536k'], backing: { kind: 'tmpfs', root: { t: 'dir', mode: 0o1777, uid: 0, gid: 0, mtime: 0, entries: {} } } },
      { target: '/sys', source: 'sysfs', fstype: 'sysfs', options: ['ro', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'sysfs' } },
      { target: '/sys/fs/cgroup', source: 'cgroup', fstype: 'cgroup2', options: ['ro', 'nosuid', 'nodev', 'noexec', 'relatime'], backing: { kind: 'synthetic', name: 'cgroup2' } },
    ];
    for (const b of spec.binds ?? []) {
      mounts.push({ target: b.target, source: b.source, fstype: 'bind', options: [b.readonly ? 'ro' : 'rw', 'relatime'], backing: { kind: 'host', path: b.source } });
    }
    return mounts;
  }

  /** an overlay mount of spec (its dirs checked), with its event; inNs: in a container's mount namespace */
  private overlayMount(spec: OverlaySpec, inNs = true): SimMount {
    this.tick();
    const mount = `mount -t overlay overlay -o lowerdir=${spec.lower.join(':')},upperdir=${spec.upper},workdir=${spec.work} ${spec.target}`;
    const command = inNs ? overlayInNs(mount) : mount;
    for (const p of [...spec.lower, spec.upper, spec.work, spec.target]) {
      if (this.vfs.hostGet(p)?.t !== 'dir') throw new KernelError(`mount: ${p}: No such file or directory`, 'ENOENT', command);
    }
    const options = ['rw', 'relatime', `lowerdir=${spec.lower.join(':')}`, `upperdir=${spec.upper}`, `workdir=${spec.work}`];
    this.emit({ kind: 'mount', fstype: 'overlay', source: 'overlay', target: spec.target, options, command });
    return { target: spec.target, source: 'overlay', fstype: 'overlay', options, backing: { kind: 'overlay', lower: [...spec.lower], upper: spec.upper, work: spec.work } };
  }

  async mountOverlay(spec: OverlaySpec): Promise<void> {
    const m = this.overlayMount(spec, false);
    this.st.namespaces[this.st.hostNs.mnt].mounts!.push(m);
  }

  async unmount(target: string): Promise<void> {
    const hostNs = this.st.namespaces[this.st.hostNs.mnt];
    const i = hostNs.mounts!.map((m) => m.target).lastIndexOf(target);
    if (i < 0) throw new KernelError(`umount: ${target}: not mounted.`, 'EINVAL');
    hostNs.mounts!.splice(i, 1);
    this.emit({ kind: 'unmount', target, command: `umount ${shq(target)}` });
  }

  async cgroupCreate(path: string): Promise<void> {
    const p = cgPath(path);
    // like mkdir -p: parents first
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = '/' + parts.slice(0, i).join('/');
      if (this.cgroups.exists(sub)) continue;
      this.cgroups.create(sub);
      this.emit({ kind: 'cgroup.create', path: sub, command: `mkdir ${CGROUP_MOUNT}${sub}` });
    }
  }

  async cgroupWrite(path: string, file: string, value: string): Promise<void> {
    this.tick();
    try {
      this.cgroups.write(path, file, value);
    } catch (e) {
      if (e instanceof SysError) throw new KernelError(`write ${CGROUP_MOUNT}${cgPath(path)}/${file}: ${e.message}`, e.errno);
      throw e;
    }
    this.emit({ kind: 'cgroup.write', path: cgPath(path), file, value, command: `echo ${shq(value)} > ${CGROUP_MOUNT}${cgPath(path)}/${file}` });
    if (file === 'memory.max') this.enforceMemory(path);
  }

  async cgroupRead(path: string, file: string): Promise<string> {
    this.tick();
    try {
      return this.cgroups.read(path, file);
    } catch (e) {
      if (e instanceof SysError) throw new KernelError(`cat ${CGROUP_MOUNT}${cgPath(path)}/${file}: ${e.message}`, e.errno);
      throw e;
    }
  }

  async cgroupRemove(path: string): Promise<void> {
    this.tick();
    const p = cgPath(path);
    if (!this.cgroups.exists(p)) return;
    try {
      this.cgroups.remove(p);
    } catch (e) {
      if (e instanceof SysError) throw new KernelError(`rmdir ${CGROUP_MOUNT}${p}: ${e.message}`, e.errno);
      throw e;
    }
    this.emit({ kind: 'cgroup.remove', path: p, command: `rmdir ${CGROUP_MOUNT}${p}` });
  }

  private makeFs(): KernelFs {
    return {
      mkdirp: async (path) => {
        if (this.vfs.hostGet(path)?.t === 'dir') return;
        this.vfs.hostMkdirp(path);
        this.emit({ kind: 'fs.mkdir', path, command: `mkdir -p ${shq(path)}` });
      },
      remove: async (path) => {
        if (!this.vfs.hostGet(path)) return;
        this.vfs.hostRemove(path);
        this.emit({ kind: 'fs.remove', path, command: `rm -rf ${shq(path)}` });
      },
      exists: async (path) => this.vfs.hostGet(path) !== undefined,
      du: async (path) => (this.vfs.hostGet(path) ? this.vfs.hostDu(path) : 0),
      readTree: async (path) => readSimTree(this.vfs, path),
      writeEntries: async (path, entries) => {
        writeSimEntries(this.vfs, path, entries);
        const bytes = entries.reduce((s, e) => s + (e.data?.length ?? 0), 0);
        this.emit({ kind: 'fs.populate', path, files: entries.length, bytes, command: `mkdir -p ${shq(path)} && tar -xf - -C ${shq(path)}` });
      },
      populateBase: async (path) => {
        const r = populateSimbox(this.vfs, path, this.clock.now());
        this.emit({ kind: 'fs.populate', path, files: r.files, bytes: r.bytes, command: `mkdir -p ${shq(path)}/bin && cp /bin/busybox ${shq(path)}/bin/ && chroot ${shq(path)} /bin/busybox --install -s /bin` });
        return r;
      },
    };
  }

  private wrapNet<A extends unknown[]>(fn: (...a: A) => void, command: (...a: A) => string, event: (...a: A) => Omit<KernelEventInput, 'command'>) {
    return async (...a: A) => {
      try {
        fn(...a);
      } catch (e) {
        if (e instanceof SysError) throw new KernelError(`${command(...a)}: ${e.message}`, e.errno, command(...a));
        throw e;
      }
      this.emit({ ...event(...a), command: command(...a) } as KernelEventInput);
    };
  }

  private makeNet(): KernelNet {
    const n = this.simnet;
    const nsOf = (name: string) => n.byName(name).id;
    const net: KernelNet = {
      ensureBridge: async (name, cidr) => {
        if (n.ensureBridge(name, cidr)) {
          this.emit({ kind: 'net.bridge-create', name, command: `ip link add ${name} type bridge` });
          this.emit({ kind: 'net.addr-add', link: name, cidr, command: `ip addr add ${cidr} dev ${name}` });
          this.emit({ kind: 'net.link-up', link: name, command: `ip link set ${name} up` });
        }
      },
      createNetns: async (name) => {
        let id: number;
        try {
          id = n.create(name).id;
        } catch (e) {
          if (e instanceof SysError) throw new KernelError(`ip netns add ${name}: ${e.message}`, e.errno, `ip netns add ${name}`);
          throw e;
        }
        this.emit({ kind: 'net.netns-create', name, id, command: `ip netns add ${name}` });
      },
      deleteNetns: async (name) => {
        const ns = Object.values(this.st.namespaces).find((x) => x.type === 'net' && x.name === name);
        if (!ns) return;
        n.destroy(ns.id);
        this.emit({ kind: 'net.netns-delete', name, command: `ip netns delete ${name}` });
      },
      // as Linux does it: one `ip link add` makes the pair with its peer in the netns, then the
      // host end joins the bridge (three events, as the real kernel reports them)
      createVeth: async (s: { host: string; peer: string; netns: string; peerName: string; bridge: string }) => {
        const add = `ip link add ${s.host} type veth peer name ${s.peerName} netns ${s.netns}`;
        try {
          n.createVeth(s.host, s.peerName, nsOf(s.netns), s.bridge);
        } catch (e) {
          if (e instanceof SysError) throw new KernelError(`${add}: ${e.message}`, e.errno, add);
          throw e;
        }
        this.emit({ kind: 'net.veth-create', host: s.host, peer: s.peerName, command: add });
        this.emit({ kind: 'net.link-netns', link: s.peerName, netns: s.netns, command: add });
        this.emit({ kind: 'net.link-master', link: s.host, bridge: s.bridge, command: `ip link set ${s.host} master ${s.bridge} up` });
      },
      deleteLink: async (name) => {
        if (!n.host.ifaces!.some((i) => i.name === name)) return;
        n.deleteLink(name);
        this.emit({ kind: 'net.link-delete', link: name, command: `ip link delete ${name}` });
      },
      addAddress: this.wrapNet(
        (s: { netns: string; dev: string; cidr: string }) => n.addAddress(nsOf(s.netns), s.dev, s.cidr),
        (s) => `ip -n ${s.netns} addr add ${s.cidr} dev ${s.dev}`,
        (s) => ({ kind: 'net.addr-add', link: s.dev, cidr: s.cidr, netns: s.netns }),
      ),
      linkUp: this.wrapNet(
        (s: { netns?: string; dev: string }) => n.linkUp(s.netns ? nsOf(s.netns) : n.host.id, s.dev),
        (s) => `ip ${s.netns ? `-n ${s.netns} ` : ''}link set ${s.dev} up`,
        (s) => ({ kind: 'net.link-up', link: s.dev, netns: s.netns }),
      ),
      addDefaultRoute: this.wrapNet(
        (s: { netns: string; via: string; dev: string }) => n.addDefaultRoute(nsOf(s.netns), s.via, s.dev),
        (s) => `ip -n ${s.netns} route add default via ${s.via} dev ${s.dev}`,
        (s) => ({ kind: 'net.route-add', dest: 'default', via: s.via, dev: s.dev, netns: s.netns }),
      ),
      configure: async (s: { netns: string; dev: string; cidr: string; via: string }) => {
        await net.linkUp({ netns: s.netns, dev: 'lo' });
        await net.addAddress({ netns: s.netns, dev: s.dev, cidr: s.cidr });
        await net.linkUp({ netns: s.netns, dev: s.dev });
        await net.addDefaultRoute({ netns: s.netns, via: s.via, dev: s.dev });
      },
    };
    return net;
  }
}
