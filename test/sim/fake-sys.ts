// A small in-memory SysCtx for simbox unit tests: Map-based files, fixed processes and network,
// captured output. A test double only; the real simulated kernel is tested end to end elsewhere.
import { SysError, type BlockProgram, type MountEntry, type NetIf, type PsRow, type Route, type Stat, type SysCtx } from '../../src/kernel/sim/sys.js';

interface Node {
  type: Stat['type'];
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  data?: string;
  target?: string;
  rdev?: [number, number];
}

export const T0 = Date.UTC(2024, 10, 25, 10, 0, 0);

export class FakeSys implements SysCtx {
  pid = 1;
  ppid = 0;
  uid = 0;
  gid = 0;
  argv = ['sh'];
  out = '';
  errOut = '';
  input = '';
  host = 'box';
  /** fs paths under which writes fail with EROFS */
  readOnly: string[] = [];
  nodes = new Map<string, Node>();
  dir = '/';
  spawned: { argv: string[]; program: BlockProgram | { kind: 'shell'; script: string }; pid: number }[] = [];
  killed: { pid: number; signal: string }[] = [];
  /** how many more forks (forkCheck or spawnChild) succeed; Infinity = no pids.max */
  forksLeft = Infinity;
  seen = new Set<string>();
  nextPid = 10;
  mountList: MountEntry[] = [
    { source: 'overlay', target: '/', fstype: 'overlay', options: ['rw', 'lowerdir=/var/lib/boxlab/l1', 'upperdir=/var/lib/boxlab/u', 'workdir=/var/lib/boxlab/w'] },
    { source: 'proc', target: '/proc', fstype: 'proc', options: ['rw', 'nosuid', 'nodev', 'noexec'] },
    { source: 'tmpfs', target: '/dev', fstype: 'tmpfs', options: ['rw', 'nosuid', 'size=65536k', 'mode=755'] },
  ];
  procs: PsRow[] = [
    { pid: 1, ppid: 0, user: 'root', argv: ['sh'], state: 'S', rssKb: 512, vszKb: 1536, startedAt: T0 },
    { pid: 7, ppid: 1, user: 'root', argv: ['sleep', '600'], state: 'S', rssKb: 512, vszKb: 1536, startedAt: T0 },
  ];
  ifaces: NetIf[] = [
    { index: 1, name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: true, kind: 'loopback', addrs: ['127.0.0.1/8'] },
    { index: 11, name: 'eth0', peer: 'if12', mac: '02:42:0a:00:00:02', mtu: 1500, up: true, kind: 'veth', addrs: ['10.0.0.2/24'] },
  ];
  routeList: Route[] = [
    { dest: 'default', via: '10.0.0.1', dev: 'eth0' },
    { dest: '10.0.0.0/24', dev: 'eth0', src: '10.0.0.2' },
  ];

