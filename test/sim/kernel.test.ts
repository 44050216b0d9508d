import { describe, expect, it } from 'vitest';
import { SimKernel } from '../../src/kernel/sim/kernel.js';
import { container, execIn, simKernel } from '../helpers/sim.js';

describe('simulated kernel: processes and PID namespaces', () => {
  it("makes a container's first process PID 1 inside and another PID on the host", async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const inside = await kernel.processes(c.pid);
    expect(inside.map((p) => p.nsPid)).toEqual([1]);
    expect(inside[0].argv).toEqual(['sleep', '600']);
    expect(c.pid).toBeGreaterThan(1);
    const host = await kernel.processes(1);
    expect(host.some((p) => p.pid === c.pid && p.nsPid === c.pid)).toBe(true);
  });

  it('shows exec-ed processes in the container numbered from its own namespace', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const r = await execIn(kernel, c.pid, ['ps']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PID\s+USER\s+COMMAND$/);
    expect(lines[1]).toMatch(/^\s*1 root .*sleep 600$/);
    expect(lines.some((l) => /^\s*\d+ root .*ps$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('/sbin/init'))).toBe(false);
  });

  it('drops SIGTERM sent to a PID 1 that has no handler, as Linux does', async () => {
    const { kernel, events } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await kernel.signal(c.pid, 'SIGTERM');
    expect((await kernel.status(c.pid))?.state).not.toBe('exited');
    const ev = events.find((e) => e.kind === 'process.signal');
    expect(ev && 'delivered' in ev && ev.delivered).toBe(false);
  });

  it('ends PID 1 with SIGKILL from the host: exit 137', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await kernel.signal(c.pid, 'SIGKILL');
    const st = await kernel.status(c.pid);
    expect(st?.state).toBe('exited');
    expect(st?.exitCode).toBe(137);
  });

  it('runs a trap on SIGTERM when PID 1 is a shell that set one', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sh', '-c', "trap 'echo bye; exit 3' TERM; sleep 600"]);
    await kernel.signal(c.pid, 'SIGTERM');
    const st = await kernel.wait(c.pid, 1000);
    expect(st?.exitCode).toBe(3);
    expect(c.output().stdout).toBe('bye\n');
  });

  it('terminates a non-init process on SIGTERM with status 143', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const e = await kernel.exec(c.pid, { argv: ['sleep', '100'], env: {}, cwd: '/', log: '' });
    await kernel.signal(e.pid, 'SIGTERM');
    expect((await kernel.status(e.pid))?.exitCode).toBe(143);
  });

  it('kills every process in the namespace when its PID 1 exits', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'sleep 100 & sleep 5']);
    expect((await kernel.processes(c.pid)).length).toBe(3);
    const st = await kernel.wait(c.pid, 10_000);
    expect(st?.exitCode).toBe(0);
    const host = await kernel.processes(1);
    expect(host.filter((p) => p.argv.join(' ') === 'sleep 100')).toEqual([]);
  });

  it('wakes a sleeping process when its time comes, resuming the rest of the script', async () => {
    const { kernel, clock } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'echo start; sleep 30; echo done']);
    expect(c.output().stdout).toBe('start\n');
    clock.advance(29_000);
    expect((await kernel.status(c.pid))?.state).not.toBe('exited');
    clock.advance(1_000);
    expect((await kernel.status(c.pid))?.exitCode).toBe(0);
    expect(c.output().stdout).toBe('start\ndone\n');
  });
});

