// npm run bench: performance goals as ratios measured side by side in one run.
//  1. cold start: `boxlab --version` against `node -e 0` (goal: <= 1.3x)
//  2. sim `run --rm busybox true` in process: containers per second (goal: >= 1,000/s)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = (argv) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

function coldStart(rounds = 25) {
  const base = [];
  const ours = [];
  time([process.execPath, '-e', '0']);
  time([process.execPath, join(root, 'bin', 'boxlab.js'), '--version']);
  for (let i = 0; i < rounds; i++) {
    // interleaved, so both see the same machine load
    base.push(time([process.execPath, '-e', '0']));
    ours.push(time([process.execPath, join(root, 'bin', 'boxlab.js'), '--version']));
  }
  const b = median(base);
  const o = median(ours);
  return { baseline: b, boxlab: o, ratio: o / b };
}

async function simThroughput(seconds = 3) {
  const { Lab } = await import(join(root, 'dist', 'engine', 'lab.js'));
  const { Engine } = await import(join(root, 'dist', 'engine', 'engine.js'));
  const { createKernel } = await import(join(root, 'dist', 'kernel', 'index.js'));
  const lab = new Lab({ mode: 'sim', home: null, kernel: createKernel });
  try {
    const engine = new Engine(lab);
    const io = { out() {}, err() {} };
    for (let i = 0; i < 50; i++) await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true }, io);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const r = await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true }, io);
      if (r.exitCode !== 0) throw new Error(`run exited ${r.exitCode}`);
      n++;
    }
    const elapsed = (performance.now() - t0) / 1000;
    return { containers: n, seconds: elapsed, perSecond: n / elapsed };
  } finally {
    lab.dispose();
  }
}

const cold = coldStart();
console.log(`cold start   node -e 0: ${cold.baseline.toFixed(1)} ms   boxlab --version: ${cold.boxlab.toFixed(1)} ms   ratio ${cold.ratio.toFixed(2)}x   (goal <= 1.30x) ${cold.ratio <= 1.3 ? 'met' : 'NOT MET'}`);
const sim = await simThroughput();
console.log(`sim run --rm busybox true, in process: ${sim.containers} containers in ${sim.seconds.toFixed(2)} s = ${Math.round(sim.perSecond)}/s   (goal >= 1000/s) ${sim.perSecond >= 1000 ? 'met' : 'NOT MET'}`);
