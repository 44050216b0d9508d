// The system calls of one simulated process: files through its mount namespace, processes
// through its PID namespace, the network through its net namespace. simbox sees only this.
import { SIM_DISK, SIM_MEM_TOTAL, SIM_RELEASE } from './boot.js';
import type { PathCtx } from './fs/vfs.js';
import type { SimKernel } from './kernel.js';
import { isAlive, isNsInit, parseSignal, visibleFrom } from './procs.js';
import * as simbox from './simbox/index.js';
import type { SimProc } from './state.js';
import {
  SysError, type BlockProgram, type MountEntry, type NetIf, type PsRow, type Route, type Stat, type SysCtx,
} from './sys.js';

const PATH_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin'];

export class ProcSys implements SysCtx {
  constructor(
    private k: SimKernel,
    private p: SimProc,
  ) {}

  get pid(): number {
    return this.p.nsPids[this.p.ns.pid];
  }
  get ppid(): number {
    return this.k.st.procs[this.p.ppid]?.nsPids[this.p.ns.pid] ?? 0;
  }
  get uid(): number {
    return this.p.uid;
  }
  get gid(): number {
    return this.p.gid;
  }
  get groups(): number[] | undefined {
    return this.p.groups;
  }
  get argv(): string[] {
    return this.p.argv;
  }
  /** A process in a container has Docker's default capabilities: no CAP_SYS_ADMIN. */
  private get privileged(): boolean {
    return this.p.ns.pid === this.k.st.hostNs.pid;
  }

  hostname(): string {
    return this.k.hostnameOf(this.p);
  }
  setHostname(name: string): void {
    if (!this.privileged) throw new SysError('EPERM');
    this.k.st.namespaces[this.p.ns.uts].hostname = name;
    this.k.emit({ kind: 'uts.hostname', hostname: name, pid: this.p.pid, command: `hostname ${name}` });
  }
  uname() {
    return { sysname: 'Linux', nodename: this.hostname(), release: SIM_RELEASE, version: '#1 SMP PREEMPT_DYNAMIC boxlab-sim', machine: 'x86_64' };
  }
  now(): number {
    return this.k.clock.now();
  }

  // ---- files ----
  private get ctx(): PathCtx {
    return { ns: this.k.mountNs(this.p), cwd: this.p.cwd, uid: this.p.uid };
  }
  cwd(): string {
    return this.p.cwd;
  }
  chdir(path: string): void {
    const st = this.k.vfs.stat(this.ctx, path);
    if (st.type !== 'dir') throw new SysError('ENOTDIR', path);
    this.p.cwd = this.k.vfs.realpath(this.ctx, path);
  }
  stat(path: string): Stat {
    return this.k.vfs.stat(this.ctx, path);
  }
  lstat(path: string): Stat {
    return this.k.vfs.lstat(this.ctx, path);
  }
  private isDevNull(path: string): boolean {
    try {
      const s = this.k.vfs.stat(this.ctx, path);
      return s.type === 'chardev' && s.rdev?.[0] === 1 && [3, 5, 7].includes(s.rdev[1]);
    } catch {
      return false;
    }
  }
  readFile(path: string): string {
    if (this.isDevNull(path)) return '';
    return this.k.vfs.readFile(this.ctx, path);
  }
  writeFile(path: string, data: string, opts?: { append?: boolean; mode?: number }): void {
    if (this.isDevNull(path)) return;
    this.k.vfs.writeFile(this.ctx, path, data, opts);
  }
  readdir(path: string): string[] {
    return this.k.vfs.readdir(this.ctx, path);
  }
  mkdir(path: string, mode?: number): void {
    this.k.vfs.mkdir(this.ctx, path, mode);
  }
  unlink(path: string): void {
    this.k.vfs.unlink(this.ctx, path);
  }
  rmdir(path: string): void {
    this.k.vfs.rmdir(this.ctx, path);
  }
  rename(from: string, to: string): void {
    this.k.vfs.rename(this.ctx, from, to);
  }
  symlink(target: string, path: string): void {
    this.k.vfs.symlink(this.ctx, target, path);
  }
  chmod(path: string, mode: number): void {
    this.k.vfs.chmod(this.ctx, path, mode);
  }
  mounts(): MountEntry[] {
    return this.k.mountNs(this.p).mounts.map((m) => ({ source: m.source, target: m.target, fstype: m.fstype, options: m.options }));
  }
  mount(spec: { source: string; target: string; fstype: string; options: string[] }): void {
    if (!this.privileged) throw new SysError('EPERM');
    const st = this.k.vfs.stat(this.ctx, spec.target);
    if (st.type !== 'dir') throw new SysError('ENOTDIR', spec.target);
    const synthetic = ['proc', 'sysfs', 'cgroup2'].includes(spec.fstype);
    if (!synthetic && spec.fstype !== 'tmpfs') throw new SysError('EINVAL');
    this.k.emit({ kind: 'mount', fstype: spec.fstype, source: spec.source, target: spec.target, options: spec.options, command: `mount -t ${spec.fstype}${spec.options.length ? ` -o ${spec.options.join(',')}` : ''} ${spec.source} ${spec.target}` });
    this.k.mountNs(this.p).mounts.push({
      ...spec, options: spec.options.length ? spec.options : ['rw'],
      backing: synthetic ? { kind: 'synthetic', name: spec.fstype } : { kind: 'tmpfs', root: { t: 'dir', mode: 0o1777, uid: 0, gid: 0, mtime: this.now(), entries: {} } },
    });
  }
  umount(target: string): void {
    if (!this.privileged) throw new SysError('EPERM');
    const mounts = this.k.mountNs(this.p).mounts;
    const real = this.k.vfs.realpath(this.ctx, target);
    const i = mounts.map((m) => m.target).lastIndexOf(real);
    if (i <= 0) throw new SysError('EINVAL', target);
    mounts.splice(i, 1);
    this.k.emit({ kind: 'unmount', target: real, command: `umount ${real}` });
  }
  statfs(target: string): { size: number; used: number; avail: number } {
    const m = this.k.vfs.mountAt(this.ctx, target);
    if (m.backing.kind === 'tmpfs') {
      const size = 64 * 1024 * 1024;
      const used = m.backing.root ? JSON.stringify(m.backing.root).length : 0;
      return { size, used, avail: size - used };
    }
    if (m.backing.kind === 'synthetic') return { size: 0, used: 0, avail: 0 };
    const used = Math.round(SIM_DISK * 0.31) + this.k.vfs.hostDu('/');
    return { size: SIM_DISK, used, avail: SIM_DISK - used };
  }

