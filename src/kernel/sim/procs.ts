// Processes (man 7 pid_namespaces, man 7 signal): every process has a PID in each PID namespace
// it is visible in — a container's first process is PID 1 inside and another number on the host.
// PID 1 of a namespace gets no default signal actions: a SIGTERM it has no handler for is dropped.
// When it exits, the kernel kills everything else in its namespace.
import { parseSignal, type ProcInfo, type ProcStatus } from '../kernel.js';
import type { SimProc, SimState } from './state.js';

export const PROC_BASE_MEMORY = 512 * 1024;

export { parseSignal };

export function isAlive(proc: SimProc | undefined): proc is SimProc {
  return !!proc && proc.state !== 'X';
}

/** Is this process the init (PID 1) of a PID namespace other than the host's? */
export function isNsInit(st: SimState, proc: SimProc): boolean {
  return proc.ns.pid !== st.hostNs.pid && proc.nsPids[proc.ns.pid] === 1;
}

export function toStatus(proc: SimProc): ProcStatus {
  const state = proc.state === 'X' ? 'exited' : proc.state === 'T' ? 'stopped' : proc.wake !== undefined || proc.waitChild || proc.waitAll ? 'sleeping' : 'running';
  return {
    pid: proc.pid,
    state,
    exitCode: proc.exitCode,
    signal: proc.signal,
    oomKilled: proc.oomKilled,
    startedAt: proc.startedAt,
    finishedAt: proc.finishedAt,
    waitingInput: !!proc.prompt,
    cwd: proc.cwd,
  };
}

/** Processes visible from PID namespace `nsId`, with the PIDs that namespace gives them. */
export function visibleFrom(st: SimState, nsId: number): { proc: SimProc; pid: number; ppid: number }[] {
  const out: { proc: SimProc; pid: number; ppid: number }[] = [];
  for (const proc of Object.values(st.procs)) {
    if (!isAlive(proc)) continue;
    const pid = proc.nsPids[nsId];
    if (pid === undefined) continue;
    const parent = st.procs[proc.ppid];
    out.push({ proc, pid, ppid: parent?.nsPids[nsId] ?? 0 });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

export function toInfo(proc: SimProc, pid: number, ppid: number): ProcInfo {
  return {
    pid: proc.pid,
    nsPid: pid,
    ppid,
    user: proc.uid === 0 ? 'root' : String(proc.uid),
    argv: proc.argv,
    state: proc.state === 'T' ? 'stopped' : proc.wake !== undefined || proc.waitChild || proc.waitAll ? 'sleeping' : 'running',
    rssKb: Math.round(proc.memBytes / 1024),
    vszKb: Math.round(proc.memBytes / 1024) + 1024,
    startedAt: proc.startedAt,
    cpuMs: 0,
  };
}
