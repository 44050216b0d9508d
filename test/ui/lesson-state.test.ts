import { describe, expect, it } from 'vitest';
import { initialLessonState, lessonReducer, type LessonAction, type LessonUiState } from '../../src/ui/lesson-state.js';
import { fullScreenProgram } from '../../src/ui/use-lesson-runner.js';
import { lessonLayout } from '../../src/ui/layout.js';
import { mergeLayers, parseLimit, viewFromEvents } from '../../src/ui/diagrams.js';
import { fakeLesson, NS_EVENT } from './fake-runner.js';

const lesson = fakeLesson();
const reduce = lessonReducer(lesson);
const run = (actions: LessonAction[], from: LessonUiState = initialLessonState(lesson)): LessonUiState => actions.reduce(reduce, from);

describe('lesson reducer', () => {
  it('resumes at a saved position with completed steps marked passed', () => {
    const s = initialLessonState(lesson, { position: 2, completed: ['pid-ns'] });
    expect(s.index).toBe(2);
    expect(s.steps.map((x) => x.status)).toEqual(['passed', 'idle', 'idle']);
  });

  it('moves next and previous and stops at either end with a notice', () => {
    expect(run([{ type: 'next' }]).index).toBe(1);
    expect(run([{ type: 'prev' }]).notice).toEqual({ kind: 'firstStep' });
    const end = run([{ type: 'next' }, { type: 'next' }, { type: 'next' }]);
    expect(end.index).toBe(2);
    expect(end.notice).toEqual({ kind: 'lastStep' });
  });

  it('shows the commands while a step runs, streams events, then takes the result', () => {
    const running = run([{ type: 'run.start', index: 0, commands: ['boxlab run base ps'] }, { type: 'run.event', index: 0, event: NS_EVENT }]);
    expect(running.busy).toBe(true);
    expect(running.steps[0].status).toBe('running');
    expect(running.steps[0].blocks).toEqual([{ command: 'boxlab run base ps', stdout: [] }]);
    expect(running.steps[0].events).toHaveLength(1);
    const done = reduce(running, {
      type: 'run.done',
      index: 0,
      result: { stepId: 'pid-ns', passed: false, checks: [], commands: [{ command: 'boxlab run base ps', stdout: 'a\nb\n', stderr: '', exitCode: 3, events: [NS_EVENT, NS_EVENT] }] },
    });
    expect(done.busy).toBe(false);
    expect(done.steps[0].status).toBe('failed');
    expect(done.steps[0].blocks[0]).toMatchObject({ stdout: ['a', 'b'], exitCode: 3 });
    expect(done.steps[0].events).toHaveLength(1); // the streamed ones, not duplicated
  });

  it('takes the result events when none were streamed', () => {
    const s = run([
      { type: 'run.start', index: 0, commands: ['x'] },
      { type: 'run.done', index: 0, result: { stepId: 'pid-ns', passed: true, checks: [], commands: [{ command: 'x', stdout: '', stderr: '', exitCode: 0, events: [NS_EVENT] }] } },
    ]);
    expect(s.steps[0].events).toEqual([NS_EVENT]);
    expect(s.steps[0].status).toBe('passed');
  });

  it('records a failure to run as an error with a notice', () => {
    const s = run([{ type: 'run.start', index: 0, commands: ['x'] }, { type: 'run.error', index: 0, message: 'no image' }]);
    expect(s.steps[0].status).toBe('error');
    expect(s.notice).toEqual({ kind: 'runFailed', message: 'no image' });
    expect(s.busy).toBe(false);
  });

  it('cycles the hint: run steps show a hint, tasks also a solution', () => {
    expect(run([{ type: 'hint' }]).steps[0].hint).toBe(1);
    expect(run([{ type: 'hint' }, { type: 'hint' }]).steps[0].hint).toBe(0);
    const task = run([{ type: 'goto', index: 2 }, { type: 'hint' }, { type: 'hint' }]);
    expect(task.steps[2].hint).toBe(2);
  });

  it('selects quiz choices by number and by arrows, wrapping around', () => {
    const q = run([{ type: 'next' }, { type: 'quiz.select', choice: 1 }]);
    expect(q.steps[1].quiz.selected).toBe(1);
    expect(reduce(q, { type: 'quiz.move', delta: 1 }).steps[1].quiz.selected).toBe(0);
    expect(reduce(q, { type: 'quiz.select', choice: 5 }).steps[1].quiz.selected).toBe(1);
  });

  it('marks a quiz passed only when the answer is correct', () => {
    const s = run([{ type: 'next' }, { type: 'quiz.answered', index: 1, choice: 0, correct: false, explain: 'no' }]);
    expect(s.steps[1].status).toBe('failed');
    expect(s.steps[1].quiz.answer).toEqual({ choice: 0, correct: false, explain: 'no' });
  });

  it('opens the input line only on a task and edits it', () => {
    expect(run([{ type: 'type.start' }]).typing).toBeNull();
    const s = run([{ type: 'goto', index: 2 }, { type: 'type.start' }, { type: 'type.input', text: 'hostnamX' }, { type: 'type.backspace' }, { type: 'type.input', text: 'e' }]);
    expect(s.typing).toBe('hostname');
    expect(reduce(s, { type: 'type.cancel' }).typing).toBeNull();
  });

  it('judges a task command by its checks', () => {
    const s = run([
      { type: 'goto', index: 2 },
      { type: 'command.start', index: 2, command: 'hostname lab' },
      { type: 'command.done', index: 2, result: { command: 'hostname lab', stdout: '', stderr: '', exitCode: 0, events: [] }, checks: [{ check: { kind: 'exit', code: 0 }, ok: true, message: 'ok' }], streamed: 0 },
    ]);
    expect(s.steps[2].status).toBe('passed');
    expect(s.steps[2].blocks).toHaveLength(1);
  });

  it('clears every step on reset and says so', () => {
    const s = run([{ type: 'run.start', index: 0, commands: ['x'] }, { type: 'run.error', index: 0, message: 'm' }, { type: 'reset.start' }]);
    expect(s.notice).toEqual({ kind: 'resetting' });
    const done = reduce(s, { type: 'reset.done' });
    expect(done.steps.every((x) => x.status === 'idle' && x.blocks.length === 0)).toBe(true);
    expect(done.notice).toEqual({ kind: 'resetDone' });
  });

  it('never scrolls above the top and resets scroll on a new step', () => {
    expect(run([{ type: 'scroll', delta: -3 }]).scroll).toBe(0);
    expect(run([{ type: 'scroll', delta: 4 }, { type: 'next' }]).scroll).toBe(0);
  });
});

