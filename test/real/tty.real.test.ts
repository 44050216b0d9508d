// `boxlab --real run -it` and `exec -it` on a real terminal: tmux gives the CLI one, send-keys
// types, capture-pane reads. The container's shell gets that terminal itself, as PID 1 of its
// own PID namespace, and nothing of the container is left afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, residue, sh } from './helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (isRoot && !hasTmux) console.log('skipping the real terminal tests: tmux is not installed (apt-get install tmux)');

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
const NETNS = `boxlab-ttytest-${process.pid}`;
const socket = `boxlab-realtty-${process.pid}`;
let home: string;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

function boxlab(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--real', ...args], {
    env: { ...process.env, BOXLAB_HOME: home, BOXLAB_HOST_NETNS: NETNS, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** a tmux window running the CLI with these arguments, then its exit status and the terminal's modes */
function open(window: string, args: string) {
  const cmd = `env BOXLAB_HOME=${home} BOXLAB_HOST_NETNS=${NETNS} NO_COLOR=1 ${process.execPath} ${BIN} --real ${args}; echo "EXIT=$?"; stty -a; sleep 600`;
  tmux('new-window', '-t', 'boxlab', '-n', window, cmd);
  const pane = `boxlab:${window}`;
  return {
    keys: (...keys: string[]) => void tmux('send-keys', '-t', pane, ...keys),
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < deadline) {
        screen = tmux('capture-pane', '-p', '-J', '-t', pane);
        if (pattern.test(screen)) return screen;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${pattern}; the screen was:\n${screen}`);
    },
  };
}

/** the rows of a busybox `ps` printed after `marker` on the screen: [pid, command] */
function psRows(screen: string, marker: string): [number, string][] {
  const after = screen.slice(screen.lastIndexOf(marker));
  const table = after.slice(after.indexOf('PID'));
  const rows: [number, string][] = [];
  for (const line of table.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+\S+\s+(.*)$/.exec(line);
    if (!m) break;
    rows.push([Number(m[1]), m[2].trim()]);
  }
  return rows;
}

describe.skipIf(!isRoot || !hasTmux)('boxlab --real run -it / exec -it on a terminal', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-realtty-'));
    sh(`ip netns add ${NETNS}`);
    tmux('new-session', '-d', '-s', 'boxlab', '-x', '120', '-y', '40', 'sleep 600');
    // the image, pulled before any terminal opens, so the screens hold only the shells
    expect(boxlab('pull', 'busybox').code).toBe(0);
  });

  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    boxlab('rm', '-f', 'web', 'killed');
    const r = boxlab('cleanup');
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(residue()).toBe('');
  });

  it('gives the shell the terminal as PID 1 of the container, keeps it through Ctrl-C, and passes its exit code out', async () => {
    const t = open('run', 'run -it --rm busybox sh');
    await t.waitFor(/^\/ #\s*$/m);
    t.keys('echo "pid=$$"; hostname; echo MARK; ps', 'Enter');
    const screen = await t.waitFor(/MARK\n(.*\n)*?\/ #\s*$/);
    expect(screen).toMatch(/^pid=1$/m);
    expect(screen).toMatch(/^[0-9a-f]{12}$/m);
    const rows = psRows(screen, 'MARK\n');
    // the shell is PID 1 and only the container's processes are listed: the shell and ps
    expect(rows.find(([pid]) => pid === 1)?.[1]).toMatch(/^sh$/);
    expect(rows.length, screen).toBe(2);
    expect(rows.map(([, cmd]) => cmd).join(' ')).not.toMatch(/node|boxlab|unshare|tmux/);
    // Ctrl-C at the prompt: the shell abandons the line and stays
    t.keys('echo never');
    await t.waitFor(/echo never\s*$/m);
    t.keys('C-c');
    await t.waitFor(/echo never\^C\n\/ #\s*$/m);
    t.keys('sleep 6070', 'Enter');
    await t.waitFor(/sleep 6070\n/);
    // sleep is running (the shell echoes the newline a moment before it lets go of the terminal)
    for (let i = 0; i < 1000 && !/^sleep 6070$/m.test(sh('ps -eo args')); i++) await new Promise((r) => setTimeout(r, 10));
    t.keys('C-c');
    await t.waitFor(/sleep 6070\n\^C\n\/ #\s*$/m);
    t.keys('echo "alive status=$?"', 'Enter');
    await t.waitFor(/^alive status=130$/m);
    t.keys('exit 3', 'Enter');
    const end = await t.waitFor(/^EXIT=3$(.*\n)*.*\bicanon\b/m);
    // the terminal is back in cooked mode, and --rm removed the container
    expect(end).not.toMatch(/-icanon|-echo\b/);
    expect(boxlab('ps', '-a', '--format', '{{.Names}}').stdout).toBe('');
  });

  it('puts the terminal back in cooked mode when the container is killed from outside, and says its session was not recorded', async () => {
    const t = open('killed', 'run -it --name killed busybox sh');
    await t.waitFor(/^\/ #\s*$/m);
    // the terminal left without line editing and echo by what runs in the container
    t.keys('stty -icanon -echo; stty -a | grep -o -- -icanon; sleep 600', 'Enter');
    await t.waitFor(/^-icanon$/m);
    expect(boxlab('kill', 'killed').code).toBe(0);
    const end = await t.waitFor(/^EXIT=137$(.*\n)*.*\bicanon\b/m);
    expect(end.slice(end.indexOf('EXIT=137'))).not.toMatch(/-icanon|-echo\b/);
    const logs = boxlab('logs', 'killed');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toMatch(/not recorded/);
    expect(boxlab('rm', 'killed').code).toBe(0);
  });

  it('gives exec -it the terminal, in the namespaces of a detached container', async () => {
    expect(boxlab('run', '-d', '--name', 'web', 'busybox', 'sleep', '600').code).toBe(0);
    const t = open('exec', 'exec -it web sh');
    await t.waitFor(/^\/ #\s*$/m);
    t.keys('echo "pid=$$"; echo MARK; ps', 'Enter');
    const screen = await t.waitFor(/MARK\n(.*\n)*?\/ #\s*$/);
    const rows = psRows(screen, 'MARK\n');
    // PID 1 is the container's sleep; this shell is another process of the same PID namespace
    expect(rows.find(([pid]) => pid === 1)?.[1]).toBe('sleep 600');
    const self = Number(/^pid=(\d+)$/m.exec(screen)?.[1]);
    expect(self).toBeGreaterThan(1);
    expect(rows.find(([pid]) => pid === self)?.[1]).toMatch(/^sh$/);
    expect(rows.length, screen).toBe(3);
    t.keys('C-c');
    await t.waitFor(/\^C\n\/ #\s*$/m);
    t.keys('exit 5', 'Enter');
    const end = await t.waitFor(/^EXIT=5$(.*\n)*.*\bicanon\b/m);
    expect(end).not.toMatch(/-icanon|-echo\b/);
    // the container runs on
    expect(boxlab('ps', '--format', '{{.Names}} {{.State}}').stdout).toBe('web running\n');
    expect(boxlab('rm', '-f', 'web').code).toBe(0);
  });
});