describe('simulated kernel: cgroup limits', () => {
  it('refuses a fork past pids.max with "Resource temporarily unavailable"', async () => {
    const { kernel, events } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'spawn 10'], { pids: '5' });
    const st = await kernel.wait(c.pid, 0);
    expect(st?.exitCode).toBe(1);
    expect(c.output().stderr).toContain('Resource temporarily unavailable');
    expect(events.some((e) => e.kind === 'process.fork-failed')).toBe(true);
    expect(await kernel.cgroupRead(c.cgroup, 'pids.events')).toMatch(/^max [1-9]/);
  });

  it('lets exactly pids.max processes live in the group, then refuses exec too', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'spawn 3; sleep 600'], { pids: '5' });
    // sh (PID 1) + 3 children + the foreground sleep reach the limit
    expect(Number(await kernel.cgroupRead(c.cgroup, 'pids.current'))).toBe(5);
    await expect(kernel.exec(c.pid, { argv: ['true'], env: {}, cwd: '/', log: '' })).rejects.toMatchObject({ errno: 'EAGAIN' });
  });

  it('OOM-kills a process that allocates past memory.max: exit 137, counted in memory.events', async () => {
    const { kernel, events } = simKernel();
    const c = await container(kernel, ['alloc', '64'], { memory: '16M' });
    const st = await kernel.status(c.pid);
    expect(st?.exitCode).toBe(137);
    expect(st?.oomKilled).toBe(true);
    expect(await kernel.cgroupRead(c.cgroup, 'memory.events')).toMatch(/oom_kill 1/);
    expect(events.some((e) => e.kind === 'process.oom-kill')).toBe(true);
  });

  it('keeps an allocation under memory.max alive and charges it to memory.current', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['alloc', '8'], { memory: '16M' });
    expect((await kernel.status(c.pid))?.state).not.toBe('exited');
    expect(Number(await kernel.cgroupRead(c.cgroup, 'memory.current'))).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('OOM-kills when memory.max is lowered below what the group uses', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['alloc', '32']);
    await kernel.cgroupWrite(c.cgroup, 'memory.max', '16M');
    expect((await kernel.status(c.pid))?.exitCode).toBe(137);
  });

  it('refuses an invalid memory.max value with EINVAL', async () => {
    const { kernel } = simKernel();
    await kernel.cgroupCreate('boxlab/x');
    await expect(kernel.cgroupWrite('boxlab/x', 'memory.max', '12XB')).rejects.toMatchObject({ errno: 'EINVAL' });
  });

  it('refuses to remove a cgroup that still has processes', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await expect(kernel.cgroupRemove(c.cgroup)).rejects.toMatchObject({ errno: 'EBUSY' });
  });
});

describe('simulated kernel: namespaces', () => {
  it('gives each container its own hostname (UTS namespace)', async () => {
    const { kernel } = simKernel();
    const a = await container(kernel, ['sleep', '600'], { hostname: 'alpha' });
    const b = await container(kernel, ['sleep', '600'], { hostname: 'beta' });
    expect((await execIn(kernel, a.pid, ['hostname'])).stdout).toBe('alpha\n');
    expect((await execIn(kernel, b.pid, ['hostname'])).stdout).toBe('beta\n');
    expect(kernel.info.hostname).not.toBe('alpha');
  });

  it('shows different namespace ids from the host for every unshared type, and the same user namespace', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const o = await kernel.observe(c.pid);
    for (const t of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const) expect(o.ns[t]).not.toBe(o.hostNs[t]);
    expect(o.ns.user).toBe(o.hostNs.user);
    const link = (await execIn(kernel, c.pid, ['readlink', '/proc/self/ns/uts'])).stdout.trim();
    expect(link).toBe(`uts:[${o.ns.uts}]`);
  });

  it('keeps a separate mount table per mount namespace', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const inside = (await execIn(kernel, c.pid, ['cat', '/proc/mounts'])).stdout;
    expect(inside.split('\n')[0]).toMatch(/^overlay \/ overlay .*lowerdir=/);
    const host = await kernel.observe(1);
    expect(host.mounts.find((m) => m.target === '/')?.fstype).toBe('ext4');
    expect(host.mounts.some((m) => m.target === `${c.dir}/merged` && m.fstype === 'overlay')).toBe(true);
  });

  it("mounts a spawn's root overlay in its own mount namespace, never the host's, and takes it down with it", async () => {
    const { kernel, events } = simKernel();
    const c = await container(kernel, ['sleep', '600'], { ownOverlay: true });
    const inside = (await execIn(kernel, c.pid, ['cat', '/proc/mounts'])).stdout;
    expect(inside.split('\n')[0]).toMatch(new RegExp(`^overlay / overlay .*upperdir=${c.dir}/upper`));
    await execIn(kernel, c.pid, ['sh', '-c', 'echo changed > /etc/motd']);
    expect(kernel.vfs.hostGet(`${c.dir}/upper/etc/motd`)).toMatchObject({ t: 'file', data: 'changed\n' });
    const host = await kernel.observe(1);
    expect(host.mounts.some((m) => m.target === `${c.dir}/merged`)).toBe(false);
    expect(events.find((e) => e.kind === 'mount' && e.fstype === 'overlay')?.command).toMatch(/ \/var\/lib\/boxlab\/containers\/\S+\/merged  # in the container's mount namespace/);
    await kernel.signal(c.pid, 'SIGKILL');
    await kernel.wait(c.pid, 0);
    const gone = events.filter((e) => e.kind === 'unmount');
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ target: `${c.dir}/merged` });
    expect(gone[0].command).toMatch(/^# .*unmounted by the kernel with the container's mount namespace/);
    // nothing to umount on the host
    await expect(kernel.unmount(`${c.dir}/merged`)).rejects.toMatchObject({ errno: 'EINVAL' });
  });

  it('refuses a root overlay for a process that keeps the host\'s mount namespace', async () => {
    const { kernel } = simKernel();
    await expect(kernel.spawn({ argv: ['true'], env: {}, cwd: '/', namespaces: { pid: 'new' }, rootfs: '/tmp', log: '/dev/null', overlay: { lower: ['/tmp'], upper: '/tmp', work: '/tmp', target: '/tmp' } }))
      .rejects.toMatchObject({ errno: 'EINVAL' });
  });

  it("writes a container's changes to its upper dir and leaves the image layer alone", async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await execIn(kernel, c.pid, ['sh', '-c', 'echo hi > /etc/motd; rm /etc/shells']);
    expect(kernel.vfs.hostGet(`${c.dir}/upper/etc/motd`)).toMatchObject({ t: 'file', data: 'hi\n' });
    expect(kernel.vfs.hostGet(`${c.dir}/upper/etc/shells`)).toMatchObject({ t: 'dev', major: 0, minor: 0 });
    expect(kernel.vfs.hostGet('/var/lib/boxlab/layers/base/diff/etc/shells')).toMatchObject({ t: 'file' });
  });

  it('does not let a container set its hostname or mount without CAP_SYS_ADMIN', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const r = await execIn(kernel, c.pid, ['hostname', 'other']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
});

