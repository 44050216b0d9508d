// Every lesson that runs in real mode, start to end with `boxlab --real lesson run ID --json`, as
// root: every check passes on the real kernel, the events show what the real kernel did (real
// namespace ids, a real overlay mount, real cgroup files), and nothing of boxlab is left after.
// The lab's bridge goes into a network namespace of the test's own (BOXLAB_HOST_NETNS).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessonFiles } from '../../src/lesson/catalog.js';
import { loadLesson } from '../../src/lesson/parse.js';
import { isRoot, realBoxlab, residue, residueBut, sh } from './helpers.js';

const NETNS = `boxlab-lessons-${process.pid}`;
const hasQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
let home = '';

interface Line {
  type: string;
  [k: string]: unknown;
}

const boxlab = realBoxlab(() => home, NETNS, 600_000);

const ours = () => residueBut(NETNS);

const lessons = lessonFiles('en').map((f) => loadLesson(f)).filter((l) => l.modes.includes('real'));

describe.skipIf(!isRoot)('every lesson, headless with --real', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-lessons-real-'));
    sh(`ip netns add ${NETNS}`);
  });

  afterAll(() => {
    const r = boxlab('cleanup');
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(residue()).toBe('');
  });

  it('has lessons that run in real mode', () => {
    expect(lessons.map((l) => l.id)).toEqual(expect.arrayContaining(['first-container', 'namespaces-and-limits', 'layers']));
  });

  for (const lesson of lessons) {
    it(`runs ${lesson.id} with every check passing on the real kernel`, () => {
      const r = boxlab('lesson', 'run', lesson.id, '--json');
      const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
      const failed = lines.filter((l) => l.type === 'check' && !l.ok).map((l) => `${String(l.step)}: ${String(l.message)}`);
      expect(failed).toEqual([]);
      expect(lines.at(-1), r.stderr).toEqual({ type: 'done', id: lesson.id, passed: true, failed: [] });
      expect(r.code).toBe(0);
      expect(lines[0]).toMatchObject({ type: 'lesson', id: lesson.id, mode: 'real' });
      // what the kernel did is shown as the commands that ran: real tools, not the simulation
      const commands = lines.filter((l) => l.type === 'command').flatMap((l) => (l.events as { command?: string }[]).map((e) => e.command ?? ''));
      expect(commands.some((c) => /\bunshare --pid --fork\b/.test(c))).toBe(true);
      // the lesson's last step removed its containers: nothing of them stays in the kernel
      expect(ours()).toBe('');
    });
  }

  it('shows the ids of real namespaces: new ones for pid, mnt and uts, and the user namespace of the host', () => {
    const r = boxlab('lesson', 'run', 'namespaces-and-limits', '--json');
    expect(r.code, r.stderr).toBe(0);
    const ls = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line).find((l) => l.type === 'command' && /ls -l \/proc\/1\/ns/.test(String(l.command)));
    const id = (type: string) => new RegExp(`${type} -> ${type}:\\[(\\d+)\\]`).exec(String(ls?.stdout))?.[1];
    const host = (type: string) => /\[(\d+)\]/.exec(readlinkSync(`/proc/self/ns/${type}`))![1];
    for (const type of ['pid', 'mnt', 'uts']) {
      expect(id(type), `${type} in ${String(ls?.stdout)}`).toMatch(/^\d+$/);
      expect(id(type)).not.toBe(host(type));
    }
    // no user namespace in the lab's containers: the link names this machine's own, which only the real kernel knows
    expect(id('user')).toBe(host('user'));
    expect(ours()).toBe('');
  });
});

if (isRoot && !hasQemu) console.log('lesson containers-and-vms runs its compare step without qemu: the VM column is cited');
