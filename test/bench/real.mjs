// The real-kernel section of `npm run bench` (Linux, root): boxlab's container lifecycle and
// density on the real kernel, against crun and runc running an OCI bundle with the same static
// busybox root filesystem, measured side by side in one run and printed as ratios.
//
// It must run under the machine-wide lock /tmp/boxlab-real.lock (run.mjs re-executes it under
// `flock`); run it alone with:  flock /tmp/boxlab-real.lock node test/bench/real.mjs [--density N]
//
// crun 1.8 refuses the hybrid cgroup layout (v1 controllers + an empty v2 at
// /sys/fs/cgroup/unified); it runs when started in a private mount namespace in which
// /sys/fs/cgroup/unified is unmounted, so every crun command here runs inside one
// (`unshare --mount --propagation private`), never touching the host's mounts.
//
// Everything it makes is named boxlab-bench…: a temp dir with the bundle and the lab's home,
// a throwaway network namespace for the lab's bridge, the containers; all removed at the end,
// and the residue check (mounts, cgroups, links, netns, processes) must come back empty.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const DENSITY = Number(arg('--density', '1000'));
const ROUNDS = Number(arg('--rounds', '3'));
const PER_ROUND = Number(arg('--per-round', '10'));
const ONLY = arg('--only', 'all'); // lifecycle | density | all

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sh = (cmd, opts = {}) => {
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd.slice(0, 200)}: exit ${r.status}: ${r.stderr}`);
  return r.stdout ?? '';
};
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
/** a command line for crun: in a private mount namespace with the empty v2 hierarchy unmounted */
const inPureV1 = (cmd) => `unshare --mount --propagation private -- /bin/sh -c ${q(`umount /sys/fs/cgroup/unified 2>/dev/null; ${cmd}`)}`;
const memAvailable = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))[1]) * 1024;
const MiB = 1024 * 1024;
/** Pss (KiB) of each process, and each process's parent: what the container processes cost */
function processes() {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').join(' ').trim();
      const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/smaps_rollup`, 'latin1'))?.[1] ?? 0);
      out.set(Number(d), { ppid, args, pss });
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return out;
}
/** the Pss sum (bytes) of the processes args matches, and all their descendants */
function pssOf(match) {
  const ps = processes();
  const kids = new Map();
  for (const [pid, p] of ps) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), pid]);
  const seen = new Set();
  const walk = (pid) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    for (const k of kids.get(pid) ?? []) walk(k);
  };
  for (const [pid, p] of ps) if (match(p.args)) walk(pid);
  return { bytes: [...seen].reduce((s, pid) => s + (ps.get(pid)?.pss ?? 0), 0) * 1024, processes: seen.size };
}
const verdict = (ok) => (ok ? 'met' : 'NOT MET');

export function residue() {
  return [
    sh('grep boxlab /proc/self/mountinfo || true'),
    sh("find /sys/fs/cgroup -maxdepth 3 -name 'boxlab*' || true"),
    sh('ip -o link | grep boxlab || true'),
    sh('ip netns list | grep boxlab || true'),
    sh("ps -eo pid,args | grep -E 'boxlab-(shim|init|log|forward)|boxlab-bench' | grep -v grep || true"),
  ].join('').trim();
}

/** residue(), less the bench's own network namespace (it holds the lab's bridge until the end) */
function residueExcept(netns) {
  return residue().split('\n').filter((l) => !l.includes(netns)).join('\n').trim();
}

/** the busybox base as the real kernel lays it out, and an OCI bundle over it (config from `crun spec`) */
async function makeBundle(dir, args) {
  const { populateBusybox } = await import(join(root, 'dist', 'kernel', 'real', 'base.js'));
  const bundle = join(dir, `bundle-${args[0]}`);
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  await populateBusybox(join(bundle, 'rootfs'));
  sh('crun spec', { cwd: bundle });
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.process.args = args;
  config.process.terminal = false;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  return bundle;
}

