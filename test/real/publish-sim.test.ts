// -p without root: the spec is parsed as docker parses it (loopback only in the lab), recorded
// and shown in ps; in sim mode nothing listens, and one line says so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePublish } from '../../src/engine/containers/lifecycle.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
const home = mkdtempSync(join(tmpdir(), 'boxlab-pubsim-'));
const boxlab = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, BOXLAB_HOME: home, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('-p HOST:CONTAINER', () => {
  it('parses [127.0.0.1:]HOST:CONTAINER[/tcp] and refuses other addresses, protocols and ports', () => {
    expect(parsePublish('8080:80')).toEqual({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' });
    expect(parsePublish('127.0.0.1:8081:81/tcp')).toEqual({ hostIp: '127.0.0.1', hostPort: 8081, containerPort: 81, proto: 'tcp' });
    expect(() => parsePublish('0.0.0.0:8080:80')).toThrow(/127\.0\.0\.1 only/);
    expect(() => parsePublish('8080:80/udp')).toThrow(/publishing udp ports is not supported/);
    expect(() => parsePublish('70000:80')).toThrow(/invalid publish spec/);
    expect(() => parsePublish('80')).toThrow(/invalid publish spec/);
  });

  it('records and shows the port in sim mode, and says in one line that nothing listens there', () => {
    const r = boxlab('run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'sleep', '60');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => /nothing listens/.test(l))).toEqual([
      'boxlab: ports are recorded and shown in sim mode, but nothing listens on them (run with --real to serve them).',
    ]);
    expect(boxlab('ps', '--format', '{{.Names}} {{.Ports}}').stdout).toBe('web 127.0.0.1:8080->80/tcp\n');
    expect(boxlab('ps').stdout).toMatch(/PORTS\s+NAMES\n.*127\.0\.0\.1:8080->80\/tcp\s+web\n/);
    // inspect shows them as docker does: HostConfig.PortBindings and, while running, NetworkSettings.Ports
    const [ins] = JSON.parse(boxlab('inspect', 'web').stdout);
    expect(ins.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
    expect(ins.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
    // the command after the image is the container's, -p's value included
    expect(boxlab('run', '--rm', '-p', '9090:90', 'busybox', 'echo', 'hi').stdout).toBe('hi\n');
    expect(boxlab('rm', '-f', 'web').code).toBe(0);
  });
});
