// The CLI with --real on the real kernel: the same walkthrough as in sim mode, with the lab's
// bridge inside a throwaway network namespace (BOXLAB_HOST_NETNS), and nothing left afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, realBoxlab, residue, sh } from './helpers.js';

const NETNS = `boxlab-clitest-${process.pid}`;
let home: string;

const boxlab = realBoxlab(() => home, NETNS);

describe.skipIf(!isRoot)('boxlab --real, end to end', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-realcli-'));
    sh(`ip netns add ${NETNS}`);
  });

  afterAll(() => {
    boxlab('rm', '-f', 'web', 'peer');
    const r = boxlab('cleanup');
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(residue()).toBe('');
  });

  it('runs a command in a real container and passes its exit code through', () => {
    const r = boxlab('run', '--rm', 'busybox', 'sh', '-c', 'echo hi from $(hostname); exit 3');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^hi from [0-9a-f]{12}\n$/);
  });

  it('keeps a detached container whose process is PID 1 inside and another PID, in other namespaces, on the host', () => {
    expect(boxlab('run', '-d', '--name', 'web', 'busybox', 'sleep', '600').code).toBe(0);
    expect(boxlab('ps', '--format', '{{.Names}} {{.State}}').stdout).toBe('web running\n');
    expect(boxlab('exec', 'web', 'ps').stdout).toMatch(/\n\s+1 root\s+(\S+\s+)?sleep 600\n/);
    const pid = Number(boxlab('inspect', '-f', '{{.State.Pid}}', 'web').stdout.trim());
    expect(pid).toBeGreaterThan(1);
    for (const ns of ['pid', 'mnt', 'uts', 'net']) {
      expect(readlinkSync(`/proc/${pid}/ns/${ns}`), ns).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
    }
    // inspect shows the same: each namespace id beside the host's, and the real overlay at its root
    const seen = JSON.parse(boxlab('inspect', 'web').stdout)[0];
    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'cgroup']) {
      expect(seen.Boxlab.Namespaces[ns], ns).toEqual({ Container: readlinkSync(`/proc/${pid}/ns/${ns}`), Host: readlinkSync(`/proc/self/ns/${ns}`) });
    }
    const data = seen.GraphDriver.Data;
    expect(seen.Boxlab.RootMount).toMatchObject({ Source: 'overlay', FsType: 'overlay' });
    expect(seen.Boxlab.RootMount.Options.split(',')).toEqual(expect.arrayContaining([`lowerdir=${data.LowerDir}`, `upperdir=${data.UpperDir}`, `workdir=${data.WorkDir}`]));
    // that overlay is in the container's mount table, and never in the host's
    expect(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).toMatch(new RegExp(`^\\d+ \\d+ \\S+ / / \\S+ .*- overlay overlay .*upperdir=${data.UpperDir}`, 'm'));
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(data.MergedDir);
  });

  it('lets two containers on the lab bridge reach each other', () => {
    boxlab('run', '-d', '--name', 'peer', 'busybox', 'sleep', '600');
    const ip = boxlab('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'peer').stdout.trim();
    const r = boxlab('exec', 'web', 'ping', '-c', '1', '-W', '2', ip);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 packets received');
  });

  it('refuses a fork past --pids-limit and OOM-kills past --memory, as in sim mode', () => {
    const forks = boxlab('run', '--rm', '--pids-limit', '5', 'busybox', 'sh', '-c', 'spawn 10');
    expect(forks.code).toBe(1);
    expect(forks.stderr).toContain('Resource temporarily unavailable');
    expect(boxlab('run', '--name', 'hog', '--memory', '16m', 'busybox', 'alloc', '64').code).toBe(137);
    expect(boxlab('inspect', '-f', '{{.State.OOMKilled}}', 'hog').stdout).toBe('true\n');
    boxlab('rm', 'hog');
  });

  it('removes containers with rm -f and leaves no process, mount or cgroup of theirs', () => {
    const pid = Number(boxlab('inspect', '-f', '{{.State.Pid}}', 'web').stdout.trim());
    expect(boxlab('rm', '-f', 'web', 'peer').code).toBe(0);
    expect(spawnSync('kill', ['-0', String(pid)]).status).not.toBe(0);
    expect(sh("grep ' /var/lib/boxlab/containers/' /proc/self/mountinfo || true")).toBe('');
    expect(sh("find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path '*/boxlab/*' || true")).toBe('');
  });
});
