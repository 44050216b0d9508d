// `boxlab compare --json --quick` in sim mode: every row, each figure with its method and sample
// count, cited ones with a source and "not measured here".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/compare/types.js';

const RUNNER = join(import.meta.dirname, 'boxlab-compare.mjs');
const home = mkdtempSync(join(tmpdir(), 'boxlab-cmp-sim-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

export function boxlabCompare(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 60_000) {
  const r = spawnSync(process.execPath, [RUNNER, 'compare', ...args], { env: { ...process.env, BOXLAB_HOME: home, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('boxlab compare in sim mode', () => {
  it('returns every row with methods, sample counts and cited sources', () => {
    const r = boxlabCompare(['--json', '--quick']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cmp = JSON.parse(r.stdout) as Comparison;
    expect(cmp.mode).toBe('sim');
    expect(cmp.quick).toBe(true);
    expect(cmp.rows.map((x) => x.id)).toEqual(['start', 'disk', 'memory', 'performance', 'density', 'isolation']);
    for (const row of cmp.rows) {
      expect(row.claim.length).toBeGreaterThan(10);
      expect(row.meaning).toMatch(/Too simple/);
      for (const c of [row.container, row.vm, ...row.more]) {
        expect(c.method.length).toBeGreaterThan(0);
        expect(typeof c.samples).toBe('number');
        expect(c.measured).toBe(false);
        if (c.source) expect(c.text).toContain('not measured here');
      }
    }
    const urls = cmp.rows.flatMap((x) => [x.container, x.vm, ...x.more]).map((c) => c.source?.url).filter(Boolean);
    expect(urls).toContain('https://github.com/firecracker-microvm/firecracker/blob/main/SPECIFICATION.md');
    expect(urls).toContain('https://github.com/youki-dev/youki#readme');
    const start = cmp.rows.find((x) => x.id === 'start')!;
    expect(start.vm.value).toBe(125);
    expect(start.more.map((m) => m.text)).toEqual(expect.arrayContaining(['≈ 225 ms (not measured here)', '≈ 112 ms (not measured here)']));
    expect(start.container.text).toMatch(/47 ms/);
    const mem = cmp.rows.find((x) => x.id === 'memory')!;
    expect(mem.more.some((m) => m.text.startsWith('≤ 5 MiB'))).toBe(true);
    const iso = cmp.rows.find((x) => x.id === 'isolation')!;
    expect(iso.container.text).toMatch(/same kernel: uname -r = 6\.1\.0-boxlab-sim/);
    expect(cmp.notes.join('\n')).toMatch(/sim mode/);
    expect(cmp.pids).toEqual([]);
  });

  it('prints the table with bars and sentences', () => {
    const r = boxlabCompare(['--quick']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('START  “Containers start in seconds, VMs in minutes”');
    expect(r.stdout).toContain('ISOLATION');
    expect(r.stdout).toMatch(/█/);
    expect(r.stdout).toContain('log scale');
    expect(r.stdout).toContain('not measured here');
  });
});
