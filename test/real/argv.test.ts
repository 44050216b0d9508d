// Argument and file building of the real kernel, without root: cgroup drivers on a temp root.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupV1 } from '../../src/kernel/real/cgroups-v1.js';
import { CgroupV2 } from '../../src/kernel/real/cgroups-v2.js';
import { overlayArgv, parseMountinfo } from '../../src/kernel/real/mounts.js';
import { namespaceArgv } from '../../src/kernel/real/namespaces.js';
import { setprivArgv } from '../../src/kernel/real/kernel.js';

const roots: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'boxlab-cg-'));
  roots.push(d);
  return d;
};
afterEach(() => roots.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('real kernel argv and files', () => {
  it('maps v2 limit names to v1 files (memory.limit_in_bytes, cfs quota/period)', () => {
    const root = tmp();
    const v1 = new CgroupV1(root, 'hybrid');
    v1.create('boxlab/c1');
    v1.write('boxlab/c1', 'memory.max', '20971520');
    v1.write('boxlab/c1', 'cpu.max', '50000 100000');
    expect(readFileSync(`${root}/memory/boxlab/c1/memory.limit_in_bytes`, 'utf8')).toBe('20971520');
    expect(readFileSync(`${root}/cpu/boxlab/c1/cpu.cfs_quota_us`, 'utf8')).toBe('50000');
    writeFileSync(`${root}/memory/boxlab/c1/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    writeFileSync(`${root}/memory/boxlab/c1/memory.failcnt`, '7\n');
    expect(v1.read('boxlab/c1', 'memory.events')).toContain('oom_kill 2');
    expect(v1.procsFiles('boxlab/c1')).toEqual(['memory', 'pids', 'cpu'].map((c) => `${root}/${c}/boxlab/c1/cgroup.procs`));
  });

  it('puts a v1 group in the devices hierarchy too, denying all but the standard nodes', () => {
    const root = tmp();
    mkdirSync(`${root}/devices`, { recursive: true });
    writeFileSync(`${root}/devices/devices.deny`, '');
    const v1 = new CgroupV1(root, 'hybrid');
    const cmd = v1.create('boxlab/c3');
    expect(cmd).toContain(`echo 'a' > ${root}/devices/boxlab/c3/devices.deny`);
    expect(cmd).toContain(`echo 'c 1:3 rwm' > ${root}/devices/boxlab/c3/devices.allow`);
    expect(readFileSync(`${root}/devices/boxlab/c3/devices.deny`, 'utf8')).toBe('a');
    expect(v1.procsFiles('boxlab/c3')).toContain(`${root}/devices/boxlab/c3/cgroup.procs`);
  });

  it('refuses cgroups outside the boxlab parent', () => {
    expect(() => new CgroupV1(tmp()).create('system.slice')).toThrow(/boxlab/);
    expect(() => new CgroupV2(tmp()).write('boxlab/../x', 'pids.max', '1')).toThrow(/boxlab/);
  });

  it('writes v2 files as named and finds the CLI home group', () => {
    const root = tmp();
    mkdirSync(root, { recursive: true });
    const v2 = new CgroupV2(root);
    v2.create('boxlab/c2');
    v2.write('boxlab/c2', 'pids.max', '10');
    expect(readFileSync(`${root}/boxlab/c2/pids.max`, 'utf8')).toBe('10');
    expect(v2.homeProcsFiles('0::/user.slice\n')).toEqual([`${root}/user.slice/cgroup.procs`]);
  });

  it('builds nsenter for a named netns and unshare for new namespaces', () => {
    const a = namespaceArgv({ pid: 'new', mnt: 'new', uts: 'new', net: { netns: 'boxlab-x' } });
    expect(a.join).toEqual(['nsenter', '--net=/run/netns/boxlab-x']);
    expect(a.unshare).toEqual(['unshare', '--pid', '--fork', '--mount', '--uts', '--propagation', 'private']);
    expect(overlayArgv({ lower: ['/l2', '/l1'], upper: '/u', work: '/w', target: '/m' })).toEqual(['mount', '-t', 'overlay', 'overlay', '-o', 'lowerdir=/l2:/l1,upperdir=/u,workdir=/w', '/m']);
    expect(setprivArgv(['kill'])).toEqual(['setpriv', '--no-new-privs', '--inh-caps=-all,+kill', '--bounding-set=-all,+kill']);
  });

  it('parses mountinfo lines', () => {
    const m = parseMountinfo('63 42 0:39 / /var/lib/boxlab/a\\040b rw,relatime - overlay overlay rw,lowerdir=/l\n');
    expect(m).toEqual([{ source: 'overlay', target: '/var/lib/boxlab/a b', fstype: 'overlay', options: ['rw', 'relatime', 'lowerdir=/l'] }]);
  });
});
