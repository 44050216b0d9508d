// Zero residue under SIGKILL: for each seed, a scenario through the CLI (run -d with limits and
// a volume, exec, stop, rm) is SIGKILLed at a point the seed picks (which command, and 0-400 ms
// into it); `boxlab cleanup` must then leave nothing of boxlab's in the mount table, the cgroup
// tree, the links (the machine's and the test namespace's), the network namespaces and the
// process table. A failure names its seed, to replay it alone: BOXLAB_SEED=17 npx vitest run ...
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labRoot } from '../../src/engine/lab.js';
import { isRoot, residue, sh } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
// not boxlab-*: cleanup removes those, and this one must still be there to be looked into
const NETNS = `boxlabres${process.pid}`;
const SEEDS = process.env.BOXLAB_SEED ? [Number(process.env.BOXLAB_SEED)] : Array.from({ length: 50 }, (_, i) => i + 1);

const STEPS: string[][] = [
  ['run', '-d', '--name', 'rs', '--memory', '32m', '--pids-limit', '64', '--cpus', '0.5', '-v', '/data', 'busybox',
    'sh', '-c', 'trap "exit 0" TERM; echo start >> /data/log; sleep 6061 & wait'],
  ['exec', 'rs', 'sh', '-c', 'echo exec >> /data/log; cat /data/log'],
  ['stop', '-t', '2', 'rs'],
  ['rm', '-v', 'rs'],
];

/** mulberry32: the seed's delay, the same on every run */
function delayOf(seed: number): number {
  let t = (seed * 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) % 401);
}

const env = (home: string) => ({ ...process.env, BOXLAB_HOME: home, BOXLAB_HOST_NETNS: NETNS, NO_COLOR: '1' });
function boxlab(home: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--real', ...args], { env: env(home), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** start a boxlab command and SIGKILL it after ms (if it is still running then) */
function killAfter(home: string, args: string[], ms: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, '--real', ...args], { env: env(home), stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.exitCode === null && child.signalCode === null;
      if (killed) child.kill('SIGKILL');
    }, ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ killed });
    });
  });
}

const list = (d: string) => (existsSync(d) ? readdirSync(d) : []);

describe.skipIf(!isRoot)('zero residue after a SIGKILL of boxlab, then boxlab cleanup', () => {
  let home = '';
  let killedMidway = 0;

  beforeAll(() => {
    expect(residue()).toBe('');
  });

  afterAll(() => {
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    console.log(`residue: ${killedMidway} of ${SEEDS.length} seeds killed boxlab while it was still running`);
    expect(residue()).toBe('');
  });

  for (const seed of SEEDS) {
    const step = seed % STEPS.length;
    const ms = delayOf(seed);
    it(`seed ${seed}: killed ${ms} ms into \`${STEPS[step].slice(0, 1).join(' ')}\``, async () => {
      const why = `seed ${seed} (SIGKILL ${ms} ms into step ${step}: boxlab ${STEPS[step].join(' ')})`;
      home = mkdtempSync(join(tmpdir(), 'boxlab-res-'));
      // the lab's files (writable layers, volumes) live in a directory of its own below /var/lib/boxlab
      const root = labRoot('real', join(home, 'real'));
      sh(`ip netns add ${NETNS} && ip -n ${NETNS} link set lo up`);
      try {
        for (const s of STEPS.slice(0, step)) {
          const r = boxlab(home, s);
          expect(r.code, `${why}: boxlab ${s.join(' ')}: ${r.stderr}`).toBe(0);
        }
        if ((await killAfter(home, STEPS[step], ms)).killed) killedMidway++;
        // the lab's home goes too, so cleanup also removes the lab's files, now nobody's
        rmSync(home, { recursive: true, force: true });
        const c = boxlab(home, ['cleanup']);
        expect(c.code, `${why}: boxlab cleanup: ${c.stderr}`).toBe(0);
        expect(existsSync(root), `${why}: ${root} is still there`).toBe(false);
        expect(sh(`ip -n ${NETNS} -o link | grep boxlab || true`).trim(), `${why}: links in ${NETNS}`).toBe('');
        sh(`ip netns delete ${NETNS}`);
        expect(residue(), why).toBe('');
        expect(sh('ps -eo args | grep "^sleep 6061" || true').trim(), `${why}: container processes`).toBe('');
      } finally {
        sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
