// Time to the first frame of the UI, against `node -e 0`, both in a pseudo-terminal made by
// util-linux `script` (so both pay the same pty set-up): the UI's side ends at its first output
// byte (the goal's measure) and, reported beside it, at the first byte of the home screen's text;
// the baseline's at its exit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const shq = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/** run `cmd` in a pty; resolve the ms to the first byte, to the first byte matching `text`, and to exit */
function inPty(cmd, env, text) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    // -e: script exits with the command's status; -q: no "Script started" lines; -f: flush at once
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    const r = { first: null, text: null, exit: null };
    let seen = '';
    const stop = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${cmd}: no ${text ? `"${text}"` : 'exit'} within 30 s`));
    }, 30_000);
    child.stdout.on('data', (d) => {
      r.first ??= ms();
      if (!text || r.text !== null) return;
      seen += d.toString('utf8');
      if (seen.includes(text)) {
        r.text = ms();
        stop();
      }
    });
    child.on('exit', () => {
      r.exit = ms();
      clearTimeout(timer);
      if (text && r.text === null) reject(new Error(`${cmd}: exited before printing "${text}"`));
      else resolve(r);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** rounds interleaved, so both sides see the same machine load */
export async function uiFirstFrame(root, rounds = 15) {
  const home = mkdtempSync(join(tmpdir(), 'boxlab-bench-ui-'));
  const env = { ...process.env, BOXLAB_HOME: home, TERM: 'xterm-256color', COLUMNS: '100', LINES: '30' };
  delete env.NO_COLOR;
  delete env.CI;
  const node = shq(process.execPath);
  const ui = `stty cols 100 rows 30; exec ${node} ${shq(join(root, 'bin', 'boxlab.js'))}`;
  const base = `stty cols 100 rows 30; exec ${node} -e 0`;
  try {
    await inPty(base, env);
    await inPty(ui, env, 'Lessons');
    const b = [];
    const first = [];
    const text = [];
    for (let i = 0; i < rounds; i++) {
      b.push((await inPty(base, env)).exit);
      const r = await inPty(ui, env, 'Lessons');
      first.push(r.first);
      text.push(r.text);
    }
    const baseline = median(b);
    return { baseline, first: median(first), home: median(text), ratio: median(first) / baseline, homeRatio: median(text) / baseline };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