describe('simulated kernel: namespace lifetime', () => {
  it("frees a container's namespaces when its last process exits, keeping a named net namespace", async () => {
    const { kernel } = simKernel();
    const before = Object.keys(kernel.st.namespaces).length;
    const c = await container(kernel, ['sleep', '5'], { netns: 'boxlab-keep', ip: '172.29.0.9' });
    const o = await kernel.observe(c.pid);
    await kernel.wait(c.pid, 10_000);
    for (const t of ['pid', 'mnt', 'uts', 'ipc', 'cgroup'] as const) expect(kernel.st.namespaces[o.ns[t]], t).toBeUndefined();
    expect(kernel.st.namespaces[o.ns.net]?.name).toBe('boxlab-keep');
    await kernel.net.deleteNetns('boxlab-keep');
    expect(Object.keys(kernel.st.namespaces).length).toBe(before);
  });
});

describe('simulated kernel: network', () => {
  it('lets two containers on the lab bridge reach each other', async () => {
    const { kernel } = simKernel();
    const a = await container(kernel, ['sleep', '600'], { netns: 'boxlab-a', ip: '172.29.0.2' });
    await container(kernel, ['sleep', '600'], { netns: 'boxlab-b', ip: '172.29.0.3' });
    const r = await execIn(kernel, a.pid, ['ping', '-c', '1', '172.29.0.3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 packets received');
  });

  it('cannot reach a container whose veth was deleted', async () => {
    const { kernel } = simKernel();
    const a = await container(kernel, ['sleep', '600'], { netns: 'boxlab-a', ip: '172.29.0.2' });
    const b = await container(kernel, ['sleep', '600'], { netns: 'boxlab-b', ip: '172.29.0.3' });
    await kernel.net.deleteLink(`boxlab${b.id}`);
    const r = await execIn(kernel, a.pid, ['ping', '-c', '1', '172.29.0.3']);
    expect(r.status).toBe(1);
  });

  it('gives a new network namespace only a loopback device', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const o = await kernel.observe(c.pid);
    expect(o.interfaces.map((i) => i.name)).toEqual(['lo']);
  });
});

describe('simulated kernel: state', () => {
  it('survives a JSON round trip: a sleeping container keeps sleeping and wakes on time', async () => {
    const { kernel, clock } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'sleep 60; echo woke']);
    const copy = new SimKernel({ state: JSON.parse(JSON.stringify(kernel.exportState())), clock });
    expect((await copy.status(c.pid))?.state).toBe('sleeping');
    clock.advance(60_000);
    expect((await copy.status(c.pid))?.exitCode).toBe(0);
    expect(c.output().stdout).toBe('woke\n');
  });
});
