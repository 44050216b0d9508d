// RealKernel: the Kernel interface on Linux, as root, through the tools a person would type
// (util-linux unshare/nsenter/mount/pivot_root/setpriv, iproute2 ip, writes under /sys/fs/cgroup),
// observing facts from /proc. Every call emits a KernelEvent carrying the exact argv that ran.
import { existsSync, readFileSync, realpathSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { hostname, release } from 'node:os';
import { cmdline, hostnameCommand, overlayGone, overlayInNs, shq, type EventListener, type KernelEvent, type KernelEventInput } from '../events.js';
import {
  KernelError, SIGNAL_NUMBERS, systemClock,
  type Clock, type Kernel, type KernelFs, type KernelInfo, type KernelNet, type Observation, type OverlaySpec,
  type PortForward, type ProcInfo, type ProcStatus, type ProcUser, type Signal, type SpawnSpec,
} from '../kernel.js';
import { ensureTools, populateBusybox } from './base.js';
import { cgroupDriver, cleanPath, type CgroupDriver } from './cgroups.js';
import { realFs } from './fs.js';
import { mountErrno, overlayArgv, overlayOptions, readMountinfo, umountArgv } from './mounts.js';
import { namespaceArgv, nsIds } from './namespaces.js';
import { interfacesOf, realNet } from './network.js';
import { catches, nsPidOf, pidsByArgv, procState, processesInNs } from './processes.js';
import { run, runSync, startDetached, startOnTerminal } from './run.js';
import { CONTAINER_TOOLS, DEFAULT_CAPS } from './scripts.js';
import { ProcTable, type ProcRecord } from './supervisor.js';

export interface RealKernelOptions {
  clock?: Clock;
  /** boxlab's runtime dir (tmpfs): scripts, tools, process records */
  runDir?: string;
  cgroupRoot?: string;
  /** put the bridge and host veth ends in this network namespace instead of the machine's */
  hostNetns?: string;
}

const SIG_BY_NUMBER = Object.fromEntries(Object.entries(SIGNAL_NUMBERS).map(([k, v]) => [v, k])) as Record<number, Signal>;

/**
 * setpriv options for Docker's default privileges: capabilities cut to the default set,
 * no_new_privs, and with a user (USER / -u) its uid, gid and supplementary groups.
 */
export function setprivArgv(caps = DEFAULT_CAPS, user?: ProcUser): string[] {
  const set = `-all,${caps.map((c) => `+${c}`).join(',')}`;
  const ids = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, user.groups.length ? `--groups=${user.groups.join(',')}` : '--clear-groups'] : [];
  return ['setpriv', '--no-new-privs', `--inh-caps=${set}`, `--bounding-set=${set}`, ...ids];
}