describe('helpers', () => {
  it('refuses full-screen programs by name', () => {
    expect(fullScreenProgram('vim /etc/hosts')).toBe('vim');
    expect(fullScreenProgram('/usr/bin/less x')).toBe('less');
    expect(fullScreenProgram('cat /etc/hosts')).toBeNull();
  });

  it('keeps the frame one row shorter than the terminal and goes side by side from 120 columns', () => {
    const narrow = lessonLayout(80, 24, { footerRows: 1, diagrams: true });
    expect(narrow.wide).toBe(false);
    expect(narrow.height).toBe(23);
    expect(3 + 1 + 2 + narrow.textHeight + narrow.outputHeight + narrow.changedHeight + narrow.diagramHeight).toBe(23);
    const wide = lessonLayout(160, 40, { footerRows: 1, diagrams: false });
    expect(wide.wide).toBe(true);
    expect(wide.textWidth + wide.sideWidth + 1).toBe(160);
  });

  it('derives the namespace table, cgroup gauge and layers from events', () => {
    const v = viewFromEvents([
      NS_EVENT,
      { kind: 'cgroup.write', path: 'boxlab/c1', file: 'memory.max', value: '100M', command: '', at: 0 },
      { kind: 'process.oom-kill', pid: 5, nsPid: 1, cgroup: 'boxlab/c1', usage: 104857600, limit: 104857600, command: '', at: 0 },
      { kind: 'mount', fstype: 'overlay', source: 'overlay', target: '/m', options: ['lowerdir=/l/top:/l/base', 'upperdir=/c/upper', 'workdir=/c/work'], command: '', at: 0 },
    ]);
    expect(v.namespaces).toEqual({ host: { pid: 4026531836 }, container: { pid: 4026532001 } });
    expect(v.cgroup).toMatchObject({ oomKills: 1, memory: { limit: 104857600 } });
    expect(v.layers?.layers.map((l) => l.name)).toEqual(['base', 'top']);
    expect(parseLimit('max')).toBeNull();
  });

  it('lets a whiteout in a higher image layer hide a lower file', () => {
    const m = mergeLayers({ layers: [{ name: 'a', files: ['x', 'd/y'] }, { name: 'b', files: [], whiteouts: ['d'] }], upper: { files: [], whiteouts: [] } });
    expect(m.map((e) => e.path)).toEqual(['x']);
  });
});
