// simbox running on the simulated kernel (not the unit-test fake): what a student sees inside a
// container is what the kernel state says.
import { describe, expect, it } from 'vitest';
import { container, execIn, simKernel } from '../helpers/sim.js';

describe('simbox on the simulated kernel', () => {
  it('lists the busybox applets as symlinks in /bin', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    const r = await execIn(kernel, c.pid, ['ls', '-l', '/bin']);
    expect(r.stdout).toMatch(/lrwxrwxrwx .* sh -> busybox\n/);
    expect(r.stdout).toMatch(/-rwxr-xr-x .* busybox\n/);
  });

  it('shows the overlay as the root filesystem in mount and df', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    expect((await execIn(kernel, c.pid, ['mount'])).stdout.split('\n')[0]).toMatch(/^overlay on \/ type overlay \(rw,.*upperdir=.*\/upper,workdir=.*\/work\)$/);
    expect((await execIn(kernel, c.pid, ['df'])).stdout.split('\n')[1]).toMatch(/^overlay\s+\d+\s+\d+\s+\d+\s+\d+% \/$/);
  });

  it("reads the host's memory in free, not the cgroup limit (a classic surprise)", async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600'], { memory: '16M' });
    const mem = (await execIn(kernel, c.pid, ['free', '-m'])).stdout.split('\n')[1];
    expect(Number(mem.split(/\s+/)[1])).toBe(8192);
    expect((await execIn(kernel, c.pid, ['cat', '/sys/fs/cgroup/memory.max'])).stdout).toBe(`${16 * 1024 * 1024}\n`);
  });

  it('sees its own cgroup as / through the cgroup namespace', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    expect((await execIn(kernel, c.pid, ['cat', '/proc/self/cgroup'])).stdout).toBe('0::/\n');
    expect((await execIn(kernel, c.pid, ['cat', '/proc/1/cgroup'])).stdout).toBe('0::/\n');
  });

  it('cannot write the cgroup limits from inside: /sys/fs/cgroup is read-only', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600'], { pids: '10' });
    const r = await execIn(kernel, c.pid, ['sh', '-c', 'echo max > /sys/fs/cgroup/pids.max']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Read-only file system');
    expect(await kernel.cgroupRead(c.cgroup, 'pids.max')).toBe('10\n');
  });

  it('shows the address the kernel gave eth0 in ip addr', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600'], { netns: 'boxlab-n1', ip: '172.29.0.7' });
    const r = (await execIn(kernel, c.pid, ['ip', 'addr'])).stdout;
    expect(r).toMatch(/\d+: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP/);
    expect(r).toContain('inet 172.29.0.7/16');
  });

  it('cannot see host processes: ps lists only the container', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await container(kernel, ['sleep', '300']);
    const rows = (await execIn(kernel, c.pid, ['ps'])).stdout.trim().split('\n').slice(1);
    expect(rows.map((r) => r.trim().split(/\s+/).slice(2).join(' '))).toEqual(['sleep 600', 'ps']);
  });

  it('runs builtins at pids.max but refuses to fork the next command', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'spawn 9; echo still here; sleep 600'], { pids: '10' });
    const st = await kernel.wait(c.pid, 0);
    expect(st?.exitCode).toBe(2);
    expect(c.output().stdout).toBe('still here\n');
    expect(c.output().stderr).toBe("sh: can't fork: Resource temporarily unavailable\n");
  });

  it('ends a script with status 2 when a background fork fails, as ash does', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sh', '-c', 'sleep 60 & sleep 60 & sleep 60 & echo after'], { pids: '3' });
    const st = await kernel.wait(c.pid, 0);
    expect(st?.exitCode).toBe(2);
    expect(c.output().stdout).toBe('');
    expect(c.output().stderr).toBe("sh: can't fork: Resource temporarily unavailable\n");
  });

  it('runs a #!/bin/sh script from PATH, from the shell and as a process of its own', async () => {
    const { kernel } = simKernel();
    const c = await container(kernel, ['sleep', '600']);
    await execIn(kernel, c.pid, ['sh', '-c', "mkdir -p /usr/local/bin && printf '#!/bin/sh\\necho hello $1\\n' > /usr/local/bin/greet && chmod +x /usr/local/bin/greet"]);
    expect((await execIn(kernel, c.pid, ['sh', '-c', 'greet bob'])).stdout).toBe('hello bob\n');
    const direct = await execIn(kernel, c.pid, ['greet', 'ann']);
    expect(direct.stdout).toBe('hello ann\n');
    await execIn(kernel, c.pid, ['chmod', '-x', '/usr/local/bin/greet']);
    expect((await execIn(kernel, c.pid, ['sh', '-c', '/usr/local/bin/greet'])).status).toBe(126);
  });
});
