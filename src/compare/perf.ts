// A CPU-bound workload, the same busybox code everywhere: hash MB megabytes of zeros
// (`dd if=/dev/zero | sha256sum`). Timed by the kernel the workload runs on (/proc/uptime before
// and after, 10 ms steps), the same way on the host, in a container and in the VM.
import type { Engine } from '../engine/engine.js';
import { engineRun } from './container.js';
import { hostBusybox } from '../kernel/real/base.js';
import { runTimed } from './proc.js';

export function workload(mb: number | string, bin = ''): string {
  const b = bin ? `${bin} ` : '';
  return `a=$(${b}cat /proc/uptime); ${b}dd if=/dev/zero bs=1048576 count=${mb} 2>/dev/null | ${b}sha256sum >/dev/null; b=$(${b}cat /proc/uptime); echo "PERF $a $b"`;
}

/** "PERF 12.34 56.78 12.99 56.90" → ms between the two uptimes */
export function parsePerf(out: string): number | null {
  const m = /PERF ([\d.]+) [\d.]+ ([\d.]+)/.exec(out);
  return m ? (Number(m[2]) - Number(m[1])) * 1000 : null;
}

export async function hostPerf(mb: number, n: number): Promise<number[]> {
  const bb = hostBusybox();
  if (!bb) throw new Error('no busybox for the workload');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await runTimed([bb, 'sh', '-c', workload(mb, bb)], 120_000);
    const ms = parsePerf(r.stdout);
    if (ms === null) throw new Error(`the host workload printed no timing (exit ${r.code})`);
    out.push(ms);
  }
  return out;
}

export async function containerPerf(engine: Engine, mb: number, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await engineRun(engine, ['sh', '-c', workload(mb)], `perf-${i}`);
    const ms = parsePerf(r.out);
    if (ms === null) throw new Error(`the container workload printed no timing (exit ${r.exitCode})`);
    out.push(ms);
  }
  return out;
}
