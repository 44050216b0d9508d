// `boxlab run -it` on a real terminal: tmux gives it one, send-keys types, capture-pane reads.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.log('skipping the terminal tests: tmux is not installed (apt-get install tmux)');

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
const socket = `boxlab-test-${process.pid}`;
const home = mkdtempSync(join(tmpdir(), 'boxlab-tty-'));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(home, { recursive: true, force: true });
});

async function waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-t', 'boxlab');
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${pattern}; the screen was:\n${screen}`);
}

describe.skipIf(!hasTmux)('boxlab run -it in a terminal', () => {
  it('gives a shell prompt that keeps its directory and variables, interrupts with Ctrl-C, and exits with exit', async () => {
    const cmd = `env BOXLAB_HOME=${home} NO_COLOR=1 ${process.execPath} ${BIN} run -it --rm busybox sh; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'boxlab', '-x', '100', '-y', '30', cmd);
    await waitFor(/^\/ #\s*$/m);
    tmux('send-keys', '-t', 'boxlab', 'cd /tmp; export X=42', 'Enter');
    await waitFor(/^\/tmp #\s*$/m);
    tmux('send-keys', '-t', 'boxlab', 'echo "x is $X in $(pwd)"', 'Enter');
    await waitFor(/^x is 42 in \/tmp$/m);
    tmux('send-keys', '-t', 'boxlab', 'sleep 100', 'Enter');
    await waitFor(/sleep 100\n/);
    tmux('send-keys', '-t', 'boxlab', 'C-c');
    await waitFor(/\^C\n\/tmp #\s*$/m);
    tmux('send-keys', '-t', 'boxlab', 'echo status=$?', 'Enter');
    await waitFor(/^status=130$/m);
    tmux('send-keys', '-t', 'boxlab', 'exit 3', 'Enter');
    await waitFor(/^EXIT=3$/m);
  });

  it('opens the lab with no command: lessons, a step run against the lab, its check, and q to quit', async () => {
    const cmd = `env -u CI BOXLAB_HOME=${home}/ui NO_COLOR=1 TERM=xterm-256color ${process.execPath} ${BIN}; echo "UI_EXIT=$?"; sleep 60`;
    tmux('new-window', '-t', 'boxlab', '-n', 'ui', cmd);
    const pane = 'boxlab:ui';
    const wait = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      let screen = '';
      while (Date.now() < deadline) {
        screen = tmux('capture-pane', '-p', '-t', pane);
        if (pattern.test(screen)) return screen;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${pattern}; the screen was:\n${screen}`);
    };
    // a screen listens for keys once React has run its effects, a moment after it is drawn: a
    // person reads it first, and so does this test (a loaded machine stretches that moment)
    const read = () => new Promise((r) => setTimeout(r, 300));
    await wait(/A container is a process\s+0\/8 steps/);
    await read();
    tmux('send-keys', '-t', pane, 'Enter');
    await wait(/Enter\/Space run · n\/p next\/prev/);
    await read();
    tmux('send-keys', '-t', pane, 'Enter');
    const after = await wait(/web is running/);
    expect(after).toMatch(/pid\s+\d+\s+\d+\s+≠/);
    await read();
    tmux('send-keys', '-t', pane, 'q');
    await wait(/UI_EXIT=0$/m);
  });
});
