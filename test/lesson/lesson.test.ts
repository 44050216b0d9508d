import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainEvent } from '../../src/explain/events.js';
import { lessonFiles } from '../../src/lesson/catalog.js';
import { loadLesson, parseLesson, validateLessonFile } from '../../src/lesson/parse.js';
import { ProgressStore } from '../../src/lesson/progress.js';
import { lessonHost } from '../../src/cli/run-in-process.js';
import { createRunner } from '../../src/lesson/runner.js';
import type { Lesson } from '../../src/lesson/types.js';
import { splitWords } from '../../src/lesson/words.js';
import { lessonCli } from './harness.js';

let home: string;
const saved = process.env.BOXLAB_HOME;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'boxlab-lesson-'));
  process.env.BOXLAB_HOME = home;
});
/** lesson files written by tests, removed at the end */
const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};

afterAll(() => {
  if (saved === undefined) delete process.env.BOXLAB_HOME;
  else process.env.BOXLAB_HOME = saved;
  rmSync(home, { recursive: true, force: true });
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const FIXTURES = join(import.meta.dirname, 'fixtures', 'broken');

function lessonText(body: string, front = 'id: tiny\ntitle: Tiny\nsummary: A tiny lesson.\nminutes: 1\nmodes: [sim]\n'): string {
  return `---\n${front}---\n\nIntro text.\n\n${body}`;
}

describe('lesson parser', () => {
  it('reads front matter, intro, and a step with its title, prose, commands and checks', () => {
    const text = lessonText('## Run it\n\nSome prose.\n\n```step\nid: run-it\nrun:\n  - boxlab run -d --name web busybox sleep 600\nnotice: look\nhint: try -d\nchecks:\n  - container: web\n    status: running\n  - namespace: pid\n    container: web\n```\n');
    const { lesson, errors } = parseLesson(text, '/x/en/01-tiny.md');
    expect(errors).toEqual([]);
    expect(lesson).toMatchObject({ id: 'tiny', title: 'Tiny', minutes: 1, modes: ['sim'], requires: [], lang: 'en', intro: 'Intro text.' });
    expect(lesson!.steps[0]).toEqual({
      kind: 'run', id: 'run-it', title: 'Run it', text: 'Some prose.', line: 15, hint: 'try -d', notice: 'look',
      commands: ['boxlab run -d --name web busybox sleep 600'],
      checks: [
        { kind: 'container', name: 'web', status: 'running', exitCode: undefined, oomKilled: undefined, exists: undefined },
        { kind: 'namespace', container: 'web', type: 'pid', differsFromHost: true },
      ],
    });
  });

  it('reads a quiz with an explanation per choice and a task with its solution', () => {
    const text = lessonText('## Q\n\n```quiz\nid: q\nquestion: Which?\nhint: h\nchoices:\n  - text: a\n    correct: true\n    explain: yes\n  - text: b\n    explain: no\n```\n\n## T\n\n```task\nid: t\nprompt: do it\nhint: h\nsolution: boxlab ps\nchecks:\n  - exit: 0\n```\n');
    const { lesson, errors } = parseLesson(text, '/x/en/01-tiny.md');
    expect(errors).toEqual([]);
    expect(lesson!.steps[0]).toMatchObject({ kind: 'quiz', choices: [{ text: 'a', correct: true, explain: 'yes' }, { text: 'b', correct: false, explain: 'no' }] });
    expect(lesson!.steps[1]).toMatchObject({ kind: 'task', prompt: 'do it', solution: ['boxlab ps'], checks: [{ kind: 'exit', code: 0 }] });
  });

  it('ignores ## lines inside other fenced blocks', () => {
    const text = lessonText('## A\n\n```sh\n## not a heading\n```\n\n```step\nid: a\nrun: boxlab ps\nhint: h\nchecks:\n  - exit: 0\n```\n');
    expect(parseLesson(text, '/x/en/01-tiny.md').lesson!.steps[0].text).toContain('## not a heading');
  });

  it('refuses interactive flags, which a headless command cannot honour', () => {
    const text = lessonText('## A\n\n```step\nid: a\nrun: boxlab run -it busybox sh\nhint: h\nchecks:\n  - exit: 0\n```\n');
    expect(parseLesson(text, '/x/en/01-tiny.md').errors[0].message).toMatch(/-it` needs a terminal/);
  });

  it('splits command lines as a shell does for quoted words', () => {
    expect(splitWords(`boxlab exec web sh -c 'echo hi > /x' "a b"`)).toEqual(['boxlab', 'exec', 'web', 'sh', '-c', 'echo hi > /x', 'a b']);
  });
});

describe('lesson validator on the broken fixtures', () => {
  const expected: Record<string, [number, RegExp][]> = {
    '01-unknown-key.md': [[11, /missing `hint`/], [14, /unknown key `hnit`; did you mean `hint`/]],
    '02-missing-hint.md': [[11, /missing `hint`/]],
    '03-quiz-no-correct.md': [[15, /no choice is marked `correct: true`/]],
    '04-duplicate-ids.md': [[21, /duplicate step id `same` \(first used on line 11\)/]],
    '05-unknown-check.md': [[16, /unknown check kind `process`/]],
    '06-raw-command.md': [[15, /`ls \/` is not a boxlab command/]],
    '07-missing-front-matter.md': [[1, /missing `title`/], [1, /missing `minutes`/], [1, /missing `modes`/]],
    '08-task-no-solution.md': [[11, /missing `solution`/], [17, /`status` must be one of created, running, exited/]],
  };
  it('has a fixture for each expectation', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [file, want] of Object.entries(expected)) {
    it(`reports ${file} with FILE:LINE: messages`, () => {
      const path = join(FIXTURES, file);
      const { errors } = validateLessonFile(path);
      expect(errors.map((e) => e.line)).toEqual(want.map(([l]) => l));
      want.forEach(([, re], i) => {
        expect(errors[i].file).toBe(path);
        expect(errors[i].message).toMatch(re);
      });
    });
  }
  it('finds no error in the shipped English lessons', () => {
    const files = lessonFiles('en');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(validateLessonFile(f).errors).toEqual([]);
  });
});

function tinyLesson(steps: string): Lesson {
  const dir = tempDir('boxlab-tiny-');
  const file = join(dir, '01-tiny.md');
  writeFileSync(file, lessonText(steps));
  return loadLesson(file);
}

describe('checks on real lab states', () => {
  it('passes when the lab matches and fails, saying what it found, when it does not', async () => {
    const lesson = tinyLesson(
      '## A\n\n```step\nid: a\nrun:\n  - boxlab run -d --name web --pids-limit 7 busybox sleep 600\n  - boxlab exec web sh -c \'echo hi > /x.txt\'\nhint: h\nchecks:\n' +
        '  - container: web\n    status: running\n  - container: web\n    status: exited\n' +
        '  - file: /x.txt\n    container: web\n    inUpperLayer: true\n    contains: hi\n  - file: /x.txt\n    container: web\n    contains: bye\n' +
        '  - file: /bin/sh\n    container: web\n    inUpperLayer: true\n' +
        '  - cgroup: pids.max\n    container: web\n    equals: 7\n  - cgroup: pids.max\n    container: web\n    equals: 8\n' +
        '  - namespace: uts\n    container: web\n  - namespace: user\n    container: web\n' +
        '  - image: busybox\n    layers: 1\n  - image: nope\n  - volume: nope\n  - exit: 0\n```\n',
    );
    const runner = createRunner(lesson, { home: join(home, 'checks'), ...lessonHost });
    await runner.reset();
    const r = await runner.runStep(0);
    expect(r.commands.map((c) => c.exitCode)).toEqual([0, 0]);
    expect(r.checks.map((c) => c.ok)).toEqual([true, false, true, false, false, true, false, true, false, true, false, false, true]);
    expect(r.checks[1].message).toBe('web is running');
    expect(r.checks[6].message).toBe('pids.max of web is 7');
    expect(r.passed).toBe(false);
    await runner.reset();
    const after = await runner.checkStep(0);
    expect(after[0]).toMatchObject({ ok: false, message: 'there is no container web' });
  });

  it('collects the kernel events of each command and explains them in words', async () => {
    const lesson = tinyLesson('## A\n\n```step\nid: a\nrun: boxlab run --rm --pids-limit 5 busybox sh -c \'spawn 10\'\nhint: h\nchecks:\n  - exit: 1\n```\n');
    const runner = createRunner(lesson, { home: join(home, 'events'), ...lessonHost });
    const seen: string[] = [];
    const r = await runner.runStep(0, (e) => seen.push(e.kind));
    expect(r.passed).toBe(true);
    const failed = r.commands[0].events.find((e) => e.kind === 'process.fork-failed');
    expect(failed).toBeDefined();
    expect(explainEvent(failed!).text).toMatch(/fork was refused: .* of 5 processes/);
    expect(seen).toContain('process.fork-failed');
  });

  it('answers a quiz with the choice explanation', () => {
    const lesson = tinyLesson('## Q\n\n```quiz\nid: q\nquestion: Which?\nhint: h\nchoices:\n  - text: a\n    explain: nope\n  - text: b\n    correct: true\n    explain: right\n```\n');
    const runner = createRunner(lesson, { home: join(home, 'quiz'), ...lessonHost });
    expect(runner.answer(0, 0)).toEqual({ correct: false, explain: 'nope' });
    expect(runner.answer(0, 1)).toEqual({ correct: true, explain: 'right' });
  });
});

describe('every English lesson, headless in sim', () => {
  for (const file of lessonFiles('en')) {
    it(`runs ${file.split('/').pop()} end to end with every check passing`, async () => {
      const lesson = loadLesson(file);
      const runner = createRunner(lesson, { home: join(home, 'e2e', lesson.id), ...lessonHost });
      await runner.reset();
      for (let i = 0; i < lesson.steps.length; i++) {
        const r = await runner.runStep(i);
        const failed = r.checks.filter((c) => !c.ok).map((c) => c.message);
        expect({ step: lesson.steps[i].id, failed }).toEqual({ step: lesson.steps[i].id, failed: [] });
      }
      await runner.reset();
    });
  }
});

describe('boxlab lesson and progress commands', () => {
  it('lesson run --json prints JSON lines: lesson, steps, commands with events, checks, done', async () => {
    const r = await lessonCli(['lesson', 'run', 'first-container', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'lesson', id: 'first-container', mode: 'sim' });
    const types = new Set(lines.map((l) => l.type));
    expect([...types].sort()).toEqual(['check', 'command', 'done', 'lesson', 'quiz', 'step', 'step-result']);
    const cmd = lines.find((l) => l.type === 'command');
    expect(cmd).toMatchObject({ step: 'run-detached', command: 'boxlab run -d --name web busybox sleep 600', exitCode: 0 });
    expect(cmd.events[0]).toEqual({ kind: expect.any(String), text: expect.any(String), command: expect.any(String), level: expect.stringMatching(/engine|kernel/) });
    expect(lines.at(-1)).toEqual({ type: 'done', id: 'first-container', passed: true, failed: [] });
    const p = new ProgressStore().get('first-container');
    expect(p.completed).toContain('stop-remove');
  });

  it('lesson run exits non-zero and names the step when a check fails', async () => {
    const dir = tempDir('boxlab-fail-');
    const file = join(dir, '01-tiny.md');
    writeFileSync(file, lessonText('## A\n\n```step\nid: a\nrun: boxlab ps\nhint: look at ps\nchecks:\n  - container: ghost\n```\n'));
    const r = await lessonCli(['lesson', 'run', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL there is no container ghost');
    expect(r.stdout).toContain('Hint: look at ps');
    expect(r.stdout).toContain('Failed steps: a.');
  });

  it('lesson validate prints FILE:LINE: message and exits 1', async () => {
    const f = join(FIXTURES, '02-missing-hint.md');
    const r = await lessonCli(['lesson', 'validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${f}:11: \`step\` block: missing \`hint\` (a hint says what to try, without giving the answer away)\n`);
  });

  it('lesson list shows each lesson with its progress', async () => {
    const r = await lessonCli(['lesson', 'list', '--json']);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.id)).toEqual(['first-container', 'namespaces-and-limits', 'layers', 'containers-and-vms']);
  });

  it('progress export then import on another machine gives back the same progress', async () => {
    const a = new ProgressStore(join(home, 'a', 'progress.json'));
    a.complete('layers', 'start');
    a.answer('layers', 'where-deleted', 1, true);
    a.setPosition('layers', 3);
    const file = join(home, 'moved.json');
    a.exportTo(file);
    const b = new ProgressStore(join(home, 'b', 'progress.json'));
    b.complete('layers', 'write');
    expect(b.importFrom(file)).toEqual(['layers']);
    const got = b.get('layers');
    expect(got.completed.sort()).toEqual(['start', 'write']);
    expect(got.answers).toEqual({ 'where-deleted': { choice: 1, correct: true } });
  });

  it('progress import refuses a file that is not a progress export', async () => {
    const bad = join(home, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await lessonCli(['progress', 'import', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a boxlab progress file/);
  });

  it('lesson reset --yes clears the progress of one lesson', async () => {
    new ProgressStore().complete('layers', 'start');
    const r = await lessonCli(['lesson', 'reset', 'layers', '--yes']);
    expect(r.code).toBe(0);
    expect(new ProgressStore().get('layers').completed).toEqual([]);
  });
});
