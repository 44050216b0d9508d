// The real kernel as root: one container per behaviour, torn down after each, and the machine
// checked for anything of boxlab's left behind (mounts, cgroups, links, netns, processes).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { cleanup } from '../../src/kernel/real/cleanup.js';
import { KernelError } from '../../src/kernel/kernel.js';
import { signalReset, type RealKernel } from '../../src/kernel/real/kernel.js';
import { container, destroy, isRoot, realKernel, removeState, residue, sh, skipReason } from './helpers.js';

type C = Awaited<ReturnType<typeof container>>;

describe.skipIf(!isRoot)(`real kernel (${skipReason || 'root'})`, () => {
  let kernel: RealKernel;
  let made: C[] = [];
  const start = async (...a: Parameters<typeof container>) => {
    const c = await container(...a);
    made.push(c);
    return c;
  };

  beforeAll(async () => {
    expect(residue()).toBe('');
    kernel = realKernel().kernel;
  });
  afterEach(async () => {
    for (const c of made) await destroy(kernel, c);
    made = [];
  });
  afterAll(async () => {
    await cleanup();
    removeState();
    expect(residue()).toBe('');
  });

  it('runs echo hi as PID 1 of its own PID namespace, with its own hostname, and logs hi', async () => {
    const c = await start(kernel, ['sh', '-c', 'echo hi; echo pid=$$; hostname'], { hostname: 'box1' });
    const st = await kernel.wait(c.st.pid, 10_000);
    expect(st?.exitCode).toBe(0);
    expect(c.logText()).toBe('hi\npid=1\nbox1\n');
    expect(c.st.pid).not.toBe(1);
    expect(sh('hostname').trim()).not.toBe('box1');
  });

  it('gives the process new pid, mnt, uts, ipc, net and cgroup namespaces', async () => {
    const c = await start(kernel, ['sleep', '60']);
    const o = await kernel.observe(c.st.pid);
    expect(o.nsPid).toBe(1);
    for (const t of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const) {
      expect(o.ns[t]).toBeGreaterThan(0);
      expect(o.ns[t]).not.toBe(o.hostNs[t]);
    }
    expect(o.mounts[0]).toMatchObject({ target: '/', fstype: 'overlay' });
    // start returns once PID 1 is on its way to exec (setpriv, env): a moment later it is sleep
    let ps = await kernel.processes(c.st.pid);
    for (let i = 0; i < 1000 && ps[0]?.argv[0] !== 'sleep'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      ps = await kernel.processes(c.st.pid);
    }
    expect(ps.map((p) => [p.nsPid, p.argv[0]])).toEqual([[1, 'sleep']]);
  });

  it('mounts the root overlay in the container\'s own mount namespace, never in the host\'s, and it goes with the container', async () => {
    const { kernel: k, events } = realKernel();
    const c = await container(k, ['sh', '-c', 'echo changed > /etc/motd; mount | head -n 1; sleep 63'], { ownOverlay: true });
    for (let i = 0; i < 1000 && !c.logText().includes('overlay'); i++) await new Promise((r) => setTimeout(r, 10));
    // inside: / is the overlay over the base, its writes land in the upper dir
    expect(c.logText()).toMatch(/^overlay on \/ type overlay \(.*upperdir=/);
    expect(readFileSync(`/proc/${c.st.pid}/mountinfo`, 'utf8')).toMatch(new RegExp(`^\\d+ \\d+ \\S+ / / .* - overlay overlay .*upperdir=${c.upper}`, 'm'));
    expect(readFileSync(`${c.upper}/etc/motd`, 'utf8')).toBe('changed\n');
    // the host's mount table never holds it
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c.merged);
    const mount = events.find((e) => e.kind === 'mount' && e.fstype === 'overlay');
    expect(mount?.command).toMatch(new RegExp(`^mount -t overlay overlay -o lowerdir=\\S+,upperdir=${c.upper},workdir=\\S+ ${c.merged}  # in the container's mount namespace`));
    // it ends with the container: an unmount event, no umount run, nothing left
    await k.signal(c.st.pid, 'SIGKILL');
    expect((await k.wait(c.st.pid, 10_000))?.exitCode).toBe(137);
    const gone = events.find((e) => e.kind === 'unmount');
    expect(gone).toMatchObject({ target: c.merged });
    expect(gone?.command).toMatch(/^# .*unmounted by the kernel with the container's mount namespace/);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(c.merged);
    await destroy(k, c);
  });

  it('tells a failed root overlay mount by its command and first error, and a start that fails after it by the mount and its end', async () => {
    const { kernel: k, events } = realKernel();
    let cgroup = '';
    // the upper dir is gone: the overlay cannot be mounted (nor, then, proc and /dev on it)
    const err = await container(k, ['true'], { ownOverlay: true, beforeSpawn: (dir, cg) => { cgroup = cg; rmSync(`${dir}/upper`, { recursive: true }); } }).catch((e) => e);
    await k.cgroupRemove(cgroup);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.command).toMatch(/^mount -t overlay overlay -o lowerdir=/);
    expect(err.errno).toBe('ENOENT');
    expect(err.message).toMatch(/merged: special device overlay does not exist/);
    expect(err.message).not.toMatch(/proc/);
    expect(events.filter((e) => e.kind === 'mount' || e.kind === 'unmount')).toEqual([]);
    // a program that is not there: the overlay was mounted, and went with the namespace
    const missing = await container(k, ['nosuchprogram'], { ownOverlay: true, beforeSpawn: (_, cg) => (cgroup = cg) }).catch((e) => e);
    await k.cgroupRemove(cgroup);
    expect(missing).toBeInstanceOf(KernelError);
    expect(missing.errno).toBe('ENOENT');
    expect(missing.command ?? '').not.toMatch(/^mount /);
    expect(events.filter((e) => e.kind === 'mount' || e.kind === 'unmount').map((e) => e.kind)).toEqual(['mount', 'unmount']);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('/merged ');
  });

  it('starts the container with SIGINT and SIGQUIT at their default action, not ignored as a background job of the shim', async () => {
    if (!signalReset().length) {
      console.log('skipped: this host\'s env has no --default-signal (coreutils < 8.31)');
      return;
    }
    const c = await start(kernel, ['sh', '-c', 'sleep 61; exit $?']);
    const ignored = (pid: number) => BigInt(`0x${/^SigIgn:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]}`);
    // (a shell ignores SIGQUIT itself; SIGINT it must not have been handed ignored)
    expect(ignored(c.st.pid) & 0x2n).toBe(0n);
    // a child of PID 1 has neither ignored, and dies of SIGINT, as it would on the host
    let sleeper;
    for (let i = 0; i < 1000 && !sleeper; i++) {
      sleeper = (await kernel.processes(c.st.pid)).find((p) => p.argv[0] === 'sleep');
      if (!sleeper) await new Promise((r) => setTimeout(r, 10));
    }
    if (!sleeper) throw new Error('sleep did not start');
    expect(ignored(sleeper.pid) & 0x6n).toBe(0n);
    process.kill(sleeper.pid, 'SIGINT');
    const st = await kernel.wait(c.st.pid, 5000);
    expect(st?.exitCode).toBe(130);
  });

  it('counts only the container\'s own processes in its cgroup, not the unshare that waits for PID 1, and roots its cgroup namespace there', async () => {
    const c = await start(kernel, ['sh', '-c', 'cat /proc/self/cgroup; sleep 62; exit $?']);
    // seen from inside, its cgroup is the root of its cgroup namespace
    for (let i = 0; i < 1000 && !c.logText().includes(':/'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.logText()).toMatch(kernel.cgroups.layout === 'v2' ? /^0::\/$/m : /^\d+:pids:\/$/m);
    // then sh and its sleep: the group holds those two, and not the unshare that waits for sh
    // (the listing's own argv, not /proc/PID/cmdline read afterwards: cat may end in between)
    let procs: { pid: number; argv: string[] }[] = [];
    for (let i = 0; i < 1000 && !(procs.length === 2 && procs.some((p) => p.argv[0] === 'sleep')); i++) {
      procs = await kernel.processes(c.st.pid);
      await new Promise((r) => setTimeout(r, 10));
    }
    const own = procs.map((p) => p.pid).sort((a, b) => a - b);
    expect(own).toHaveLength(2);
    const inGroup = readFileSync(kernel.cgroups.procsFiles(`boxlab/${c.id}`)[0], 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
    expect(inGroup).toEqual(own);
    const parent = Number(readFileSync(`/proc/${c.st.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    expect(readFileSync(`/proc/${parent}/cmdline`, 'utf8').split('\0')[0]).toMatch(/unshare$/);
    expect(inGroup).not.toContain(parent);
  });

  it('configures a network namespace with one ip -batch, one event per line, and names the line that failed', async () => {
    const ns = `boxlab-cfg${process.pid}`;
    const veth = `boxlabc${process.pid % 100000}`;
    sh(`ip netns add ${ns}`);
    try {
      const seen: string[] = [];
      const off = kernel.on((e) => seen.push(e.command ?? ''));
      // the pair is made, then its host end cannot join a bridge that is not there: the error
      // names that command (ip does not say which line it could not parse: then it names each)
      const noBridge = await kernel.net.createVeth({ host: veth, peer: 'eth0', peerName: 'eth0', netns: ns, bridge: 'nosuchbridge' }).catch((e) => e);
      expect(noBridge.command).toContain(`ip link set ${veth} master nosuchbridge up`);
      expect(noBridge.errno).toBe('ENOENT');
      const err = await kernel.net.configure({ netns: ns, dev: 'eth0', cidr: '10.99.0.2/24', via: '10.99.0.1' }).catch((e) => e);
      off();
      // eth0 is there (the veth made it): every line ran, with an event each
      expect(err).toBeUndefined();
      expect(seen.filter((c) => c.includes(`-n ${ns}`))).toEqual([
        `ip -n ${ns} link set lo up  # line 1 of 4: ip -n ${ns} -batch -`,
        `ip -n ${ns} addr add 10.99.0.2/24 dev eth0  # line 2 of 4: ip -n ${ns} -batch -`,
        `ip -n ${ns} link set eth0 up  # line 3 of 4: ip -n ${ns} -batch -`,
        `ip -n ${ns} route add default via 10.99.0.1 dev eth0  # line 4 of 4: ip -n ${ns} -batch -`,
      ]);
      expect(sh(`ip -n ${ns} -4 -o addr show dev eth0`)).toContain('10.99.0.2/24');
      expect(sh(`ip -n ${ns} route`)).toContain('default via 10.99.0.1 dev eth0');
      // a line that fails stops the batch, and the error names that line's command
      const bad = await kernel.net.configure({ netns: ns, dev: 'nosuch0', cidr: '10.98.0.2/24', via: '10.98.0.1' }).catch((e) => e);
      expect(bad.command).toBe(`ip -n ${ns} addr add 10.98.0.2/24 dev nosuch0`);
      expect(bad.errno).toBe('ENOENT');
    } finally {
      sh(`ip link delete ${veth} 2>/dev/null || true; ip netns delete ${ns}`);
    }
  });

  it('drops SIGTERM to PID 1 without a handler, and SIGKILL ends it with 137', async () => {
    const c = await start(kernel, ['sleep', '60']);
    await kernel.signal(c.st.pid, 'SIGTERM');
    expect(await kernel.wait(c.st.pid, 300)).toBeNull();
    await kernel.signal(c.st.pid, 'SIGKILL');
    const st = await kernel.wait(c.st.pid, 5000);
    expect(st).toMatchObject({ state: 'exited', exitCode: 137, signal: 'SIGKILL', oomKilled: false });
  });

  it('refuses forks past pids.max', async () => {
    const c = await start(kernel, ['spawn', '10', '30'], { pids: '5' });
    const st = await kernel.wait(c.st.pid, 10_000);
    expect(st?.exitCode).toBe(1);
    expect(c.logText()).toContain("spawn: can't fork: Resource temporarily unavailable");
  });

  it('OOM-kills a process that allocates past memory.max (137, counted)', async () => {
    const c = await start(kernel, ['alloc', '64'], { memory: String(16 * 1024 * 1024) });
    const st = await kernel.wait(c.st.pid, 20_000);
    expect(st).toMatchObject({ exitCode: 137, oomKilled: true });
    expect(await kernel.cgroupRead(`boxlab/${c.id}`, 'memory.events')).toMatch(/oom_kill [1-9]/);
  });

  it('connects two containers on a bridge inside a throwaway network namespace', async () => {
    const outer = `boxlab-test-${process.pid}`;
    sh(`ip netns add ${outer}`);
    const { kernel: k } = realKernel({ hostNetns: outer });
    const nets: string[] = [];
    try {
      await k.net.ensureBridge('boxlab0', '10.99.0.1/24');
      const ids = ['a', 'b'];
      for (const [i, x] of ids.entries()) {
        const ns = `boxlab-${process.pid}${x}`;
        nets.push(ns);
        await k.net.createNetns(ns);
        await k.net.linkUp({ netns: ns, dev: 'lo' });
        await k.net.createVeth({ host: `boxlab${process.pid}${x}`, peer: 'eth0', peerName: 'eth0', netns: ns, bridge: 'boxlab0' });
        await k.net.addAddress({ netns: ns, dev: 'eth0', cidr: `10.99.0.${i + 2}/24` });
        await k.net.linkUp({ netns: ns, dev: 'eth0' });
        await k.net.addDefaultRoute({ netns: ns, via: '10.99.0.1', dev: 'eth0' });
      }
      const a = await start(k, ['sleep', '60'], { netns: nets[0] });
      const b = await start(k, ['ping', '-c', '1', '-W', '3', '10.99.0.2'], { netns: nets[1] });
      const st = await k.wait(b.st.pid, 10_000);
      expect(b.logText()).toContain('1 packets received');
      expect(st?.exitCode).toBe(0);
      const o = await k.observe(a.st.pid);
      expect(o.interfaces.find((i) => i.name === 'eth0')?.addrs).toContain('10.99.0.2/24');
    } finally {
      for (const c of made) await destroy(k, c);
      made = [];
      for (const ns of nets) await k.net.deleteNetns(ns).catch(() => {});
      sh(`ip netns delete ${outer}`);
    }
  });

  it('cleanup() finds and removes a container whose CLI died without tearing it down', async () => {
    const c = await container(kernel, ['sleep', '600']);
    sh(`ip netns add boxlab-orphan-${process.pid}`);
    const rep = await cleanup();
    expect(rep.killed.length).toBeGreaterThan(0);
    expect(rep.unmounted).toContain(c.merged);
    expect(rep.netns).toContain(`boxlab-orphan-${process.pid}`);
    expect(residue()).toBe('');
  });
});