/** hyperfine -N: `runs` timings (ms) of one command, no shell in between */
function hyperfine(cmd, runs, dir, wrap = (c) => c) {
  const out = join(dir, 'hyperfine.json');
  sh(wrap(`hyperfine -N --style none --warmup 1 --runs ${runs} --export-json ${q(out)} ${q(cmd)} >/dev/null`));
  const times = JSON.parse(readFileSync(out, 'utf8')).results[0].times.map((t) => t * 1000);
  rmSync(out);
  return times;
}

function newLab(home, netns) {
  return Promise.all([
    import(join(root, 'dist', 'engine', 'lab.js')),
    import(join(root, 'dist', 'engine', 'engine.js')),
    import(join(root, 'dist', 'kernel', 'index.js')),
  ]).then(([{ Lab }, { Engine }, { createKernel }]) => {
    // as src/cli/context.ts engineFor makes it, with the bridge in a throwaway network namespace
    const lab = new Lab({ mode: 'real', home, kernel: (m, o) => createKernel(m, { ...o, real: { hostNetns: netns } }) });
    return { lab, engine: new Engine(lab) };
  });
}

const io = { out() {}, err() {} };
// Ctrl-C or SIGTERM: stop starting containers, and take down what was made (the finally blocks)
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`${sig}: stopping; removing what the bench made`);
});

async function lifecycle(dir, engine) {
  const bundle = await makeBundle(dir, ['true']);
  const rootfs = join(bundle, 'rootfs');
  const crun = `crun run --bundle ${bundle} boxlab-bench-crun`;
  const runc = `runc run --bundle ${bundle} boxlab-bench-runc`;
  const floor = `unshare --pid --fork --mount --uts --ipc --net chroot ${rootfs} /bin/true`;
  // --network none: a network namespace of its own with only lo, as crun's and runc's bundle has
  const ours = async (network = 'none') => {
    const t0 = process.hrtime.bigint();
    const r = await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true, network }, io);
    if (r.exitCode !== 0) throw new Error(`boxlab run exited ${r.exitCode}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 3; i++) await ours('bridge'); // the image, the bridge, the tools
  const t = { crun: [], runc: [], floor: [], boxlab: [], bridged: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // interleaved rounds, so all see the same machine load
    t.crun.push(...hyperfine(crun, PER_ROUND, dir, inPureV1));
    t.runc.push(...hyperfine(runc, PER_ROUND, dir));
    t.floor.push(...hyperfine(floor, PER_ROUND, dir));
    for (let i = 0; i < PER_ROUND; i++) t.boxlab.push(await ours());
    for (let i = 0; i < PER_ROUND; i++) t.bridged.push(await ours('bridge'));
    if (stopping) throw new Error('stopped');
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  const n = t.boxlab.length;
  console.log(`real lifecycle (create + start + wait + rm of \`true\`: overlay, cgroup, pid/mnt/uts/ipc/net/cgroup namespaces, --network none), medians of ${n}:`);
  console.log(`  boxlab in process: ${m.boxlab.toFixed(1)} ms (on the lab bridge instead: ${m.bridged.toFixed(1)} ms)   crun run: ${m.crun.toFixed(1)} ms   runc run: ${m.runc.toFixed(1)} ms   floor (unshare + chroot true): ${m.floor.toFixed(1)} ms`);
  console.log(`  vs crun ${(m.boxlab / m.crun).toFixed(2)}x (goal <= 1.00x) ${verdict(m.boxlab <= m.crun)}   vs runc ${(m.boxlab / m.runc).toFixed(2)}x (goal <= 0.50x) ${verdict(m.boxlab <= 0.5 * m.runc)}   vs floor ${(m.boxlab / m.floor).toFixed(1)}x`);
  return m;
}

