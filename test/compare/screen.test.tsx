// The Compare screen: "measuring…" while the runner works, then the same table the CLI prints;
// reachable with c from the home screen and from a lesson.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../src/compare/compare.js';
import type { Comparison } from '../../src/compare/types.js';
import { App } from '../../src/ui/app.js';
import { CompareScreen, type CompareRunner } from '../../src/ui/screens/Compare.js';
import { ESC, plain, tick, waitForContent } from '../ui/harness.js';

const SIZE = { columns: 100, rows: 30 };

describe('the Compare screen', () => {
  it('says measuring… with the stage, then shows the table', async () => {
    let finish: (c: Comparison) => void = () => undefined;
    let stage: ((l: string) => void) | undefined;
    const run: CompareRunner = (o) => {
      stage = o.progress;
      return new Promise((res) => (finish = res));
    };
    const r = render(<CompareScreen mode="real" size={SIZE} run={run} onBack={() => undefined} onQuit={() => undefined} />);
    await waitForContent(r, 'measuring…');
    stage?.('VM: boot 1/1 (TCG)');
    await waitForContent(r, 'VM: boot 1/1 (TCG)');
    finish(await runCompare({ mode: 'sim', quick: true }));
    const frame = await waitForContent(r, 'START');
    expect(frame).toContain('Containers start in seconds');
    expect(frame).not.toContain('measuring…');
    r.unmount();
  });

  it('opens with c from the home screen, in sim mode with cited figures, and goes back on Esc', async () => {
    const r = render(<App runners={() => []} mode="sim" doctorLine="sim: ready" lang="en" size={SIZE} color={false} />);
    await waitForContent(r, 'Lessons');
    await tick();
    r.stdin.write('c');
    const frame = await waitForContent(r, 'not measured here', 5000);
    expect(frame).toContain('Containers and virtual machines');
    await tick();
    r.stdin.write(ESC);
    await waitForContent(r, 'Lessons');
    expect(plain(r.lastFrame())).not.toContain('START');
    r.unmount();
  });
});