  constructor(files: Record<string, string> = {}) {
    const dir = (p: string, mode = 0o755): void => {
      this.nodes.set(p, { type: 'dir', mode, uid: 0, gid: 0, mtime: T0 });
    };
    for (const d of ['/', '/bin', '/etc', '/tmp', '/root', '/proc', '/dev', '/var', '/home']) dir(d);
    this.nodes.set('/dev/null', { type: 'chardev', mode: 0o666, uid: 0, gid: 0, mtime: T0, rdev: [1, 3] });
    this.nodes.set('/bin/busybox', { type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: T0, data: 'x'.repeat(1000) });
    this.nodes.set('/bin/sh', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T0, target: '/bin/busybox' });
    this.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    this.write('/etc/group', 'root:x:0:\nnogroup:x:65534:\n');
    this.write('/etc/hosts', '127.0.0.1\tlocalhost\n10.0.0.3\tweb\n');
    for (const [p, data] of Object.entries(files)) this.write(p, data);
  }

  /** test helper: create a file (and its parent directories) */
  write(path: string, data: string, mode = 0o644): void {
    const parts = path.split('/').filter(Boolean);
    let cur = '';
    for (const p of parts.slice(0, -1)) {
      cur += `/${p}`;
      if (!this.nodes.has(cur)) this.nodes.set(cur, { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0 });
    }
    this.nodes.set(path, { type: 'file', mode, uid: 0, gid: 0, mtime: T0, data });
  }

  private norm(path: string): string {
    const abs = path.startsWith('/') ? path : `${this.dir === '/' ? '' : this.dir}/${path}`;
    const out: string[] = [];
    for (const p of abs.split('/')) {
      if (!p || p === '.') continue;
      if (p === '..') out.pop();
      else out.push(p);
    }
    return '/' + out.join('/');
  }

  /** resolve symlinks in every component (the last one only when follow) */
  private walk(path: string, follow = true, depth = 0): string {
    if (depth > 20) throw new SysError('ELOOP', path);
    const parts = this.norm(path).split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const next = `${cur}/${parts[i]}`;
      const n = this.nodes.get(next);
      const last = i === parts.length - 1;
      if (n?.type === 'symlink' && (!last || follow)) {
        const t = n.target!.startsWith('/') ? n.target! : `${cur}/${n.target}`;
        cur = this.walk(t, true, depth + 1);
        if (cur === '/') cur = '';
        continue;
      }
      if (!last && n && n.type !== 'dir') throw new SysError('ENOTDIR', path);
      cur = next;
    }
    return cur || '/';
  }

  private node(path: string, follow = true): Node {
    const p = this.walk(path, follow);
    const n = this.nodes.get(p);
    if (!n) throw new SysError('ENOENT', path);
    return n;
  }

  private checkWrite(p: string): void {
    if (this.readOnly.some((r) => p === r || p.startsWith(r === '/' ? '/' : `${r}/`))) throw new SysError('EROFS', p);
  }

  private parentOf(p: string): string {
    const i = p.lastIndexOf('/');
    return i <= 0 ? '/' : p.slice(0, i);
  }

  private children(p: string): string[] {
    const prefix = p === '/' ? '/' : `${p}/`;
    return [...this.nodes.keys()].filter((k) => k !== p && k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length));
  }

  private toStat(n: Node, p: string): Stat {
    const size = n.type === 'file' ? Buffer.byteLength(n.data ?? '') : n.type === 'dir' ? 4096 : n.type === 'symlink' ? n.target!.length : 0;
    return {
      type: n.type, mode: n.mode, uid: n.uid, gid: n.gid, size, mtime: n.mtime, target: n.target, rdev: n.rdev,
      nlink: n.type === 'dir' ? 2 + this.children(p).filter((c) => this.nodes.get(`${p === '/' ? '' : p}/${c}`)?.type === 'dir').length : 1,
    };
  }

  hostname(): string {
    return this.host;
  }
  setHostname(name: string): void {
    if (this.uid !== 0) throw new SysError('EPERM');
    this.host = name;
  }
  uname() {
    return { sysname: 'Linux', nodename: this.host, release: '6.8.0-boxlab', version: '#1 SMP PREEMPT_DYNAMIC boxlab-sim', machine: 'x86_64' };
  }
  now(): number {
    return T0 + 60_000;
  }
  cwd(): string {
    return this.dir;
  }
  chdir(path: string): void {
    const p = this.walk(path);
    const n = this.nodes.get(p);
    if (!n) throw new SysError('ENOENT', path);
    if (n.type !== 'dir') throw new SysError('ENOTDIR', path);
    this.dir = p;
  }
  stat(path: string): Stat {
    const p = this.walk(path);
    return this.toStat(this.node(path), p);
  }
  lstat(path: string): Stat {
    const p = this.walk(path, false);
    return this.toStat(this.node(path, false), p);
  }
  readFile(path: string): string {
    const n = this.node(path);
    if (n.type === 'dir') throw new SysError('EISDIR', path);
    if (n.type === 'chardev') return '';
    return n.data ?? '';
  }
  writeFile(path: string, data: string, opts?: { append?: boolean; mode?: number }): void {
    const p = this.walk(path);
    const n = this.nodes.get(p);
    if (n?.type === 'chardev') return;
    if (n?.type === 'dir') throw new SysError('EISDIR', path);
    const parent = this.nodes.get(this.parentOf(p));
    if (!parent) throw new SysError('ENOENT', path);
    if (parent.type !== 'dir') throw new SysError('ENOTDIR', path);
    this.checkWrite(p);
    if (n && opts?.append) n.data = (n.data ?? '') + data;
    else if (n) n.data = data;
    else this.nodes.set(p, { type: 'file', mode: opts?.mode ?? 0o644, uid: this.uid, gid: this.gid, mtime: this.now(), data });
  }
  readdir(path: string): string[] {
    const p = this.walk(path);
    const n = this.node(path);
    if (n.type !== 'dir') throw new SysError('ENOTDIR', path);
    return this.children(p).sort();
  }
  mkdir(path: string, mode = 0o755): void {
    const p = this.walk(path, false);
    if (this.nodes.has(p)) throw new SysError('EEXIST', path);
    const parent = this.nodes.get(this.parentOf(p));
    if (!parent) throw new SysError('ENOENT', path);
    if (parent.type !== 'dir') throw new SysError('ENOTDIR', path);
    this.checkWrite(p);
    this.nodes.set(p, { type: 'dir', mode, uid: this.uid, gid: this.gid, mtime: this.now() });
  }
  unlink(path: string): void {
    const p = this.walk(path, false);
    const n = this.nodes.get(p);
    if (!n) throw new SysError('ENOENT', path);
    if (n.type === 'dir') throw new SysError('EISDIR', path);
    this.checkWrite(p);
    this.nodes.delete(p);
  }
  rmdir(path: string): void {
    const p = this.walk(path, false);
    const n = this.nodes.get(p);
    if (!n) throw new SysError('ENOENT', path);
    if (n.type !== 'dir') throw new SysError('ENOTDIR', path);
    if (this.children(p).length) throw new SysError('ENOTEMPTY', path);
    this.checkWrite(p);
    this.nodes.delete(p);
  }
  rename(from: string, to: string): void {
    const a = this.walk(from, false);
    const b = this.walk(to, false);
    if (!this.nodes.has(a)) throw new SysError('ENOENT', from);
    if (!this.nodes.has(this.parentOf(b))) throw new SysError('ENOENT', to);
    this.checkWrite(a);
    this.checkWrite(b);
    for (const k of [...this.nodes.keys()]) {
      if (k === a || k.startsWith(`${a}/`)) {
        const n = this.nodes.get(k)!;
        this.nodes.delete(k);
        this.nodes.set(b + k.slice(a.length), n);
      }
    }
  }
  symlink(target: string, path: string): void {
    const p = this.walk(path, false);
    if (this.nodes.has(p)) throw new SysError('EEXIST', path);
    this.checkWrite(p);
    this.nodes.set(p, { type: 'symlink', mode: 0o777, uid: this.uid, gid: this.gid, mtime: this.now(), target });
  }
  chmod(path: string, mode: number): void {
    this.node(path).mode = mode;
  }
  mounts(): MountEntry[] {
    return this.mountList;
  }
  mount(spec: { source: string; target: string; fstype: string; options: string[] }): void {
    if (this.uid !== 0) throw new SysError('EPERM');
    this.mountList.push({ ...spec, options: spec.options.length ? spec.options : ['rw'] });
  }
  umount(target: string): void {
    const i = this.mountList.findIndex((m) => m.target === target);
    if (i <= 0) throw new SysError('EINVAL', target);
    this.mountList.splice(i, 1);
  }
  statfs(target: string): { size: number; used: number; avail: number } {
    if (target === '/') return { size: 64 * 1024 ** 3, used: 20 * 1024 ** 3, avail: 44 * 1024 ** 3 };
    if (target === '/dev') return { size: 64 * 1024 ** 2, used: 0, avail: 64 * 1024 ** 2 };
    return { size: 0, used: 0, avail: 0 };
  }
  processes(): PsRow[] {
    return this.procs;
  }
  kill(pid: number, signal: string): void {
    if (!this.procs.some((p) => p.pid === pid)) throw new SysError('ESRCH');
    this.killed.push({ pid, signal });
  }
  spawnChild(argv: string[], program: BlockProgram | { kind: 'shell'; script: string }): number {
    this.forkCheck();
    const pid = this.nextPid++;
    this.spawned.push({ argv, program, pid });
    return pid;
  }
  forkCheck(): void {
    if (this.forksLeft <= 0) throw new SysError('EAGAIN');
    this.forksLeft--;
  }
  meminfo() {
    return { totalKb: 8_000_000, usedKb: 1_200_000, freeKb: 4_500_000, sharedKb: 11_400, buffCacheKb: 2_300_000, availableKb: 6_600_000, swapTotalKb: 0 };
  }
  cgroup(): string {
    return '/boxlab/c1';
  }
  interfaces(): NetIf[] {
    return this.ifaces;
  }
  routes(): Route[] {
    return this.routeList;
  }
  ping(addr: string) {
    if (addr === '127.0.0.1' || addr === '10.0.0.3' || addr === '10.0.0.2') return { rttMs: 0.08, ttl: 64, from: addr };
    return null;
  }
  httpGet(): { status: number; body: string } {
    throw new SysError('ECONNREFUSED');
  }
  resolve(name: string): string | null {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return name;
    if (name === 'localhost') return '127.0.0.1';
    if (name === 'web') return '10.0.0.3';
    if (name === this.host) return '10.0.0.2';
    return null;
  }
  stdout(text: string): void {
    this.out += text;
  }
  stderr(text: string): void {
    this.errOut += text;
  }
  stdin(): string {
    const s = this.input;
    this.input = '';
    return s;
  }
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}