/** sum of the memory cgroups' usage under a v1/v2 directory's children matching a prefix */
function cgroupMemory(parent, prefix = '') {
  let sum = 0;
  let n = 0;
  for (const base of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup']) {
    const d = join(base, parent);
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory() || !e.name.startsWith(prefix)) continue;
      for (const f of ['memory.usage_in_bytes', 'memory.current']) {
        const p = join(d, e.name, f);
        if (existsSync(p)) {
          sum += Number(readFileSync(p, 'utf8'));
          n++;
          break;
        }
      }
    }
    if (n) break;
  }
  return { bytes: sum, groups: n };
}

async function settle() {
  await new Promise((r) => setTimeout(r, 1500));
}

async function densityCrun(dir, n) {
  const bundle = await makeBundle(dir, ['sleep', '100000']);
  const ids = Array.from({ length: n }, (_, i) => `boxlab-bench-d${i}`);
  writeFileSync(join(dir, 'ids'), ids.join('\n') + '\n');
  await settle();
  const before = memAvailable();
  const t0 = process.hrtime.bigint();
  sh(inPureV1(`while read -r id; do crun run --detach --bundle ${bundle} "$id" </dev/null >/dev/null 2>&1 || exit 1; done < ${dir}/ids`));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await settle();
  const during = memAvailable();
  const cg = cgroupMemory('', 'boxlab-bench-d');
  const procs = pssOf((a) => a === 'sleep 100000');
  const running = Number(sh(`ps -eo args | grep -c '^sleep 100000$' || true`).trim());
  const t1 = process.hrtime.bigint();
  sh(inPureV1(`while read -r id; do crun delete --force "$id" >/dev/null 2>&1; done < ${dir}/ids`));
  const cleanup = Number(process.hrtime.bigint() - t1) / 1e9;
  await settle();
  // against the mean of before and after, so a steady drift of the machine's other use cancels
  const host = ((before + memAvailable()) / 2 - during) / n;
  return { n, seconds, host, cgroup: cg.groups ? cg.bytes / cg.groups : NaN, pss: procs.bytes / n, procs: procs.processes / n, running, cleanup };
}

async function densityBoxlab(engine, n) {
  await settle();
  const before = memAvailable();
  const names = [];
  let projected = null;
  let first100 = NaN;
  let tLast = null;
  const t0 = process.hrtime.bigint();
  try {
    for (let i = 0; i < n && !stopping; i++) {
      const name = `boxlab-bench-d${i}`;
      await engine.run({ image: 'busybox', cmd: ['sleep', '100000'], detach: true, name, network: 'none' }, io);
      names.push(name);
      if (names.length === 100) first100 = Number(process.hrtime.bigint() - t0) / 1e9;
      if (names.length === n - 100) tLast = process.hrtime.bigint();
      // a guard for the shared machine: stop early when the memory would not fit
      if (names.length % 50 === 0) {
        const per = (before - memAvailable()) / names.length;
        if (per * n > 0.6 * before) {
          projected = per;
          break;
        }
      }
    }
  } finally {
    var seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    var last100 = tLast ? Number(process.hrtime.bigint() - tLast) / 1e9 : NaN;
  }
  await settle();
  const started = names.length;
  const during = memAvailable();
  const cg = cgroupMemory('boxlab');
  const procs = pssOf((a) => a.includes('/bin/boxlab-shim '));
  const t1 = process.hrtime.bigint();
  for (const name of names) await engine.rm(name, { force: true, volumes: true });
  const cleanup = Number(process.hrtime.bigint() - t1) / 1e9;
  await settle();
  const host = ((before + memAvailable()) / 2 - during) / started;
  return { n: started, wanted: n, seconds, first100, last100, host, cgroup: cg.groups ? cg.bytes / cg.groups : NaN, pss: procs.bytes / started, procs: procs.processes / started, projected, cleanup };
}

