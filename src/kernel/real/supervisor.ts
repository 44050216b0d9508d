// Container processes that outlive the CLI: each is started through boxlab-shim (setsid -f), and
// its record lives in /run/boxlab/procs/<token> (pid, exit status, log path), with a link
// procs/pid-<PID> so status(), wait() and signal() work from any later CLI invocation.
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface ProcRecord {
  dir: string;
  argv: string[];
  cgroup?: string;
  log: string;
  startedAt: number;
  /** the root overlay boxlab-init mounts in the process's mount namespace (its target): it goes with it */
  overlay?: string;
}

/** meta.json of the records this process has read, by record dir */
const records = new Map<string, ProcRecord>();

export class ProcTable {
  constructor(readonly runDir: string) {}

  get procsDir(): string {
    return join(this.runDir, 'procs');
  }

  /**
   * A fresh record directory with the files the shim reads. join: the files the process writes
   * 0 into to join its cgroup (selfJoinFiles); pid1Join: the same, for boxlab-init to write as
   * PID 1 (the process itself then joins nothing); homeProcs: the CLI's cgroup.procs files,
   * where a waiting nsenter that joined goes back to.
   */
  create(meta: Omit<ProcRecord, 'dir'>, files: { join: string[]; pid1Join?: string[]; homeProcs: string[]; stdin?: string }): ProcRecord {
    const token = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const dir = join(this.procsDir, token);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'log'), meta.log);
    // the shim stamps log lines with this wall clock (ms) plus the /proc/uptime (1/100 s) since
    const uptime = readFileSync('/proc/uptime', 'utf8').split(' ')[0].replace('.', '');
    writeFileSync(join(dir, 'clock'), `${Date.now()} ${uptime}\n`);
    writeFileSync(join(dir, 'join'), files.join.map((f) => `${f}\n`).join(''));
    if (files.pid1Join) writeFileSync(join(dir, 'pid1.join'), files.pid1Join.map((f) => `${f}\n`).join(''));
    if (files.homeProcs.length) writeFileSync(join(dir, 'home.procs'), files.homeProcs.map((f) => `${f}\n`).join(''));
    if (files.stdin !== undefined) writeFileSync(join(dir, 'stdin'), files.stdin);
    const rec = { ...meta, dir };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(rec));
    return rec;
  }

  link(pid: number, rec: ProcRecord): void {
    const p = join(this.procsDir, `pid-${pid}`);
    rmSync(p, { force: true });
    symlinkSync(rec.dir, p);
  }

  byPid(pid: number): ProcRecord | null {
    try {
      const dir = readlinkSync(join(this.procsDir, `pid-${pid}`));
      // a record's meta.json never changes once written: read it once per process
      let rec = records.get(dir);
      if (!rec) {
        rec = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as ProcRecord;
        records.set(dir, rec);
      }
      return rec;
    } catch {
      return null;
    }
  }

  /** the shim's facts so far: PID 1's host pid, why start failed, the exit status and when (each a whole line) */
  facts(rec: ProcRecord): { pid?: number; failed?: string; exit?: { code: number; at: number }; child?: number } {
    const read = (f: string) => {
      try {
        const text = readFileSync(join(rec.dir, f), 'utf8');
        return text.endsWith('\n') ? text : null;
      } catch {
        return null;
      }
    };
    const out: ReturnType<ProcTable['facts']> = {};
    const pid = read('pid');
    if (pid && Number(pid)) out.pid = Number(pid);
    const failed = read('failed');
    if (failed !== null) out.failed = failed.trim();
    const child = read('child');
    if (child) out.child = Number(child);
    const exit = read('exit');
    if (exit !== null) out.exit = { code: Number(exit.trim()), at: statSync(join(rec.dir, 'exit')).mtimeMs };
    return out;
  }

  /** has the shim written the exit status? */
  exited(rec: ProcRecord): boolean {
    return existsSync(join(rec.dir, 'exit'));
  }

  errors(rec: ProcRecord): string {
    return ['init.err', 'runner.err', 'shim.err'].map((f) => {
      try {
        return readFileSync(join(rec.dir, f), 'utf8').trim();
      } catch {
        return '';
      }
    }).filter(Boolean).join('\n');
  }

  remove(pid: number | null, rec: ProcRecord): void {
    records.delete(rec.dir);
    if (pid !== null) rmSync(join(this.procsDir, `pid-${pid}`), { force: true });
    rmSync(rec.dir, { recursive: true, force: true });
  }

  exists(): boolean {
    return existsSync(this.procsDir);
  }
}
