// Pseudo filesystems (proc, sysfs, cgroup2, devpts, mqueue) have no disk behind them: the kernel
// makes their files up on every read and acts on writes (echo 1234 > cgroup.procs).
// See Documentation/filesystems/proc.rst and Documentation/admin-guide/cgroup-v2.rst.

import { SysError, type Stat } from '../sys.js';
import type { Backend } from './backend.js';
import { joinPath } from './path.js';

export interface SyntheticFs {
  /** rel is relative to the mount root, always starting with '/' ('/' is the root itself) */
  stat(rel: string): Stat | null;
  readdir(rel: string): string[];
  read(rel: string): string;
  /** called for writes and appends alike (pseudo files act on each write) */
  write(rel: string, data: string): void;
  /** optional: cgroup2 creates a child cgroup on mkdir */
  mkdir?(rel: string, mode: number): void;
  /** optional: cgroup2 removes an empty child cgroup on rmdir */
  rmdir?(rel: string): void;
}

export class SyntheticBackend implements Backend {
  constructor(private readonly fs: SyntheticFs) {}

  lstat(rel: string[]): Stat | null {
    return this.fs.stat(joinPath(rel));
  }
  readFile(rel: string[]): string {
    const st = this.fs.stat(joinPath(rel));
    if (!st) throw new SysError('ENOENT');
    if (st.type === 'dir') throw new SysError('EISDIR');
    return this.fs.read(joinPath(rel));
  }
  writeFile(rel: string[], data: string): void {
    const st = this.fs.stat(joinPath(rel));
    if (!st) throw new SysError('EACCES'); // pseudo filesystems don't let you create files
    if (st.type === 'dir') throw new SysError('EISDIR');
    this.fs.write(joinPath(rel), data);
  }
  readdir(rel: string[]): string[] {
    return this.fs.readdir(joinPath(rel));
  }
  mkdir(rel: string[], mode: number): void {
    if (!this.fs.mkdir) throw new SysError('EPERM');
    this.fs.mkdir(joinPath(rel), mode);
  }
  unlink(): void {
    throw new SysError('EPERM');
  }
  rmdir(rel: string[]): void {
    if (!this.fs.rmdir) throw new SysError('EPERM');
    this.fs.rmdir(joinPath(rel));
  }
  rename(): void {
    throw new SysError('EPERM');
  }
  symlink(): void {
    throw new SysError('EPERM');
  }
  chmod(): void {
    throw new SysError('EPERM');
  }
}
