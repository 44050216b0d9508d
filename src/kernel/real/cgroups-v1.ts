// cgroup v1 (and hybrid): one hierarchy per controller, /sys/fs/cgroup/{memory,pids,cpu}/boxlab/ID.
// v2 names map to v1 files: memory.max → memory.limit_in_bytes, cpu.max → cpu.cfs_quota_us +
// cpu.cfs_period_us, memory.events oom_kill ← memory.oom_control oom_kill. Where the devices
// controller is mounted, the group also lives there with runc's allowlist and nothing else
// (devices.deny a, then devices.allow of the standard nodes), so CAP_MKNOD makes no disk node.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { KernelError } from '../kernel.js';
import { cleanPath, errnoOf, type CgroupDriver, type CgroupOp } from './cgroups.js';

const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;

/** the devices a container may create and use (runc's and Docker's defaults, less `c|b *:* m`) */
export const ALLOWED_DEVICES = [
  'c 1:3 rwm', // null
  'c 1:5 rwm', // zero
  'c 1:7 rwm', // full
  'c 1:8 rwm', // random
  'c 1:9 rwm', // urandom
  'c 5:0 rwm', // tty
  'c 5:1 rwm', // console
  'c 5:2 rwm', // ptmx
  'c 136:* rwm', // pts/*
];
const UNLIMITED = 9223372036854771712n;

export class CgroupV1 implements CgroupDriver {
  /** the hierarchies a group lives in: memory, pids, cpu, and devices where it is mounted */
  readonly controllers: readonly string[];

  constructor(readonly root: string, readonly layout: 'v1' | 'hybrid' = 'v1') {
    this.controllers = existsSync(`${root}/devices/devices.deny`) ? [...CONTROLLERS, 'devices'] : CONTROLLERS;
  }

  dirs(path: string): string[] {
    const p = cleanPath(path);
    return this.controllers.map((c) => `${this.root}/${c}/${p}`);
  }

  create(path: string): string {
    const dirs = this.dirs(path);
    for (const d of dirs) {
      try {
        mkdirSync(d, { recursive: true });
      } catch (e) {
        throw new KernelError(`mkdir ${d}: ${(e as Error).message}`, errnoOf(e), `mkdir -p ${d}`);
      }
    }
    const commands = [`mkdir -p ${dirs.join(' ')}`];
    if (this.controllers.includes('devices')) {
      const dev = this.file('devices', path, '');
      for (const [file, value] of [['devices.deny', 'a'], ...ALLOWED_DEVICES.map((r) => ['devices.allow', r])]) {
        const command = `echo '${value}' > ${dev}${file}`;
        try {
          writeFileSync(`${dev}${file}`, value);
        } catch (e) {
          throw new KernelError(`${command}: ${(e as Error).message}`, errnoOf(e), command);
        }
        commands.push(command);
      }
    }
    return commands.join(' && ');
  }

  private file(controller: string, path: string, name: string): string {
    return `${this.root}/${controller}/${cleanPath(path)}/${name}`;
  }

  /** the v1 files (in order) a v2-named write becomes */
  mapWrite(path: string, file: string, value: string): { target: string; value: string }[] {
    const v = value.trim();
    switch (file) {
      case 'memory.max':
        return [{ target: this.file('memory', path, 'memory.limit_in_bytes'), value: v === 'max' ? '-1' : v }];
      case 'pids.max':
        return [{ target: this.file('pids', path, 'pids.max'), value: v }];
      case 'cpu.max': {
        const [quota, period = '100000'] = v.split(/\s+/);
        return [
          { target: this.file('cpu', path, 'cpu.cfs_period_us'), value: period },
          { target: this.file('cpu', path, 'cpu.cfs_quota_us'), value: quota === 'max' ? '-1' : quota },
        ];
      }
      case 'cgroup.procs':
        return this.controllers.map((c) => ({ target: this.file(c, path, 'cgroup.procs'), value: v }));
      default:
        throw new KernelError(`cgroup v1 has no equivalent of ${file}`, 'EINVAL');
    }
  }

  write(path: string, file: string, value: string): CgroupOp[] {
    const ops: CgroupOp[] = [];
    for (const w of this.mapWrite(path, file, value)) {
      const command = `echo ${w.value} > ${w.target}`;
      try {
        writeFileSync(w.target, w.value);
      } catch (e) {
        throw new KernelError(`${command}: ${(e as Error).message}`, errnoOf(e), command);
      }
      ops.push({ file: w.target, value: w.value, command });
    }
    return ops;
  }

  private cat(controller: string, path: string, name: string): string {
    const f = this.file(controller, path, name);
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new KernelError(`cat ${f}: ${(e as Error).message}`, errnoOf(e), `cat ${f}`);
    }
  }

  read(path: string, file: string): string {
    switch (file) {
      case 'memory.max': {
        const n = BigInt(this.cat('memory', path, 'memory.limit_in_bytes').trim());
        return n >= UNLIMITED ? 'max\n' : `${n}\n`;
      }
      case 'memory.current':
        return this.cat('memory', path, 'memory.usage_in_bytes');
      case 'memory.events': {
        const oc = this.cat('memory', path, 'memory.oom_control');
        const kills = Number(/oom_kill (\d+)/.exec(oc)?.[1] ?? 0);
        const fails = Number(this.cat('memory', path, 'memory.failcnt').trim());
        return `low 0\nhigh 0\nmax ${fails}\noom ${kills}\noom_kill ${kills}\n`;
      }
      case 'pids.max':
      case 'pids.current':
      case 'pids.events':
        return this.cat('pids', path, file);
      case 'cpu.max': {
        const q = Number(this.cat('cpu', path, 'cpu.cfs_quota_us').trim());
        const p = this.cat('cpu', path, 'cpu.cfs_period_us').trim();
        return `${q < 0 ? 'max' : q} ${p}\n`;
      }
      case 'cgroup.procs':
        return this.cat('pids', path, 'cgroup.procs');
      default:
        throw new KernelError(`cgroup v1 has no equivalent of ${file}`, 'EINVAL');
    }
  }

  remove(path: string): string {
    const dirs = this.dirs(path).filter((d) => existsSync(d));
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch (e) {
        throw new KernelError(`rmdir ${d}: ${(e as Error).message}`, errnoOf(e), `rmdir ${d}`);
      }
    }
    for (const c of this.controllers) {
      try {
        rmdirSync(`${this.root}/${c}/boxlab`);
      } catch {
        /* other groups still live there */
      }
    }
    return `rmdir ${dirs.join(' ')}`;
  }

  procsFiles(path: string): string[] {
    return this.dirs(path).map((d) => `${d}/cgroup.procs`);
  }

  selfJoinFiles(path: string): string[] {
    return this.dirs(path).map((d) => `${d}/tasks`);
  }

  homeProcsFiles(selfCgroup: string): string[] {
    const out: string[] = [];
    for (const line of selfCgroup.split('\n')) {
      const [, ctrls, p] = line.split(':');
      if (!ctrls || p === undefined) continue;
      for (const c of this.controllers) if (ctrls.split(',').includes(c)) out.push(`${this.root}/${c}${p === '/' ? '' : p}/cgroup.procs`);
    }
    return out;
  }
}