  // ---- processes ----
  processes(): PsRow[] {
    return visibleFrom(this.k.st, this.p.ns.pid).map(({ proc, pid, ppid }) => ({
      pid, ppid, user: proc.uid === 0 ? 'root' : String(proc.uid), argv: proc.argv,
      state: proc.state === 'T' ? 'T' : proc === this.p ? 'R' : 'S',
      rssKb: Math.round(proc.memBytes / 1024), vszKb: Math.round(proc.memBytes / 1024) + 1024, startedAt: proc.startedAt,
    }));
  }
  private byNsPid(pid: number): SimProc {
    const hit = visibleFrom(this.k.st, this.p.ns.pid).find((v) => v.pid === pid);
    if (!hit) throw new SysError('ESRCH');
    return hit.proc;
  }
  kill(pid: number, signal: string): void {
    const sig = parseSignal(signal);
    if (!sig) throw new SysError('EINVAL');
    const target = this.byNsPid(pid);
    const fromOutside = target.ns.pid !== this.p.ns.pid;
    const r = this.k.deliver(target, sig, fromOutside);
    this.k.emit({ kind: 'process.signal', pid: target.pid, signal: sig, delivered: r.delivered, note: r.note, command: `kill -${sig.replace('SIG', '')} ${pid}` });
  }
  spawnChild(argv: string[], program: BlockProgram | { kind: 'shell'; script: string }): number {
    this.k.forkCheck(this.p);
    const child = this.k.newProc(this.p, { argv });
    this.k.emitFork(child, true);
    if (program.kind === 'shell') {
      this.k.withCurrent(child, () => this.k.apply(child, simbox.start(this.k.sys(child), ['sh', '-c', program.script], child.env)));
    } else this.k.block(child, program);
    return child.nsPids[this.p.ns.pid];
  }
  forkCheck(): void {
    this.k.forkCheck(this.p);
  }
  meminfo() {
    // free(1) inside a container reads /proc/meminfo: the host's numbers, not the cgroup's limit
    const totalKb = SIM_MEM_TOTAL / 1024;
    const procs = Object.values(this.k.st.procs).filter(isAlive).reduce((s, p) => s + p.memBytes, 0);
    const usedKb = Math.round(1_180_000 + procs / 1024);
    const buffCacheKb = 2_310_000;
    const sharedKb = 11_400;
    const freeKb = totalKb - usedKb - buffCacheKb;
    return { totalKb, usedKb, freeKb, sharedKb, buffCacheKb, availableKb: freeKb + buffCacheKb - 200_000, swapTotalKb: 0 };
  }
  cgroup(): string {
    const root = this.k.st.namespaces[this.p.ns.cgroup]?.cgroupRoot ?? '/';
    if (root === '/') return this.p.cgroup;
    const rel = this.p.cgroup.startsWith(root) ? this.p.cgroup.slice(root.length) : this.p.cgroup;
    return rel === '' ? '/' : rel;
  }

