// Processes as /proc shows them: state, the PID in each PID namespace (NSpid), parent, memory,
// CPU time, argv (man 5 proc). Reading another process's entry is how the real kernel observes.
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcInfo, ProcState } from '../kernel.js';
import { nsId } from './namespaces.js';

/** the host pids, other than this process's own, whose argv (from /proc/PID/cmdline) matches */
export function pidsByArgv(match: (argv: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (match(readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0'))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const STATES: Record<string, ProcState> = { R: 'running', S: 'sleeping', D: 'sleeping', I: 'sleeping', T: 'stopped', t: 'stopped', Z: 'zombie', X: 'exited' };

export function readStatus(pid: number): Record<string, string> | null {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  } catch {
    return null;
  }
}

export function procState(pid: number): ProcState | null {
  // the state letter follows the (comm) in /proc/PID/stat: one short read, as ps does
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return STATES[stat[stat.lastIndexOf(')') + 2] ?? 'X'] ?? 'running';
}

/** host pid → the pid inside the process's innermost PID namespace (last NSpid field) */
export function nsPidOf(pid: number): number {
  const f = readStatus(pid)?.NSpid?.split(/\s+/);
  return f ? Number(f[f.length - 1]) : pid;
}

/** the children of pid, from /proc/PID/task/TID/children */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

let btime: number | undefined;
function bootTimeMs(): number {
  btime ??= Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0) * 1000;
  return btime;
}
const HZ = 100;

/** The fields of /proc/PID/stat after the (comm): state ppid ... utime stime ... starttime */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export function startedAtMs(pid: number): number | null {
  const f = statFields(pid);
  return f ? bootTimeMs() + (Number(f[19]) * 1000) / HZ : null;
}

function userName(uid: number): string {
  if (uid === 0) return 'root';
  return String(uid);
}

/** Every process in the PID namespace of `pid`, with the numbers that namespace uses. */
export function processesInNs(pid: number): ProcInfo[] {
  const ns = nsId(pid, 'pid');
  if (!ns) return [];
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const members = all.filter((p) => nsId(p, 'pid') === ns);
  const inNs = new Map(members.map((p) => [p, nsPidOf(p)]));
  const out: ProcInfo[] = [];
  for (const p of members) {
    const st = readStatus(p);
    const f = statFields(p);
    if (!st || !f) continue;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter((a, i, arr) => a || i < arr.length - 1);
    } catch {
      /* gone */
    }
    out.push({
      pid: p,
      nsPid: inNs.get(p)!,
      ppid: inNs.get(Number(f[1])) ?? 0,
      user: userName(Number(st.Uid?.split(/\s+/)[0] ?? 0)),
      argv: argv.length ? argv : [`[${st.Name}]`],
      state: STATES[f[0]] ?? 'running',
      rssKb: parseInt(st.VmRSS ?? '0', 10) || 0,
      vszKb: parseInt(st.VmSize ?? '0', 10) || 0,
      startedAt: startedAtMs(p) ?? 0,
      cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / HZ,
    });
  }
  return out.sort((a, b) => a.nsPid - b.nsPid);
}

/** Does pid catch signal number n (SigCgt bit mask in /proc/PID/status)? */
export function catches(pid: number, n: number): boolean {
  const mask = readStatus(pid)?.SigCgt;
  if (!mask) return false;
  return ((BigInt(`0x${mask}`) >> BigInt(n - 1)) & 1n) === 1n;
}
