// cgroup v2: one unified tree, /sys/fs/cgroup/boxlab/ID, controllers enabled from the parent's
// cgroup.subtree_control; boxlab's file names are v2's own. v2 has no devices controller: runc
// attaches an eBPF program (BPF_CGROUP_DEVICE) to filter device access, which boxlab does not
// do, so on pure v2 a container with CAP_MKNOD can make device nodes (v1 denies them: see
// cgroups-v1.ts ALLOWED_DEVICES).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { KernelError } from '../kernel.js';
import { cleanPath, errnoOf, type CgroupDriver, type CgroupOp } from './cgroups.js';

export class CgroupV2 implements CgroupDriver {
  readonly layout = 'v2' as const;
  constructor(readonly root: string) {}

  dirs(path: string): string[] {
    return [`${this.root}/${cleanPath(path)}`];
  }

  create(path: string): string {
    const [dir] = this.dirs(path);
    const parent = `${this.root}/boxlab`;
    try {
      mkdirSync(parent, { recursive: true });
      // the controllers a group can use are the ones its parent hands down
      for (const ctl of ['+memory', '+pids', '+cpu']) {
        for (const f of [`${this.root}/cgroup.subtree_control`, `${parent}/cgroup.subtree_control`]) {
          try {
            writeFileSync(f, ctl);
          } catch {
            /* not available here; reads of its files will say so */
          }
        }
      }
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new KernelError(`mkdir ${dir}: ${(e as Error).message}`, errnoOf(e), `mkdir -p ${dir}`);
    }
    return `mkdir -p ${dir} && echo '+memory +pids +cpu' > ${parent}/cgroup.subtree_control`;
  }

  write(path: string, file: string, value: string): CgroupOp[] {
    const target = `${this.dirs(path)[0]}/${file}`;
    const command = `echo ${/\s/.test(value) ? `'${value}'` : value} > ${target}`;
    try {
      writeFileSync(target, value);
    } catch (e) {
      throw new KernelError(`${command}: ${(e as Error).message}`, errnoOf(e), command);
    }
    return [{ file: target, value, command }];
  }

  read(path: string, file: string): string {
    const f = `${this.dirs(path)[0]}/${file}`;
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new KernelError(`cat ${f}: ${(e as Error).message}`, errnoOf(e), `cat ${f}`);
    }
  }

  remove(path: string): string {
    const [dir] = this.dirs(path);
    if (existsSync(dir)) {
      try {
        rmdirSync(dir);
      } catch (e) {
        throw new KernelError(`rmdir ${dir}: ${(e as Error).message}`, errnoOf(e), `rmdir ${dir}`);
      }
    }
    try {
      rmdirSync(`${this.root}/boxlab`);
    } catch {
      /* other groups still live there */
    }
    return `rmdir ${dir}`;
  }

  procsFiles(path: string): string[] {
    return [`${this.dirs(path)[0]}/cgroup.procs`];
  }

  selfJoinFiles(path: string): string[] {
    return this.procsFiles(path);
  }

  homeProcsFiles(selfCgroup: string): string[] {
    const line = selfCgroup.split('\n').find((l) => l.startsWith('0::'));
    if (!line) return [];
    const p = line.slice(3);
    return [`${this.root}${p === '/' ? '' : p}/cgroup.procs`];
  }
}
