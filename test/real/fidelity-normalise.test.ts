// The fidelity test's normaliser masks what the two kernels choose differently and nothing more:
// a difference in anything else must still show.
import { describe, expect, it } from 'vitest';
import { normalise, shownOf } from './fidelity-scenarios.js';

describe('fidelity normaliser', () => {
  it('masks ids, digests, namespace inodes, lab addresses, MACs and veth peer indexes', () => {
    const id = 'a'.repeat(30) + '0123456789'.repeat(3) + 'bcde';
    expect(normalise(`${id}\nsha256:${'f'.repeat(64)}\n3fe37f804907\n926102385963\n`)).toBe('<ID>\nsha256:<DIGEST>\n<ID>\n<ID>\n');
    expect(normalise('pid:[4026532177] net:[4026531840]')).toBe('pid:[<NS>] net:[<NS>]');
    expect(normalise('inet 172.29.0.7/16 via 172.29.0.1')).toBe('inet <IP>/16 via <IP>');
    expect(normalise('2: eth0@if42: <UP>\\    link/ether da:ff:8d:c1:7c:c7 brd')).toBe('2: eth0@if<N>: <UP>\\    link/ether <MAC> brd');
  });

  it('masks PIDs other than 1 in ps output only', () => {
    expect(normalise('PID   USER     COMMAND\n    1 root     sleep 600\n   16 root     ps\n')).toBe('PID   USER     COMMAND\n    1 root     sleep 600\n<PID> root     ps\n');
    expect(normalise('2\n16 files\n')).toBe('2\n16 files\n');
  });

  it('leaves alone what must match: loopback and other addresses, words, counts, exit codes', () => {
    const text = 'inet 127.0.0.1/8 scope host lo\n10.0.0.2\n192.168.1.1\nexited 137\nhello world\nuid=0(root) gid=0(root)\n';
    expect(normalise(text)).toBe(text);
  });

  it('masks a host PID only where a step says so, and never the 1 it is inside', () => {
    const r = (stdout: string) => ({ exitCode: 0, stdout, stderr: '', events: [] });
    expect(shownOf(r('3267\n'), { args: [], number: true }).stdout).toBe('<NUMBER>\n');
    expect(shownOf(r('1\n'), { args: [], number: true }).stdout).toBe('1\n');
    expect(shownOf(r('3267\n'), { args: [] }).stdout).toBe('3267\n');
  });
});