const programs = new Map<string, string>();
/** a host program's full path, found on $PATH as execvp would */
export function hostProgram(name: string): string {
  if (name.includes('/')) return name;
  let path = programs.get(name);
  if (!path) {
    const dirs = (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
    path = dirs.map((d) => `${d || '.'}/${name}`).find((p) => existsSync(p)) ?? name;
    programs.set(name, path);
  }
  return path;
}

let reset: string[] | null = null;
/**
 * The argv prefix that puts SIGINT and SIGQUIT back to their default action before a container's
 * first program: the shim starts it as a background job, which a shell without job control
 * starts with both ignored (POSIX), and an ignored signal stays ignored across exec — the
 * container would shrug off Ctrl-C and \`kill -INT\`. coreutils env (8.31 and later) can reset them;
 * with an older one, nothing can from a shell, and the prefix is empty.
 */
export function signalReset(): string[] {
  if (!reset) {
    const env = hostProgram('env');
    const argv = [env, '--default-signal=INT,QUIT'];
    reset = runSync([...argv, 'true']).exitCode === 0 ? argv : [];
  }
  return reset;
}

/** is a shim (or its log-writing fork) of this process record still running? Its argv names the record. */
function shimAlive(dir: string): boolean {
  return pidsByArgv((argv) => argv.includes(dir)).length > 0;
}

/** the host's namespaces: PID 1's, or this process's own where /proc/1/ns cannot be read */
export function hostNsIds() {
  const init = nsIds(1);
  return init.pid ? init : nsIds('self');
}

export function envArgv(env: Record<string, string>): string[] {
  return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
}

export class RealKernel implements Kernel {
  readonly clock: Clock;
  readonly fs: KernelFs;
  readonly net: KernelNet;
  readonly runDir: string;
  readonly cgroups: CgroupDriver;
  readonly procs: ProcTable;
  readonly hostNetns?: string;
  readonly handsOverTerminal = true;
  private listeners = new Set<EventListener>();

  constructor(opts: RealKernelOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.runDir = opts.runDir ?? '/run/boxlab';
    this.cgroups = cgroupDriver(opts.cgroupRoot ?? '/sys/fs/cgroup');
    this.procs = new ProcTable(this.runDir);
    this.hostNetns = opts.hostNetns;
    this.net = realNet({ hostNetns: opts.hostNetns, emit: (e) => this.emit(e) });
    this.fs = this.makeFs();
  }

  get info(): KernelInfo {
    return { mode: 'real', release: release(), hostname: hostname(), cgroup: this.cgroups.layout };
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: KernelEventInput): void {
    const ev = { at: this.clock.now(), ...e } as KernelEvent;
    for (const l of this.listeners) l(ev);
  }

  exportState(): undefined {
    return undefined;
  }

  // ---- processes -------------------------------------------------------------------------

  /**
   * Start argvTail under boxlab-shim, wait for its "ready" and PID 1's host pid. overlayCommand:
   * the root overlay boxlab-init mounts first; its failure is thrown with that command. failed:
   * called with the record of a start that failed, before the record is removed.
   */
  private async launch(argvTail: string[], rec: ProcRecord, tty = false, overlayCommand?: string, failed?: (rec: ProcRecord) => void): Promise<{ pid: number; command: string; ms: number }> {
    // the shim runs under the static busybox's ash (tools/bin), whose ${v//x/y} writes the log lines
    // (its own applets come first for a bare name, so the host's nsenter/unshare go by full path)
    const [prog, ...args] = argvTail;
    const shim = [`${this.runDir}/tools/bin/busybox`, 'ash', `${this.runDir}/bin/boxlab-shim`, rec.dir, hostProgram(prog), ...args];
    let r = { exitCode: 0, durationMs: 0 };
    const command = tty ? cmdline(shim) : `${cmdline(shim)}  # detached, as setsid -f starts it`;
    // with a terminal the shim is this process's child in the foreground, on the same terminal;
    // otherwise it runs detached (setsid), to outlive the CLI
    let ended: number | null = null;
    if (tty) {
      void startOnTerminal(shim).ended.then((code) => (ended = code));
    } else {
      r = await startDetached(shim);
      if (r.exitCode !== 0) throw new KernelError(`${command}: exit ${r.exitCode}`, 'EIO', command);
    }
    const t0 = Date.now();
    for (;;) {
      const f = this.procs.facts(rec);
      if (ended !== null && !f.pid && f.failed === undefined && !f.exit) {
        const why = this.procs.errors(rec);
        failed?.(rec);
        this.procs.remove(null, rec);
        throw new KernelError(`container start failed (exit ${ended}): ${why || 'no message'}`, 'EIO', cmdline(shim));
      }
      if (f.pid) {
        this.procs.link(f.pid, rec);
        return { pid: f.pid, command, ms: Date.now() - t0 + r.durationMs };
      }
      if (f.failed === 'gone' && f.child) {
        // it ran and ended before the shim could see PID 1 (an exec's quick command): the
        // record follows the process the shim started
        this.procs.link(f.child, rec);
        return { pid: f.child, command, ms: Date.now() - t0 + r.durationMs };
      }
      if (f.failed !== undefined && f.exit) {
        const why = this.procs.errors(rec);
        failed?.(rec);
        this.procs.remove(null, rec);
        if (f.failed === 'mount') {
          // the overlay is the first line of init's mount table: its error comes first (mount -a goes on, and the mounts on it fail too)
          const own = why.split('\n').find((l) => l.trim()) ?? '';
          throw new KernelError(`${overlayCommand ?? 'mount -t overlay'}: ${own || 'failed'}`, mountErrno(own), overlayCommand);
        }
        if (f.failed === 'enoent') throw new KernelError(`exec: "${rec.argv[0]}": executable file not found in $PATH`, 'ENOENT', cmdline(shim));
        throw new KernelError(`container start failed (exit ${f.exit.code}): ${why || 'no message'}`, 'EIO', cmdline(shim));
      }
      if (Date.now() - t0 > 15_000) throw new KernelError(`container did not start within 15 s: ${this.procs.errors(rec)}`, 'ETIMEDOUT', cmdline(shim));
      await new Promise((res) => setTimeout(res, 2));
    }
  }

  private homeProcs(): string[] {
    try {
      return this.cgroups.homeProcsFiles(readFileSync('/proc/self/cgroup', 'utf8'));
    } catch {
      return [];
    }
  }

  async spawn(spec: SpawnSpec): Promise<ProcStatus> {
    if (!spec.rootfs) throw new KernelError('real spawn needs a root filesystem (rootfs)', 'EINVAL');
    await ensureTools(this.runDir);
    const cgroup = spec.cgroup ? cleanPath(spec.cgroup) : undefined;
    const ns = namespaceArgv(spec.namespaces);
    // the root overlay: boxlab-init mounts it in the container's new mount namespace (never in the
    // host's table, where each would cost every later start a copy and a parse of them all), and
    // it goes with that namespace when the container's last process ends
    if (spec.overlay && spec.namespaces.mnt !== 'new') throw new KernelError('spawn: a root overlay needs a mount namespace of its own', 'EINVAL');
    if (spec.overlay && spec.overlay.target !== spec.rootfs) throw new KernelError(`spawn: the root overlay's target ${spec.overlay.target} is not the rootfs ${spec.rootfs}`, 'EINVAL');
    const ovl = spec.overlay
      ? { target: spec.overlay.target, options: overlayOptions(spec.overlay).join(','), command: overlayInNs(cmdline(overlayArgv(spec.overlay))) }
      : null;
    // with a cgroup namespace of its own, PID 1 joins its cgroup and makes that namespace itself
    // (boxlab-init), so the unshare that waits for it stays outside the group
    const byPid1 = !!cgroup && ns.created.includes('cgroup');
    if (byPid1) ns.unshare = ns.unshare.filter((a) => a !== '--cgroup');
    const join = cgroup ? this.cgroups.selfJoinFiles(cgroup) : [];
    const rec = this.procs.create(
      { argv: spec.argv, cgroup, log: spec.log, startedAt: this.clock.now(), ...(ovl ? { overlay: ovl.target } : {}) },
      { ...(byPid1 ? { join: [], pid1Join: join, homeProcs: [] } : { join, homeProcs: this.homeProcs() }), stdin: spec.stdin },
    );
    const init = [
      '/bin/sh', `${this.runDir}/bin/boxlab-init`, rec.dir, '--root', spec.rootfs, ...(ovl ? ['--overlay', ovl.options] : []),
      ...(spec.hostname ? ['--hostname', spec.hostname] : []), '--wd', spec.cwd || '/',
      ...(spec.binds ?? []).flatMap((b) => ['--bind', `${b.source}:${b.target}${b.readonly ? ':ro' : ''}`]),
      '--', ...setprivArgv(DEFAULT_CAPS, spec.user), '--', ...envArgv(spec.env), ...spec.argv,
    ];
    if (spec.tty) writeFileSync(`${rec.dir}/tty`, '');
    // the overlay stays until the container ends, or its start fails (its options as asked for)
    const mounted = () => {
      if (ovl) this.emit({ kind: 'mount', fstype: 'overlay', source: 'overlay', target: ovl.target, options: ['rw', ...ovl.options.split(',')], command: ovl.command, status: 0 });
    };
    let launched;
    let overlayWasUp = false;
    try {
      launched = await this.launch([...signalReset(), ...ns.join, ...ns.unshare, ...init], rec, spec.tty, ovl?.command, (r) => (overlayWasUp = existsSync(`${r.dir}/overlay.up`)));
    } catch (e) {
      // mounted, then the start failed: both events, the mount gone with the namespace
      if (ovl && overlayWasUp) {
        mounted();
        this.emit({ kind: 'unmount', target: ovl.target, command: overlayGone(ovl.target), status: 0 });
      }
      throw e;
    }
    const { pid, command, ms } = launched;
    mounted();
    const ids = nsIds(pid);
    const host = hostNsIds();
    for (const type of ns.created) {
      this.emit({ kind: 'namespace.create', nsType: type, id: ids[type], hostId: host[type], pid, command: `readlink /proc/${pid}/ns/${type}  # ${type}:[${ids[type]}], host ${type}:[${host[type]}]`, status: 0 });
    }
    if (cgroup) {
      // 0: the writing thread itself (v1's tasks file then needs no machine-wide lock); its children follow
      const command = join.map((f) => `echo 0 > ${f}`).join(' && ') + (byPid1 ? ' && unshare --cgroup  # by PID 1' : '');
      this.emit({ kind: 'cgroup.write', path: `/${cgroup}`, file: join[0].slice(join[0].lastIndexOf('/') + 1), value: '0', command, status: 0 });
    }
    this.emit({ kind: 'mount', fstype: 'proc', source: 'proc', target: '/proc', options: ['nosuid', 'nodev', 'noexec'], command: `mount -t proc -o nosuid,nodev,noexec proc ${spec.rootfs}/proc`, status: 0 });
    this.emit({ kind: 'pivot-root', newRoot: spec.rootfs, pid, command: `cd ${spec.rootfs} && pivot_root . . && umount -l .`, status: 0 });
    if (spec.hostname && ns.created.includes('uts')) this.emit({ kind: 'uts.hostname', hostname: spec.hostname, pid, command: hostnameCommand(spec.hostname), status: 0 });
    this.emit({ kind: 'process.spawn', pid, nsPid: nsPidOf(pid), argv: spec.argv, cgroup: cgroup ? `/${cgroup}` : undefined, hostname: spec.hostname, command, durationMs: ms, status: 0 });
    return (await this.status(pid)) ?? { pid, state: 'running', oomKilled: false, startedAt: rec.startedAt };
  }

  async exec(target: number, spec: Omit<SpawnSpec, 'namespaces' | 'rootfs' | 'hostname' | 'cgroup'>): Promise<ProcStatus> {
    const t = this.procs.byPid(target);
    if (!t || procState(target) === null) throw new KernelError(`process ${target} is not running`, 'ESRCH');
    await ensureTools(this.runDir);
    const rec = this.procs.create(
      { argv: spec.argv, cgroup: t.cgroup, log: spec.log, startedAt: this.clock.now() },
      { join: t.cgroup ? this.cgroups.selfJoinFiles(t.cgroup) : [], homeProcs: this.homeProcs(), stdin: spec.stdin },
    );
    const tail = [
      ...signalReset(),
      // --wd with no path: the target's working directory, inside its root (a path given there would
      // be opened on the host, before nsenter enters the container); then cd to the one asked for
      'nsenter', `--target=${target}`, '--pid', '--mount', '--uts', '--ipc', '--net', '--cgroup', '--root', '--wd',
      `${CONTAINER_TOOLS}/busybox`, 'sh', '-c', 'cd "$1" || { echo error >&9; exit 126; }; shift; echo ready >&9; exec 9>&- 2>&4 4>&-; exec "$@"', 'boxlab-exec', spec.cwd || '/',
      `${CONTAINER_TOOLS}/ld.so`, '--library-path', CONTAINER_TOOLS, `${CONTAINER_TOOLS}/setpriv`, ...setprivArgv(DEFAULT_CAPS, spec.user).slice(1), '--', ...envArgv(spec.env), ...spec.argv,
    ];
    if (spec.tty) writeFileSync(`${rec.dir}/tty`, '');
    const { pid, command, ms } = await this.launch(tail, rec, spec.tty);
    this.emit({ kind: 'namespace.join', nsTypes: ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'], targetPid: target, pid, command, durationMs: ms, status: 0 });
    this.emit({ kind: 'process.spawn', pid, nsPid: nsPidOf(pid), argv: spec.argv, cgroup: t.cgroup ? `/${t.cgroup}` : undefined, command, status: 0 });
    return (await this.status(pid)) ?? { pid, state: 'running', oomKilled: false, startedAt: rec.startedAt };
  }

  /**
   * `-p`: publish container ports on the host side (the machine's network namespace, or the one
   * holding the bridge) with boxlab-forward.mjs, a TCP proxy that lives and dies with PID `pid`.
   */
  async publish(pid: number, ports: PortForward[]): Promise<number> {
    const rec = this.procs.byPid(pid);
    if (!rec) throw new KernelError(`publish: process ${pid} is not a container boxlab started`, 'ESRCH');
    await ensureTools(this.runDir);
    const argv = [
      'setsid', '-f', ...(this.hostNetns ? ['nsenter', `--net=/run/netns/${this.hostNetns}`] : []),
      process.execPath, `${this.runDir}/bin/boxlab-forward.mjs`, rec.dir, String(pid),
      ...ports.map((p) => `${p.hostIp}:${p.hostPort}:${p.containerIp}:${p.containerPort}`),
    ];
    const r = await run(argv, { detached: true });
    if (r.exitCode !== 0) throw new KernelError(`${cmdline(argv)}: exit ${r.exitCode}`, 'EIO', cmdline(argv));
    const t0 = Date.now();
    for (;;) {
      const read = (f: string) => {
        try {
          return readFileSync(`${rec.dir}/${f}`, 'utf8');
        } catch {
          return null;
        }
      };
      const err = read('forward.err');
      if (err !== null) throw new KernelError(`publish ${ports.map((p) => `${p.hostIp}:${p.hostPort}`).join(', ')}: ${err.trim()}`, /EADDRINUSE/.test(err) ? 'EADDRINUSE' : 'EIO', cmdline(argv));
      const fpid = Number(read('forward.pid')?.trim());
      if (fpid) {
        this.emit({ kind: 'process.spawn', pid: fpid, nsPid: fpid, argv: argv.slice(this.hostNetns ? 4 : 2), command: cmdline(argv), durationMs: Date.now() - t0 + r.durationMs, status: 0 });
        return fpid;
      }
      if (Date.now() - t0 > 10_000) throw new KernelError('publish: the port forwarder did not start within 10 s', 'ETIMEDOUT', cmdline(argv));
      await new Promise((res) => setTimeout(res, 5));
    }
  }

  async signal(pid: number, sig: Signal): Promise<void> {
    const rec = this.procs.byPid(pid);
    if (!rec) throw new KernelError(`kill: (${pid}) - not a process boxlab started`, 'ESRCH');
    if (procState(pid) === null || this.procs.facts(rec).exit) throw new KernelError(`kill: (${pid}) - No such process`, 'ESRCH');
    const n = SIGNAL_NUMBERS[sig];
    let delivered = true;
    let note: string | undefined;
    if (nsPidOf(pid) === 1 && sig !== 'SIGKILL' && sig !== 'SIGSTOP' && !catches(pid, n)) {
      delivered = false;
      note = `PID 1 in a PID namespace has no default action for ${sig}; without a handler the kernel drops it`;
    }
    const t0 = performance.now();
    try {
      process.kill(pid, sig);
    } catch (e) {
      throw new KernelError(`kill: (${pid}) - ${(e as Error).message}`, (e as NodeJS.ErrnoException).code ?? 'ESRCH');
    }
    this.emit({ kind: 'process.signal', pid, signal: sig, delivered, note, command: `kill -${sig.replace('SIG', '')} ${pid}`, durationMs: performance.now() - t0, status: 0 });
  }

  async input(pid: number): Promise<void> {
    throw new KernelError(`input to process ${pid}: a real process on a terminal reads the terminal itself (spawn it with tty)`, 'ENOTSUP');
  }

  private oomKills(cgroup?: string): number {
    if (!cgroup) return 0;
    try {
      return Number(/oom_kill (\d+)/.exec(this.cgroups.read(cgroup, 'memory.events'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  async status(pid: number): Promise<ProcStatus | null> {
    const rec = this.procs.byPid(pid);
    if (!rec) return null;
    // the common case, asked for every container by every command: no exit yet and PID 1 alive
    if (!this.procs.exited(rec)) {
      const st = procState(pid);
      if (st && st !== 'zombie') return { pid, state: st, oomKilled: false, startedAt: rec.startedAt };
    }
    const t0 = Date.now();
    let shimSeen = t0;
    for (;;) {
      const f = this.procs.facts(rec);
      if (f.exit) {
        const code = f.exit.code;
        const signal = code > 128 ? SIG_BY_NUMBER[code - 128] : undefined;
        const oomKilled = code === 137 && this.oomKills(rec.cgroup) > 0;
        if (oomKilled && !this.reported.has(pid)) {
          this.reported.add(pid);
          const limit = Number(this.cgroups.read(rec.cgroup!, 'memory.max').trim()) || 0;
          this.emit({ kind: 'process.oom-kill', pid, nsPid: 1, cgroup: `/${rec.cgroup}`, usage: limit, limit, command: `cat ${this.cgroups.dirs(rec.cgroup!)[0]}/memory.oom_control  # oom_kill ${this.oomKills(rec.cgroup)}`, status: 0 });
        }
        return this.exited({ pid, state: 'exited', exitCode: code, signal, oomKilled, startedAt: rec.startedAt, finishedAt: f.exit.at });
      }
      const st = procState(pid);
      if (st && st !== 'zombie') return { pid, state: st, oomKilled: false, startedAt: rec.startedAt };
      // PID 1 is gone; the shim writes the exit once the log is flushed (on a busy machine that
      // can take a while); a shim that was killed never will: then it was killed too
      const now = Date.now();
      const shimOn = () => now - shimSeen < 500 || (shimAlive(rec.dir) && (shimSeen = now) > 0);
      if (now - t0 < 1000 || (now - t0 < 10_000 && ((f.child && procState(f.child) !== null) || shimOn()))) {
        // woken by the exit file's arrival, or after 10 ms
        await this.whenEnded(pid, 10);
        continue;
      }
      return this.exited({ pid, state: 'exited', exitCode: 137, signal: 'SIGKILL', oomKilled: false, startedAt: rec.startedAt, finishedAt: this.clock.now() });
    }
  }
  private reported = new Set<number>();
  private exits = new Set<number>();

  /** the first time a process is seen gone, say so (as the simulated kernel does when it exits) */
  private exited(st: ProcStatus): ProcStatus {
    if (!this.exits.has(st.pid)) {
      this.exits.add(st.pid);
      const rec = this.procs.byPid(st.pid);
      this.emit({ kind: 'process.exit', pid: st.pid, nsPid: 1, exitCode: st.exitCode ?? 0, signal: st.signal, argv: rec?.argv ?? [], command: `wait ${st.pid}`, status: st.exitCode });
      // the root's overlay went with the container's mount namespace
      if (rec?.overlay) this.emit({ kind: 'unmount', target: rec.overlay, command: overlayGone(rec.overlay), status: 0 });
    }
    return st;
  }

  whenEnded(pid: number, timeoutMs: number): Promise<void> {
    const rec = this.procs.byPid(pid);
    if (!rec) return Promise.resolve();
    return new Promise((resolve) => {
      let w: FSWatcher | undefined;
      const done = () => {
        clearTimeout(timer);
        w?.close();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      try {
        // the shim renames exit.tmp to exit once the container has ended and its log is complete
        w = watch(rec.dir, (_, name) => name === 'exit' && done());
        // no watch (gone, or inotify's limit reached): the timer alone, never a busy loop
        w.on('error', () => w?.close());
      } catch {
        return;
      }
      if (this.procs.exited(rec)) done();
    });
  }

  async wait(pid: number, timeoutMs?: number): Promise<ProcStatus | null> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const st = await this.status(pid);
      if (!st) return null;
      if (st.state === 'exited') return st;
      if (Date.now() >= deadline) return null;
      await this.whenEnded(pid, Math.min(50, deadline - Date.now()));
    }
  }

  forget(pid: number): void {
    const rec = this.procs.byPid(pid);
    if (rec && this.procs.facts(rec).exit) this.procs.remove(pid, rec);
  }

  async processes(pid: number): Promise<ProcInfo[]> {
    if (procState(pid) === null) throw new KernelError(`no such process: ${pid}`, 'ESRCH');
    return processesInNs(pid);
  }

  async observe(pid: number): Promise<Observation> {
    if (procState(pid) === null) throw new KernelError(`no such process: ${pid}`, 'ESRCH');
    const rec = this.procs.byPid(pid);
    const cg = rec?.cgroup;
    const read = (f: string) => {
      try {
        return cg ? this.cgroups.read(cg, f).trim() : '';
      } catch {
        return '';
      }
    };
    const h = await run(['nsenter', `--uts=/proc/${pid}/ns/uts`, 'hostname']);
    const mem = read('memory.max');
    const pids = read('pids.max');
    return {
      pid,
      nsPid: nsPidOf(pid),
      ns: nsIds(pid),
      hostNs: hostNsIds(),
      hostname: h.stdout.trim(),
      mounts: readMountinfo(pid),
      cgroup: cg ? `/${cg}` : '/',
      limits: { memoryMax: mem && mem !== 'max' ? Number(mem) : null, pidsMax: pids && pids !== 'max' ? Number(pids) : null, cpuMax: read('cpu.max') || 'max 100000' },
      usage: { memoryCurrent: Number(read('memory.current')) || 0, pidsCurrent: Number(read('pids.current')) || 0, oomKills: this.oomKills(cg) },
      interfaces: await interfacesOf(pid),
    };
  }


  // ---- mounts and cgroups ----------------------------------------------------------------

  async mountOverlay(spec: OverlaySpec): Promise<void> {
    const argv = overlayArgv(spec);
    const r = await run(argv);
    if (r.exitCode !== 0) throw new KernelError(`${cmdline(argv)}: ${r.stderr.trim()}`, mountErrno(r.stderr), cmdline(argv));
    const seen = readMountinfo('self').reverse().find((m) => m.target === spec.target);
    this.emit({ kind: 'mount', fstype: 'overlay', source: 'overlay', target: spec.target, options: seen?.options ?? [], command: cmdline(argv), durationMs: r.durationMs, status: 0 });
  }

  async unmount(target: string): Promise<void> {
    const argv = umountArgv(target);
    // not mounted (taken down already): what umount would say, without running it
    const real = (() => {
      try {
        return realpathSync(target);
      } catch {
        return target;
      }
    })();
    if (!readMountinfo('self').some((m) => m.target === target || m.target === real)) throw new KernelError(`${cmdline(argv)}: ${target}: not mounted.`, 'EINVAL', cmdline(argv));
    const r = await run(argv);
    if (r.exitCode !== 0) throw new KernelError(`${cmdline(argv)}: ${r.stderr.trim()}`, mountErrno(r.stderr), cmdline(argv));
    this.emit({ kind: 'unmount', target, command: cmdline(argv), durationMs: r.durationMs, status: 0 });
  }

  async cgroupCreate(path: string): Promise<void> {
    const t0 = performance.now();
    const command = this.cgroups.create(path);
    this.emit({ kind: 'cgroup.create', path: `/${cleanPath(path)}`, command, durationMs: performance.now() - t0, status: 0 });
  }

  async cgroupWrite(path: string, file: string, value: string): Promise<void> {
    const t0 = performance.now();
    const ops = this.cgroups.write(path, file, value);
    this.emit({ kind: 'cgroup.write', path: `/${cleanPath(path)}`, file, value, command: ops.map((o) => o.command).join(' && '), durationMs: performance.now() - t0, status: 0 });
  }

  async cgroupRead(path: string, file: string): Promise<string> {
    return this.cgroups.read(path, file);
  }

  async cgroupRemove(path: string): Promise<void> {
    const { existsSync } = await import('node:fs');
    if (!this.cgroups.dirs(path).some((d) => existsSync(d))) return;
    const t0 = performance.now();
    const command = this.cgroups.remove(path);
    this.emit({ kind: 'cgroup.remove', path: `/${cleanPath(path)}`, command, durationMs: performance.now() - t0, status: 0 });
  }

  private makeFs(): KernelFs {
    const base = realFs();
    return {
      ...base,
      mkdirp: async (p) => {
        if (await base.exists(p)) return;
        await base.mkdirp(p);
        this.emit({ kind: 'fs.mkdir', path: p, command: cmdline(['mkdir', '-p', p]), status: 0 });
      },
      remove: async (p) => {
        if (!(await base.exists(p))) return;
        await base.remove(p);
        this.emit({ kind: 'fs.remove', path: p, command: cmdline(['rm', '-rf', p]), status: 0 });
      },
      writeEntries: async (p, entries) => {
        const t0 = performance.now();
        await base.writeEntries(p, entries);
        const bytes = entries.reduce((n, e) => n + (e.data?.length ?? 0), 0);
        this.emit({ kind: 'fs.populate', path: p, files: entries.length, bytes, command: `mkdir -p ${shq(p)} && tar -xf - -C ${shq(p)}`, durationMs: performance.now() - t0, status: 0 });
      },
      populateBase: async (p) => {
        const t0 = performance.now();
        const r = await populateBusybox(p);
        this.emit({ kind: 'fs.populate', path: p, files: r.files, bytes: r.bytes, command: r.command, durationMs: performance.now() - t0, status: 0 });
        return { files: r.files, bytes: r.bytes, description: r.description };
      },
    };
  }
}