  // ---- network ----
  interfaces(): NetIf[] {
    const ns = this.k.st.namespaces[this.p.ns.net];
    return (ns?.ifaces ?? []).map((i) => {
      const far = i.peer ? this.k.st.namespaces[i.peer.ns]?.ifaces?.find((x) => x.name === i.peer!.name) : undefined;
      return {
        index: i.index, name: i.name, peer: far ? `if${far.index}` : undefined, mac: i.mac, mtu: i.mtu, up: i.up,
        kind: i.kind === 'ether' ? 'veth' : i.kind, addrs: [...i.addrs],
      };
    });
  }
  routes(): Route[] {
    const ns = this.k.st.namespaces[this.p.ns.net];
    return (ns?.routes ?? []).map((r) => {
      const dev = ns?.ifaces?.find((i) => i.name === r.dev);
      return { ...r, src: r.dest === 'default' ? undefined : dev?.addrs[0]?.split('/')[0] };
    });
  }
  ping(addr: string) {
    return this.k.simnet.ping(this.p.ns.net, addr);
  }
  httpGet(ip: string, port: number, path: string): { status: number; body: string } {
    if (!this.k.simnet.ping(this.p.ns.net, ip)) throw new SysError('EHOSTUNREACH');
    const ns = this.k.simnet.holder(this.p.ns.net, ip);
    const server = ns === undefined ? undefined : this.k.server(ns, port);
    if (!server || server.program?.kind !== 'serve') throw new SysError('ECONNREFUSED');
    const sys = new ProcSys(this.k, server);
    const root = server.program.root.replace(/\/$/, '');
    let file = `${root}${path.startsWith('/') ? path : `/${path}`}`;
    try {
      if (sys.stat(file).type === 'dir') file = `${file.replace(/\/$/, '')}/index.html`;
      return { status: 200, body: this.k.withCurrent(server, () => sys.readFile(file)) };
    } catch {
      return { status: 404, body: '<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>\n<BODY><H1>404 Not Found</H1>\nThe requested URL was not found\n</BODY></HTML>\n' };
    }
  }

  resolve(name: string): string | null {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return name;
    if (name === 'localhost') return '127.0.0.1';
    if (name === this.hostname()) {
      const eth = this.interfaces().find((i) => i.kind !== 'loopback' && i.addrs.length);
      return eth ? eth.addrs[0].split('/')[0] : '127.0.0.1';
    }
    try {
      const hosts = this.readFile('/etc/hosts');
      for (const line of hosts.split('\n')) {
        const [ip, ...names] = line.trim().split(/\s+/);
        if (ip && !ip.startsWith('#') && names.includes(name)) return ip;
      }
    } catch {
      /* no /etc/hosts */
    }
    return null;
  }

  // ---- output ----
  stdout(text: string): void {
    this.k.write(this.p, 'stdout', text);
  }
  stderr(text: string): void {
    this.k.write(this.p, 'stderr', text);
  }
  stdin(): string {
    const s = this.p.stdin ?? '';
    this.p.stdin = undefined;
    return s;
  }
  firstTime(key: string): boolean {
    return this.k.firstTime(key);
  }

  /** PATH lookup the way execvp does it, for the kernel's exec: an applet, or a #!/bin/sh script. */
  which(name: string): { path: string; script: boolean } | null {
    const candidates = name.includes('/') ? [name] : PATH_DIRS.map((d) => `${d}/${name}`);
    for (const c of candidates) {
      try {
        const st = this.k.vfs.stat(this.ctx, c);
        if (st.type !== 'file') continue;
        const base = name.split('/').pop()!;
        if (simbox.isCommand(base) && this.k.vfs.lstat(this.ctx, c).type === 'symlink') return { path: c, script: false };
        if (simbox.isCommand(base) && base === 'busybox') return { path: c, script: false };
        const head = this.k.vfs.readFile(this.ctx, c).slice(0, 64);
        if (/^#!\s*\/bin\/(ba|a)?sh\b/.test(head) && st.mode & 0o111) return { path: c, script: true };
        if (simbox.isCommand(base)) return { path: c, script: false };
      } catch {
        /* try the next */
      }
    }
    return null;
  }

  get isInit(): boolean {
    return isNsInit(this.k.st, this.p);
  }
}
