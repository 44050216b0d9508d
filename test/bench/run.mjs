// npm run bench: performance goals as ratios measured side by side in one run.
//  1. cold start: `boxlab --version` against `node -e 0` (goal: <= 1.3x)
//  2. sim `run --rm busybox true` in process: containers per second (goal: >= 1,000/s)
//  3. the lab UI's first frame in a pseudo-terminal against `node -e 0` (goal: <= 3x)
//  4. layer creation, 5. registry push + pull (below)
//  6. real kernel, Linux + root only: lifecycle and density against crun and runc (real.mjs)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// 6. real kernel (Linux, root): lifecycle and density against crun and runc (test/bench/real.mjs),
//    under the machine-wide lock, since other users of this machine may be using the real kernel
function realSection() {
  if (process.platform !== 'linux') return console.log(`real section: skipped (real mode needs Linux; this is ${process.platform})`);
  if (process.getuid?.() !== 0) return console.log('real section: skipped (real mode needs root: sudo npm run bench)');
  const missing = ['crun', 'runc', 'hyperfine', 'flock'].filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length) return console.log(`real section: skipped (${missing.join(', ')} not installed)`);
  const passOn = process.argv.slice(2).filter((a) => a !== '--real-only');
  const r = spawnSync('flock', ['/tmp/boxlab-real.lock', process.execPath, join(import.meta.dirname, 'real.mjs'), ...passOn], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

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

const realOnly = process.argv.includes('--real-only');
if (realOnly) {
  realSection();
  process.exit(process.exitCode ?? 0);
}

const skipSlow = process.argv.includes("--quick");
const cold = coldStart();
console.log(`cold start   node -e 0: ${cold.baseline.toFixed(1)} ms   boxlab --version: ${cold.boxlab.toFixed(1)} ms   ratio ${cold.ratio.toFixed(2)}x   (goal <= 1.30x) ${cold.ratio <= 1.3 ? 'met' : 'NOT MET'}`);
const sim = await simThroughput();
console.log(`sim run --rm busybox true, in process: ${sim.containers} containers in ${sim.seconds.toFixed(2)} s = ${Math.round(sim.perSecond)}/s   (goal >= 1000/s) ${sim.perSecond >= 1000 ? 'met' : 'NOT MET'}`);

// 4. layer creation from a 200 MB directory: tar + gzip + sha256, against `tar -cz DIR | sha256sum`
async function layerCreation(mb = 200) {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { readRealTree } = await import(join(root, 'dist', 'kernel', 'real', 'fs.js'));
  const { packLayer } = await import(join(root, 'dist', 'engine', 'images', 'layers.js'));
  const dir = mkdtempSync(join(tmpdir(), 'boxlab-bench-layer-'));
  try {
    // text-like content (compresses as source code does), 100 KiB files in 20 directories
    const words = 'container namespace cgroup overlay layer image kernel process mount veth bridge registry manifest digest'.split(' ');
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const fileSize = 100 * 1024;
    const files = Math.round((mb * 1024 * 1024) / fileSize);
    for (let i = 0; i < files; i++) {
      const d = join(dir, `d${i % 20}`);
      mkdirSync(d, { recursive: true });
      let text = '';
      while (text.length < fileSize) text += `${words[rnd() % words.length]}${rnd() % 97} `;
      writeFileSync(join(d, `f${i}.txt`), text.slice(0, fileSize));
    }
    const shell = () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('sh', ['-c', `tar -cz -C '${dir}' . | sha256sum`], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error('tar | sha256sum failed');
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const ours = async () => {
      const t0 = process.hrtime.bigint();
      await packLayer(readRealTree(dir));
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    shell();
    await ours();
    const a = [];
    const b = [];
    for (let i = 0; i < 3; i++) {
      a.push(shell());
      b.push(await ours());
    }
    const base = median(a);
    const mine = median(b);
    return { mb, baseline: base, boxlab: mine, throughputRatio: base / mine };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const layer = await layerCreation();
console.log(`layer from a ${layer.mb} MB directory   tar -cz | sha256sum: ${layer.baseline.toFixed(0)} ms   boxlab packLayer: ${layer.boxlab.toFixed(0)} ms   throughput ${layer.throughputRatio.toFixed(2)}x   (goal >= 0.80x) ${layer.throughputRatio >= 0.8 ? 'met' : 'NOT MET'}`);

// 5. push then pull of a 3-layer image to the CNCF distribution registry, against skopeo copy
async function registryRoundTrip() {
  const has = (t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!has('docker-registry') || !has('skopeo')) return { skipped: 'docker-registry or skopeo is not installed' };
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createServer } = await import('node:net');
  const { spawn } = await import('node:child_process');
  const { Lab } = await import(join(root, 'dist', 'engine', 'lab.js'));
  const { Engine } = await import(join(root, 'dist', 'engine', 'engine.js'));
  const { createKernel } = await import(join(root, 'dist', 'kernel', 'index.js'));
  const { ensureImage } = await import(join(root, 'dist', 'engine', 'images', 'catalog.js'));
  const { findContainer } = await import(join(root, 'dist', 'engine', 'containers', 'lifecycle.js'));
  const { commitContainer } = await import(join(root, 'dist', 'engine', 'containers', 'commit.js'));
  const { getImage } = await import(join(root, 'dist', 'engine', 'images', 'manage.js'));
  const { storeOf } = await import(join(root, 'dist', 'engine', 'images', 'images.js'));
  const { ImageStore } = await import(join(root, 'dist', 'engine', 'images', 'store.js'));
  const { pushImage, pullImage } = await import(join(root, 'dist', 'engine', 'registry', 'client.js'));
  const dir = mkdtempSync(join(tmpdir(), 'boxlab-bench-reg-'));
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\nlog:\n  level: error\n`);
  const registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const lab = new Lab({ mode: 'sim', home: null, kernel: createKernel });
  try {
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => null);
      if (r && r.status === 200) break;
      await new Promise((r2) => setTimeout(r2, 50));
    }
    // a 3-layer image: busybox + two layers of a few MB each
    const engine = new Engine(lab);
    const io = { out() {}, err() {} };
    await engine.tx((tx) => ensureImage(tx, 'busybox'));
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'seq 1 400000 > /a.txt'], name: 'l1' }, io);
    await engine.tx(async (tx) => commitContainer(tx, findContainer(tx, 'l1'), { name: 'bench2:step' }));
    await engine.run({ image: 'bench2:step', cmd: ['sh', '-c', 'seq 400000 800000 > /b.txt'], name: 'l2' }, io);
    const img = await engine.tx(async (tx) => structuredClone(await commitContainer(tx, findContainer(tx, 'l2'), { name: 'bench3:bench' })));
    const layout = await engine.tx(async (tx) => storeOf(tx).root);
    const oursRun = async (round) => {
      const out = new ImageStore(join(dir, `pull-${round}`));
      const target = { registry: `127.0.0.1:${port}`, repository: `boxlab/r${round}`, tag: 'v1' };
      const t0 = process.hrtime.bigint();
      await pushImage(new ImageStore(layout), img, target, {});
      await pullImage(out, target, {});
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const skopeoRun = (round) => {
      const t0 = process.hrtime.bigint();
      const a = spawnSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${layout}:bench`, `docker://127.0.0.1:${port}/skopeo/r${round}:v1`], { stdio: 'ignore' });
      const b = spawnSync('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://127.0.0.1:${port}/skopeo/r${round}:v1`, `oci:${join(dir, `skopeo-${round}`)}:v1`], { stdio: 'ignore' });
      if (a.status !== 0 || b.status !== 0) throw new Error('skopeo copy failed');
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    await oursRun(0);
    skopeoRun(0);
    const a = [];
    const b = [];
    for (let round = 1; round <= 5; round++) {
      b.push(skopeoRun(round));
      a.push(await oursRun(round));
    }
    const size = img.layers.reduce((s, l) => s + l.size, 0);
    return { skopeo: median(b), boxlab: median(a), ratio: median(a) / median(b), size };
  } finally {
    registry.kill('SIGTERM');
    lab.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// the lab's first frame, in a pseudo-terminal (util-linux script), against node -e 0 in one too
if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) console.log('UI first frame: skipped (util-linux script is not installed)');
else {
  const { uiFirstFrame } = await import('./ui-frame.mjs');
  const ui = await uiFirstFrame(root);
  console.log(`UI first frame   node -e 0: ${ui.baseline.toFixed(0)} ms   boxlab's first output byte: ${ui.first.toFixed(0)} ms   ratio ${ui.ratio.toFixed(2)}x   (goal <= 3.00x) ${ui.ratio <= 3 ? 'met' : 'NOT MET'}   (the home screen's lesson list: ${ui.home.toFixed(0)} ms, ${ui.homeRatio.toFixed(2)}x)`);
}

const reg = await registryRoundTrip();
if (reg.skipped) console.log(`push + pull vs skopeo: skipped (${reg.skipped})`);
else console.log(`push + pull of a 3-layer image (${(reg.size / 1e6).toFixed(1)} MB) to docker-registry   skopeo copy out and back: ${reg.skopeo.toFixed(0)} ms   boxlab: ${reg.boxlab.toFixed(0)} ms   ratio ${reg.ratio.toFixed(2)}x   (goal <= 1.00x) ${reg.ratio <= 1 ? 'met' : 'NOT MET'}`);

realSection();