async function density(dir, engine, netns) {
  const c = await densityCrun(dir, DENSITY);
  const b = await densityBoxlab(engine, DENSITY);
  const left = residueExcept(netns);
  console.log(`real density: ${DENSITY} containers running \`sleep\` at once (overlay + cgroup + namespaces each, --network none; crun: the same bundle, detached):`);
  console.log(`  crun: ${c.n} started in ${c.seconds.toFixed(2)} s (${c.running} running), host memory ${(c.host / MiB).toFixed(2)} MiB each, cgroup memory ${(c.cgroup / MiB).toFixed(2)} MiB each, processes ${c.procs.toFixed(1)} each with Pss ${(c.pss / MiB).toFixed(2)} MiB; removed in ${c.cleanup.toFixed(1)} s`);
  if (b.n < b.wanted) {
    console.log(`  boxlab: stopped after ${b.n} of ${b.wanted}: ${(b.projected / MiB).toFixed(2)} MiB each would not fit in this machine's memory; ${b.n} started in ${b.seconds.toFixed(2)} s`);
  } else {
    console.log(`  boxlab: ${b.n} started in ${b.seconds.toFixed(2)} s (the first 100 in ${b.first100.toFixed(2)} s, the last 100 in ${b.last100.toFixed(2)} s), host memory ${(b.host / MiB).toFixed(2)} MiB each, cgroup memory ${(b.cgroup / MiB).toFixed(2)} MiB each, processes ${b.procs.toFixed(1)} each with Pss ${(b.pss / MiB).toFixed(2)} MiB; removed in ${b.cleanup.toFixed(1)} s`);
  }
  const all = b.n === b.wanted;
  const timeRatio = (b.seconds * (b.wanted / b.n)) / c.seconds;
  console.log(`  start time vs crun ${timeRatio.toFixed(2)}x${all ? '' : ' (projected)'} (goal < 1.00x) ${verdict(all && timeRatio < 1)}   memory ${(b.host / MiB).toFixed(2)} MiB each (goal <= 0.75 MiB) ${verdict(all && b.host <= 0.75 * MiB)}   all gone after cleanup: ${verdict(left === '')}`);
  if (left) console.log(`  left after cleanup:\n${left.replace(/^/gm, '    ')}`);
  return { crun: c, boxlab: b };
}

export async function realBench() {
  const dir = mkdtempSync('/tmp/boxlab-bench-real-');
  const netns = `boxlab-bench-${process.pid}`;
  const before = residue();
  if (before) {
    console.log(`real section: skipped, the kernel holds boxlab objects already (run \`boxlab cleanup\`):\n${before}`);
    return;
  }
  console.log(`real section (NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'is set: every node start here pays for it' : 'is not set'})`);
  sh(`ip netns add ${netns}`);
  const { lab, engine } = await newLab(join(dir, 'home'), netns);
  try {
    if (ONLY !== 'density') await lifecycle(dir, engine);
    if (ONLY !== 'lifecycle' && !stopping) await density(dir, engine, netns);
  } finally {
    // whatever a failure left: boxlab's containers, crun's and runc's, the netns, the temp dir
    try {
      const names = await engine.tx(async (tx) => Object.values(tx.state.containers).map((c) => c.name));
      for (const name of names) await engine.rm(name, { force: true, volumes: true }).catch(() => {});
    } catch {
      /* best effort */
    }
    lab.dispose?.();
    sh(inPureV1(`for id in $(crun list -q 2>/dev/null | grep '^boxlab-bench'); do crun delete --force "$id"; done`), { allowFail: true });
    sh(`for id in $(runc list -q 2>/dev/null | grep '^boxlab-bench'); do runc delete --force "$id"; done`, { allowFail: true });
    sh(`ip netns delete ${netns}`, { allowFail: true });
    rmSync(dir, { recursive: true, force: true });
  }
  const left = residue();
  console.log(`real residue after the bench: ${left ? `NOT EMPTY\n${left}` : 'none'}`);
  if (left) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await realBench();
