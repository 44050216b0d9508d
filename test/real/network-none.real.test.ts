// `run --network none` on the real kernel: a network namespace of the container's own with lo up
// and nothing else (no veth, no netns in /run/netns), and nothing of boxlab left afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, realBoxlab, residue, residueBut, sh } from './helpers.js';

const NETNS = `boxlab-nonetest-${process.pid}`;
let home: string;

const boxlab = realBoxlab(() => home, NETNS);

const ours = () => residueBut(NETNS);

describe.skipIf(!isRoot)('boxlab --real run --network none', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-nonetest-'));
    sh(`ip netns add ${NETNS}`);
  });

  afterAll(() => {
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(residue()).toBe('');
  });

  it('has only lo, up, in a network namespace of its own', () => {
    const before = sh('ip netns list');
    const r = boxlab('run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -o link; readlink /proc/self/ns/net');
    expect(r.code, r.stderr).toBe(0);
    const [links, ns] = [r.stdout.split('\n').filter((l) => /^\d+:/.test(l)), r.stdout.trim().split('\n').pop()];
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <[^>]*\bUP\b/);
    expect(ns).toMatch(/^net:\[\d+\]$/);
    expect(ns).not.toBe(sh('readlink /proc/self/ns/net').trim());
    expect(sh('ip netns list')).toBe(before);
    expect(ours()).toBe('');
  });

  it('keeps running detached and goes with rm -f, leaving nothing', () => {
    expect(boxlab('run', '-d', '--name', 'alone', '--network', 'none', 'busybox', 'sleep', '600').code).toBe(0);
    expect(boxlab('inspect', '-f', '{{.HostConfig.NetworkMode}}', 'alone').stdout).toBe('none\n');
    expect(boxlab('rm', '-f', 'alone').code).toBe(0);
    expect(ours()).toBe('');
  });
});
