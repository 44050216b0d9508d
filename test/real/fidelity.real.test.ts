// Fidelity: each scenario of fidelity-scenarios.ts runs on the simulated kernel and on the real
// one (the CLI in this process, a lab home each, the real lab's bridge in a throwaway network
// namespace), and every command must show the same thing on both: exit code, stdout and stderr
// once ids, PIDs and addresses are masked, the kinds of kernel events, the engine's steps. Where
// they differ the simulator is wrong, unless the difference is in ALLOWED below, each with why.
// At the end nothing of boxlab is left in the kernel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, type InProcessResult } from '../../src/cli/run-in-process.js';
import { SCENARIOS, placeholders, shownOf, type Shown, type Step } from './fidelity-scenarios.js';
import { isRoot, residue, sh, skipReason } from './helpers.js';

if (!isRoot) console.log(`skipping the sim-vs-real fidelity test: ${skipReason}`);

type Side = 'sim' | 'real';

/**
 * Differences that are not the simulator's to fix. `at` picks commands by "scenario :: args";
 * `lines` lets lines matching `match` appear on `side` only; `only` lets those event kinds or
 * engine steps appear on `side` only.
 */
interface Allowance {
  at: RegExp;
  lines?: { stream: 'stdout' | 'stderr'; side: Side; match: RegExp };
  only?: { side: Side; kernel?: string[]; steps?: string[] };
  reason: string;
}

