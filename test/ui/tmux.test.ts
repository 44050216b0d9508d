// The real UI in a real terminal: tmux runs test/ui/fixtures/start-ui.mjs (the built UI with a
// fake runner), the test sends keys and reads the pane. Skipped, with the reason printed, when
// tmux or the build (dist/ui/render.js) is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const built = existsSync(`${root}/dist/ui/render.js`);
const reason = !hasTmux ? 'tmux is not installed' : !built ? 'dist/ui/render.js is missing (npm run build)' : '';
if (reason) console.log(`skipping the tmux UI test: ${reason}`);

const socket = `boxlab-ui-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = (): string => tmux('capture-pane', '-p', '-t', 'ui');
const lastLine = (p: string): string => p.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
const FOOTER = 'Enter/Space run · n/p next/prev · h hint · r reset · c compare · ? help · q quit';

/** Poll the pane until it shows `text` and its last line is `footer` (a frame fully drawn). */
async function waitForPane(text: string, footer = '', timeoutMs = 10_000): Promise<string> {
  const start = Date.now();
  for (;;) {
    const p = pane();
    if (p.includes(text) && lastLine(p).includes(footer)) return p;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${JSON.stringify(text)}; pane:\n${p}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** press keys as a person would: a moment after the screen is drawn (it listens once React has run its effects) */
async function press(keys: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  tmux('send-keys', '-t', 'ui', keys);
}

describe.skipIf(Boolean(reason))('the UI in tmux', () => {
  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  });

  it('runs a step, shows hints, keeps the footer and quits on q', async () => {
    // CI makes ink print only the last frame, so it is unset for this terminal
    const cmd = `env -u CI NO_COLOR=1 TERM=xterm-256color node test/ui/fixtures/start-ui.mjs; sleep 60`;
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'ui', '-x', '100', '-y', '30', '-c', root, cmd);

    const home = await waitForPane('A container is a process', 'q quit');
    expect(home).toContain('doctor: sim ready');

    await press('Enter');
    const lesson = await waitForPane('Step 1: A new PID namespace', FOOTER);
    expect(lastLine(lesson)).toBe(FOOTER);

    await press('Enter');
    const ran = await waitForPane('1     root  ps', FOOTER);
    expect(ran).toContain('$ boxlab run base ps');
    expect(ran).toContain('$ unshare --pid --fork sh');
    expect(lastLine(ran)).toBe(FOOTER);

    await press('n');
    await waitForPane('Step 2: Its own hostname');
    await press('h');
    const hinted = await waitForPane('Only this UTS namespace changes.', FOOTER);
    expect(lastLine(hinted)).toBe(FOOTER);

    await press('q');
    await waitForPane('UI-EXITED');
  });
});
