// -p HOST:CONTAINER on the real kernel: a forwarder on 127.0.0.1 of the host side (here the
// test's throwaway network namespace, which holds the lab bridge) passes connections to the
// container's address; it lives and dies with the container.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, realBoxlab, residue, sh } from './helpers.js';

const NETNS = `boxlab-pubtest-${process.pid}`;
let home: string;

const boxlab = realBoxlab(() => home, NETNS);

const forwarders = () => sh("ps -eo pid,args | grep boxlab-forward | grep -v grep || true").trim();
const fetch = (port: number) => spawnSync('ip', ['netns', 'exec', NETNS, 'busybox', 'wget', '-qO-', `http://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: 10_000 });

describe.skipIf(!isRoot)('boxlab --real run -p', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-pub-'));
    sh(`ip netns add ${NETNS} && ip -n ${NETNS} link set lo up`);
  });

  afterAll(() => {
    boxlab('rm', '-f', 'web', 'web2');
    const r = boxlab('cleanup');
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(residue()).toBe('');
  });

  it('serves the container\'s httpd on 127.0.0.1:8080 of the host side, shown as docker shows it', () => {
    const r = boxlab('run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'sh', '-c', 'mkdir -p /www && echo hello from boxlab > /www/index.html && exec httpd -f -p 80 -h /www');
    expect(r.code, r.stderr).toBe(0);
    expect(boxlab('ps', '--format', '{{.Names}} {{.Ports}}').stdout).toBe('web 127.0.0.1:8080->80/tcp\n');
    expect(boxlab('ps').stdout).toMatch(/PORTS\s+NAMES\n.*127\.0\.0\.1:8080->80\/tcp\s+web\n/);
    let got = fetch(8080);
    for (let i = 0; i < 100 && got.stdout !== 'hello from boxlab\n'; i++) {
      spawnSync('sleep', ['0.1']);
      got = fetch(8080);
    }
    expect(got.stdout, got.stderr).toBe('hello from boxlab\n');
    expect(forwarders()).toContain('boxlab-forward.mjs');
    // the machine's own loopback has nothing on 8080 from boxlab: the forwarder is in the test's namespace
    expect(sh('ss -Hltn 2>/dev/null | grep -c "127.0.0.1:8080 " || true').trim()).toBe('0');
  });

  it('refuses a second container on a host port already published', () => {
    const r = boxlab('run', '-d', '--name', 'web2', '-p', '127.0.0.1:8080:80', 'busybox', 'sleep', '60');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/port is already allocated/);
    boxlab('rm', '-f', 'web2');
  });

  it('takes the forwarder away with the container', () => {
    expect(boxlab('rm', '-f', 'web').code).toBe(0);
    expect(forwarders()).toBe('');
    expect(fetch(8080).status).not.toBe(0);
  });

  it('fails the start, leaving nothing running, when something else holds the host port', async () => {
    const holder = spawn('ip', ['netns', 'exec', NETNS, process.execPath, '-e', "require('net').createServer().listen(8090, '127.0.0.1', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((res) => holder.stdout!.once('data', res));
      const r = boxlab('run', '-d', '--name', 'busy', '-p', '8090:80', 'busybox', 'sleep', '6071');
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/127\.0\.0\.1:8090.*(address already in use|EADDRINUSE)/i);
      expect(sh("ps -eo args | grep -x 'sleep 6071' || true").trim()).toBe('');
      expect(forwarders()).toBe('');
      expect(sh("grep ' /var/lib/boxlab/containers/' /proc/self/mountinfo || true")).toBe('');
      expect(boxlab('ps', '-a', '--filter', 'name=busy', '--format', '{{.State}}').stdout).toBe('created\n');
    } finally {
      if (holder.pid) process.kill(holder.pid, 'SIGKILL');
      boxlab('rm', '-f', 'busy');
    }
  });

  it('rejects a publish spec on another address', () => {
    const r = boxlab('run', '--rm', '-p', '0.0.0.0:8081:80', 'busybox', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/127\.0\.0\.1 only/);
  });
});