const ALLOWED: Allowance[] = [
  {
    at: /separate mount tables.*mountinfo/,
    lines: { stream: 'stdout', side: 'real', match: /^\/dev\/\.boxlab ext4 / },
    reason: 'real mode binds its host tools (setpriv, busybox) at /dev/.boxlab for the switch of root and leaves them mounted',
  },
  {
    at: /separate mount tables.*mountinfo/,
    lines: { stream: 'stdout', side: 'sim', match: /^\/sys\/fs\/cgroup cgroup2 cgroup$/ },
    reason: "the sim mounts the container's cgroup at /sys/fs/cgroup (read-only, as Docker does); real mode does not mount it",
  },
  {
    at: /:: history /,
    lines: { stream: 'stdout', side: 'sim', match: /^\/bin\/sh -c #\(nop\) ADD file:\w+… [\d.]+[kM]?B$/ },
    reason: "the base image's layer: the sim's simbox files, the host's static busybox in real mode (the layers above it must match)",
  },
  {
    at: /:: history /,
    lines: { stream: 'stdout', side: 'real', match: /^\/bin\/sh -c #\(nop\) ADD file:\w+… [\d.]+[kM]?B$/ },
    reason: 'the same base layer row, on the real side',
  },
  {
    at: /pids limit/,
    only: { side: 'sim', kernel: ['process.fork-failed'] },
    reason: 'the real kernel does not watch each refused fork (pids.events), the sim reports each one',
  },
  {
    at: /exit codes pass through :: run --rm busybox nosuchcommand/,
    only: { side: 'sim', kernel: ['namespace.create', 'pivot-root', 'uts.hostname', 'process.spawn', 'process.exit'] },
    reason: 'real mode finds the command missing inside its init, before it reports the namespaces it made; the sim starts the shell that says "not found"',
  },
];

interface Mismatch {
  at: string;
  field: keyof Shown;
  sim: unknown;
  real: unknown;
}

const used = new Set<Allowance>();

/** Drop what an allowance lets one side show alone. */
function allow(at: string, s: Shown, side: Side): Shown {
  const out: Shown = { ...s, kernel: [...s.kernel], steps: [...s.steps], texts: [...s.texts] };
  for (const a of ALLOWED) {
    if (!a.at.test(at)) continue;
    if (a.lines && a.lines.side === side) {
      const keep = out[a.lines.stream].split('\n').filter((l) => !a.lines!.match.test(l));
      if (keep.length !== out[a.lines.stream].split('\n').length) used.add(a);
      out[a.lines.stream] = keep.join('\n');
    }
    if (a.only && a.only.side === side) {
      const k = out.kernel.filter((x) => !a.only!.kernel?.includes(x));
      const st = out.steps.filter((x) => !a.only!.steps?.includes(x));
      if (k.length !== out.kernel.length || st.length !== out.steps.length) used.add(a);
      out.kernel = k;
      out.steps = st;
    }
  }
  return out;
}

function compare(at: string, sim: Shown, real: Shown): Mismatch[] {
  const a = allow(at, sim, 'sim');
  const b = allow(at, real, 'real');
  const out: Mismatch[] = [];
  for (const f of ['exitCode', 'stdout', 'stderr', 'kernel', 'steps', 'texts'] as const) {
    if (JSON.stringify(a[f]) !== JSON.stringify(b[f])) out.push({ at, field: f, sim: a[f], real: b[f] });
  }
  return out;
}

const NETNS = `boxlab-fidelity-${process.pid}`;
const homes = { sim: '', real: '' };

async function exec(side: Side, args: string[]): Promise<InProcessResult> {
  return runInProcess(side === 'real' ? ['--real', ...args] : args, { home: homes[side] });
}

/** a step with its {ip:NAME} placeholders filled in from this side's lab */
async function resolved(side: Side, step: Step): Promise<string[]> {
  let args = step.args;
  for (const p of placeholders(args)) {
    const name = p.slice(4, -1);
    const ip = (await exec(side, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name])).stdout.trim();
    args = args.map((a) => a.split(p).join(ip));
  }
  return args;
}

describe.skipIf(!isRoot)('fidelity: the same commands on the simulated and the real kernel', () => {
  const saved = process.env.BOXLAB_HOST_NETNS;

  beforeAll(async () => {
    const before = residue();
    if (before) console.log(`boxlab objects in the kernel before this test (cleanup at the end removes them too):\n${before}`);
    homes.sim = mkdtempSync(join(tmpdir(), 'boxlab-fidelity-sim-'));
    homes.real = mkdtempSync(join(tmpdir(), 'boxlab-fidelity-real-'));
    sh(`ip netns add ${NETNS}`);
    process.env.BOXLAB_HOST_NETNS = NETNS;
    // the image first, so no scenario's output carries the pull (its source differs: catalog vs host busybox)
    for (const side of ['sim', 'real'] as const) expect((await exec(side, ['pull', 'busybox'])).exitCode).toBe(0);
  });

  afterAll(async () => {
    const r = await exec('real', ['cleanup']);
    if (saved === undefined) delete process.env.BOXLAB_HOST_NETNS;
    else process.env.BOXLAB_HOST_NETNS = saved;
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    for (const h of Object.values(homes)) if (h) rmSync(h, { recursive: true, force: true });
    const unused = ALLOWED.filter((a) => !used.has(a));
    if (unused.length) console.log(`allowances no command needed (remove them?):\n${unused.map((a) => `  ${a.at} — ${a.reason}`).join('\n')}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(residue()).toBe('');
  });

  it('has at least 20 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(20);
  });

  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const shown: Record<Side, Shown[]> = { sim: [], real: [] };
      for (const side of ['sim', 'real'] as const) {
        for (const step of sc.steps) shown[side].push(shownOf(await exec(side, await resolved(side, step)), step));
      }
      const mismatches = sc.steps.flatMap((step, i) => compare(`${sc.name} :: ${step.args.join(' ')}`, shown.sim[i], shown.real[i]));
      expect(mismatches).toEqual([]);
      // and what each showed is what Linux shows, where the scenario says
      for (const [i, step] of sc.steps.entries()) {
        if (!step.want) continue;
        for (const side of ['sim', 'real'] as const) {
          const got = shown[side][i];
          const at = `${side}: ${step.args.join(' ')}`;
          if (step.want.exitCode !== undefined) expect(got.exitCode, `${at}\n${got.stderr}`).toBe(step.want.exitCode);
          if (step.want.stdout) expect(got.stdout, at).toMatch(step.want.stdout);
          if (step.want.stderr) expect(got.stderr, at).toMatch(step.want.stderr);
        }
      }
    });
  }
});
