import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMarkdown } from '../../src/ui/markdown.js';
import { App } from '../../src/ui/app.js';
import { LessonScreen } from '../../src/ui/screens/Lesson.js';
import { FakeRunner, fakeLesson } from './fake-runner.js';
import { DOWN, ENTER, ESC, plain, press, SPACE, tick, waitForContent } from './harness.js';
import { WithUi } from './ui.js';

afterEach(() => cleanup());

const SIZE = { columns: 80, rows: 24 };
const FOOTER = 'Enter/Space run · n/p next/prev · h hint · r reset · c compare · ? help · q quit';

function lessonScreen(runner = new FakeRunner(), size = SIZE, extra: { quit?: () => void; back?: () => void } = {}) {
  const r = render(
    <WithUi>
      <LessonScreen runner={runner} mode="sim" size={size} onBack={extra.back ?? (() => {})} onQuit={extra.quit ?? (() => {})} onHelp={() => {}} />
    </WithUi>,
  );
  return { r, runner };
}

const rows = (f: string): string[] => f.split('\n');

// the screens as a student sees them once the Markdown renderer is in (it loads after the first frame)
beforeAll(() => loadMarkdown());

describe('Lesson screen', () => {
  it('fits 80x24 with the footer on the last row', async () => {
    const { r } = lessonScreen();
    const f = await waitForContent(r, 'Step 1');
    expect(rows(f).length).toBeLessThanOrEqual(23);
    expect(rows(f).at(-1)).toBe(FOOTER);
    expect(rows(f).every((l) => l.length <= 80)).toBe(true);
  });

  it('runs the step on Enter: command, output, explained event and diagram', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    const f = await press(r, ENTER, '✓ ps exited with 0');
    expect(runner.calls).toEqual(['runStep 0']);
    expect(f).toContain('$ boxlab run --name c1 base ps');
    expect(f).toContain('1     root  ps');
    expect(f).toContain('own PID namespace');
    expect(f).toContain('$ unshare --pid --fork sh');
    expect(f).toMatch(/pid\s+4026531836\s+4026532001\s+≠ differs/);
    expect(rows(f).at(-1)).toBe(FOOTER);
    expect(f).toContain('[✓]');
  });

  it('shows running… until the runner answers and runs on Space too', async () => {
    const runner = new FakeRunner();
    runner.hold = true;
    const { r } = lessonScreen(runner);
    await waitForContent(r, 'Step 1');
    await press(r, SPACE, 'running…');
    await press(r, ENTER, 'Still running');
    expect(runner.calls).toEqual(['runStep 0']);
    runner.release();
    await waitForContent(r, '1     root  ps');
  });

  it('keeps long output to the rows it has, so the footer stays', async () => {
    const runner = new FakeRunner();
    runner.output = Array.from({ length: 500 }, (_, i) => `out ${i + 1}`).join('\n');
    const { r } = lessonScreen(runner);
    await waitForContent(r, 'Step 1');
    const f = await press(r, ENTER, 'out 500');
    expect(f).toContain('earlier lines');
    expect(f).not.toContain('out 1\n');
    expect(rows(f).length).toBeLessThanOrEqual(23);
    expect(rows(f).at(-1)).toBe(FOOTER);
  });

  it('moves with n and p, and shows the hint on h', async () => {
    const { r } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, 'h', 'Hint: Look at the PID column.');
    await press(r, 'n', 'Step 2: Which PID?');
    await press(r, 'p', 'Step 1: A new PID namespace');
  });

  it('answers a quiz with a number then Enter, and explains the answer', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, 'n', '1. The same as on the host');
    await press(r, '2', '› 2. 1');
    const f = await press(r, ENTER, '✓ Correct. It is init of its namespace.');
    expect(runner.calls).toEqual(['answer 1 1']);
    expect(f).toContain('step 2/3 · 1 done');
  });

  it('selects a quiz answer with the arrow keys', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, 'n', '› 1. The same');
    await press(r, DOWN, '› 2. 1');
    await press(r, ENTER, 'Correct.');
    expect(runner.calls).toEqual(['answer 1 1']);
  });

  it('runs a typed command for a task and judges it by the checks', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, 'n', 'Step 2');
    await press(r, 'n', 'Step 3');
    await press(r, ENTER, 'command> █');
    for (const ch of 'hostname lab') {
      await tick();
      r.stdin.write(ch);
    }
    await waitForContent(r, 'command> hostname lab█');
    const f = await press(r, ENTER, '✓ hostname is lab');
    expect(runner.calls).toEqual(['runCommand hostname lab', 'checkStep 2']);
    expect(f).toContain('Set the hostname to lab');
  });

  it('refuses a full-screen program in a task and says why', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, 'n', 'Step 2');
    await press(r, 'n', 'Step 3');
    await press(r, ENTER, 'command>');
    for (const ch of 'vi x') {
      await tick();
      r.stdin.write(ch);
    }
    await waitForContent(r, 'command> vi x');
    await press(r, ENTER, 'vi is a full-screen program');
    expect(runner.calls).toEqual([]);
  });

  it('resets the lab on r, and c says the compare view is not there yet', async () => {
    const { r, runner } = lessonScreen();
    await waitForContent(r, 'Step 1');
    await press(r, ENTER, '1     root  ps');
    await press(r, 'r', 'Lab reset');
    expect(runner.calls).toEqual(['runStep 0', 'reset']);
    expect(plain(r.lastFrame())).toContain('Press Enter to run this step.');
    await press(r, 'c', 'container-vs-VM view is not available yet');
  });

  it('calls back on q and Esc', async () => {
    let quit = 0;
    let back = 0;
    const { r } = lessonScreen(new FakeRunner(), SIZE, { quit: () => quit++, back: () => back++ });
    await waitForContent(r, 'Step 1');
    await tick();
    r.stdin.write('q');
    await tick();
    r.stdin.write(ESC);
    await new Promise((res) => setTimeout(res, 50));
    expect(quit).toBe(1);
    expect(back).toBe(1);
  });

  it('puts the text beside the step on a wide terminal', async () => {
    const { r } = lessonScreen(new FakeRunner(), { columns: 140, rows: 30 });
    const f = await waitForContent(r, 'Step 1');
    const line = rows(f).find((l) => l.includes('Step output'));
    expect(line).toBeDefined();
    expect(line!.indexOf('Step output')).toBeGreaterThan(50);
    expect(rows(f).at(-1)).toContain('q quit');
  });
});

describe('App', () => {
  const app = (runners: () => Promise<FakeRunner[]> | FakeRunner[], lang: 'en' | 'zh' = 'en') =>
    render(<App runners={runners} mode="sim" doctorLine="sim ready · real: not root (run with sudo for --real)" lang={lang} size={SIZE} color={false} />);

  it('lists lessons with progress, the mode badge and the doctor line', async () => {
    const r = app(async () => [new FakeRunner(), new FakeRunner(fakeLesson('limits'))]);
    const f = await waitForContent(r, 'A container is a process');
    expect(rows(f)[0]).toMatch(/^boxlab\s+SIM/);
    expect(f).toContain('real: not root');
    expect(f).toContain('0/3 steps');
    expect(rows(f).at(-1)).toContain('q quit');
  });

  it('opens a lesson on Enter, counts progress, and goes back on Esc', async () => {
    const r = app(() => [new FakeRunner()]);
    await waitForContent(r, 'A container is a process');
    await press(r, ENTER, 'Step 1');
    await press(r, ENTER, '1     root  ps');
    const home = await press(r, ESC, 'Lessons');
    expect(home).toContain('1/3 steps');
  });

  it('shows help on ? and closes it again', async () => {
    const r = app(() => [new FakeRunner()]);
    await waitForContent(r, 'A container is a process');
    await press(r, '?', 'reset the lab');
    await press(r, '?', 'Lessons');
  });

  it('speaks Chinese from the zh catalogue', async () => {
    const r = app(() => [new FakeRunner()], 'zh');
    const f = await waitForContent(r, '课程');
    expect(f).toContain('模拟');
    expect(rows(f).at(-1)).toContain('q 退出');
  });

  it('says so when the lessons cannot be loaded', async () => {
    const r = app(async () => {
      throw new Error('lessons/ is missing');
    });
    await waitForContent(r, 'Could not load lessons: lessons/ is missing');
  });
});
