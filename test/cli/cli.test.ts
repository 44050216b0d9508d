import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
let home: string;

/** Run boxlab without waiting, to have two commands at once. */
function boxlabAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, BOXLAB_HOME: home, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function boxlab(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, BOXLAB_HOME: home, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'boxlab-cli-'));
});
afterAll(() => {
  boxlab('rm', '-f', 'web', 'web2');
  rmSync(home, { recursive: true, force: true });
});

describe('boxlab CLI, end to end in sim mode', () => {
  it('takes a one-character name, saying that Docker would refuse it, and refuses what Docker refuses for its characters', () => {
    const run = boxlab('run', '-d', '--name', 'a', 'busybox', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: Docker refuses one-character names/);
    expect(boxlab('inspect', '-f', '{{.Name}} {{.State.Status}}', 'a').stdout).toBe('/a running\n');
    expect(boxlab('rm', '-f', 'a').code).toBe(0);
    // two characters or more: no note
    expect(boxlab('create', '--name', 'ab', 'busybox', 'true').stderr).not.toMatch(/note:/);
    expect(boxlab('rm', 'ab').code).toBe(0);
    for (const bad of ['-a', '.a', 'a/b', 'a b']) {
      const r = boxlab('create', `--name=${bad}`, 'busybox', 'true');
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(new RegExp(`^boxlab: Invalid container name \\(${bad.replace(/[./]/g, '\\$&')}\\), only \\[a-zA-Z0-9\\]\\[a-zA-Z0-9_.-\\] are allowed\\.`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('prints its version from package.json', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    expect(boxlab('--version').stdout.trim()).toBe(pkg.version);
  });

  it('runs the walkthrough: run -d, ps, exec ps, exec hostname, pids limit, rm -f', () => {
    const run = boxlab('run', '-d', '--name', 'web', 'busybox', 'sleep', '600');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ps = boxlab('ps');
    expect(ps.code).toBe(0);
    const [header, row] = ps.stdout.trim().split('\n');
    expect(header).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(row).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sleep 600"\\s+.+ ago\\s+Up .+\\s+web$`));

    // inspect shows what the kernel holds for it: new namespaces beside the host's (the user
    // namespace is the host's own), and an overlay at its root over the image's layers
    const seen = JSON.parse(boxlab('inspect', 'web').stdout)[0];
    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup']) {
      expect(seen.Boxlab.Namespaces[ns].Container, ns).toMatch(new RegExp(`^${ns}:\\[\\d+\\]$`));
      expect(seen.Boxlab.Namespaces[ns].Container, ns).not.toBe(seen.Boxlab.Namespaces[ns].Host);
    }
    expect(seen.Boxlab.Namespaces.user.Container).toBe(seen.Boxlab.Namespaces.user.Host);
    expect(seen.Boxlab.RootMount.FsType).toBe('overlay');
    expect(seen.Boxlab.RootMount.Options).toContain(`lowerdir=${seen.GraphDriver.Data.LowerDir},upperdir=${seen.GraphDriver.Data.UpperDir}`);

    const inside = boxlab('exec', 'web', 'ps');
    expect(inside.code).toBe(0);
    expect(inside.stdout.split('\n')[1]).toMatch(/^\s+1 root\s+sleep 600$/);

    expect(boxlab('exec', 'web', 'hostname').stdout).toBe(`${id.slice(0, 12)}\n`);

    const forks = boxlab('run', '--rm', '--pids-limit', '5', 'busybox', 'sh', '-c', 'spawn 10');
    expect(forks.code).toBe(1);
    expect(forks.stderr).toContain('Resource temporarily unavailable');

    const rm = boxlab('rm', '-f', 'web');
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe('web\n');
    expect(boxlab('ps', '-a', '-q').stdout).toBe('');
  });

  it('shows the host PID of the container process in top and inspect, and it is not 1', () => {
    boxlab('run', '-d', '--name', 'web2', 'busybox', 'sleep', '600');
    const pid = boxlab('inspect', '-f', '{{.State.Pid}}', 'web2').stdout.trim();
    expect(Number(pid)).toBeGreaterThan(1);
    const top = boxlab('top', 'web2').stdout;
    expect(top.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(top).toMatch(new RegExp(`root\\s+${pid}\\s+.*sleep 600`));
    const json = JSON.parse(boxlab('ps', '--json').stdout);
    expect(json.find((r: { Names: string }) => r.Names === 'web2').State).toBe('running');
    expect(boxlab('ps', '--format', '{{.Names}}: {{.State}}').stdout).toBe('web2: running\n');
    boxlab('rm', '-f', 'web2');
  });

  it('manages volumes: create, ls, inspect, rm', () => {
    expect(boxlab('volume', 'create', 'data').stdout).toBe('data\n');
    expect(boxlab('volume', 'ls').stdout).toMatch(/^DRIVER\s+VOLUME NAME\nlocal\s+data\n$/);
    expect(JSON.parse(boxlab('volume', 'inspect', 'data').stdout)[0]).toMatchObject({ Name: 'data', Driver: 'local' });
    expect(boxlab('volume', 'rm', 'data').code).toBe(0);
    expect(boxlab('volume', 'ls', '-q').stdout).toBe('');
  });

  it('refuses an invalid size in one line with exit 125 and no stack trace', () => {
    const r = boxlab('run', '--memory', '12XB', 'busybox', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("invalid size: '12XB'");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('exits 2 on an unknown flag, before doing anything', () => {
    const r = boxlab('ps', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Unknown argument: bogus/);
    boxlab('run', '-d', '--name', 'keep', 'busybox', 'sleep', '600');
    expect(boxlab('rm', '-f', 'keep', '--bogus').code).toBe(2);
    expect(boxlab('ps', '--format', '{{.Names}}').stdout).toBe('keep\n');
    boxlab('rm', '-f', 'keep');
  });

  it('lets two commands change the lab at once without losing either', async () => {
    const [a, b] = await Promise.all([
      boxlabAsync('run', '-d', '--name', 'twin1', 'busybox', 'sleep', '600'),
      boxlabAsync('run', '-d', '--name', 'twin2', 'busybox', 'sleep', '600'),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const ips = boxlab('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'twin1', 'twin2').stdout.trim().split('\n');
    expect(ips).toHaveLength(2);
    expect(ips[0]).not.toBe(ips[1]);
    boxlab('rm', '-f', 'twin1', 'twin2');
  });

  it('keeps the output and exit code of run --rm while other commands look at the lab', async () => {
    const run = boxlabAsync('run', '--rm', 'busybox', 'sh', '-c', 'sleep 1; echo hi; exit 3');
    let done = false;
    void run.then(() => (done = true));
    while (!done) await boxlabAsync('ps', '-a');
    const r = await run;
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(3);
  });

  it('filters ps by status and prints only ids with -q', () => {
    boxlab('run', '--name', 'ended', 'busybox', 'true');
    boxlab('run', '-d', '--name', 'alive', 'busybox', 'sleep', '600');
    expect(boxlab('ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}').stdout).toBe('ended\n');
    expect(boxlab('ps', '-q').stdout).toMatch(/^[0-9a-f]{12}\n$/);
    expect(boxlab('ps', '--filter', 'status=bogus').code).toBe(1);
    boxlab('rm', '-f', 'ended', 'alive');
  });

  it('writes --cpus into cpu.max, readable inside the container', () => {
    boxlab('run', '-d', '--name', 'cpu', '--cpus', '0.5', 'busybox', 'sleep', '600');
    expect(boxlab('exec', 'cpu', 'cat', '/sys/fs/cgroup/cpu.max').stdout).toBe('50000 100000\n');
    expect(boxlab('inspect', '-f', '{{.HostConfig.NanoCpus}}', 'cpu').stdout).toBe('500000000\n');
    boxlab('rm', '-f', 'cpu');
  });

  it('creates, then starts attached, then shows the logs', () => {
    expect(boxlab('create', '--name', 'job', 'busybox', 'sh', '-c', 'echo one; echo two').code).toBe(0);
    expect(boxlab('ps', '-a', '--filter', 'name=job', '--format', '{{.Status}}').stdout).toBe('Created\n');
    const r = boxlab('start', '-a', 'job');
    expect(r.stdout).toBe('one\ntwo\n');
    expect(boxlab('logs', '--tail', '1', 'job').stdout).toBe('two\n');
    boxlab('rm', 'job');
  });

  it('kills with the signal asked for, and reports OOMKilled after a memory hog', () => {
    boxlab('run', '-d', '--name', 'victim', 'busybox', 'sh', '-c', "trap 'exit 5' USR1; sleep 600");
    expect(boxlab('kill', '-s', 'USR1', 'victim').code).toBe(0);
    expect(boxlab('inspect', '-f', '{{.State.ExitCode}}', 'victim').stdout).toBe('5\n');
    expect(boxlab('run', '--name', 'hog', '--memory', '16m', 'busybox', 'alloc', '64').code).toBe(137);
    expect(boxlab('inspect', '-f', '{{.State.OOMKilled}}', 'hog').stdout).toBe('true\n');
    boxlab('rm', 'victim', 'hog');
  });

  it('prunes unused anonymous volumes from the CLI', () => {
    boxlab('run', '--rm', '-v', '/gone', 'busybox', 'true'); // --rm takes its anonymous volume along
    boxlab('run', '--name', 'anon', '-v', '/scratch', 'busybox', 'true');
    boxlab('rm', 'anon'); // without -v the anonymous volume stays
    boxlab('volume', 'create', 'named');
    expect(boxlab('volume', 'ls', '-q').stdout.trim().split('\n')).toHaveLength(2);
    const r = boxlab('volume', 'prune', '-f');
    expect(r.stdout).toMatch(/^Deleted Volumes:\n[0-9a-f]{64}\n/);
    expect(boxlab('volume', 'ls', '-q').stdout).toBe('named\n');
    boxlab('volume', 'rm', 'named');
  });

  it('names an unknown container, exit 1', () => {
    const r = boxlab('stop', 'ghost');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^boxlab: No such container: ghost/);
  });

  it('refuses rm of a running container without -f, exit 1', () => {
    boxlab('run', '-d', '--name', 'web', 'busybox', 'sleep', '600');
    const r = boxlab('rm', 'web');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('You cannot remove a running container');
    boxlab('rm', '-f', 'web');
  });

  it('passes the container exit code through run', () => {
    expect(boxlab('run', '--rm', 'busybox', 'sh', '-c', 'exit 42').code).toBe(42);
    expect(boxlab('run', '--rm', 'busybox', 'nosuchcmd').code).toBe(127);
  });

  const root = process.platform === 'linux' && process.getuid?.() === 0;

  it.skipIf(root)('says in one line why real mode cannot run here, and how to go on', () => {
    const r = boxlab('--real', 'ps');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Real mode cannot run here: .*Continue in sim mode/);
  });

  it.skipIf(!root)('lists containers in real mode when it can run (root on Linux)', () => {
    const r = boxlab('--real', 'ps');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CONTAINER ID/);
  });

  it('has --help with an example on every verb', () => {
    for (const verb of ['run', 'create', 'start', 'stop', 'kill', 'restart', 'rm', 'ps', 'logs', 'exec', 'inspect', 'wait', 'top']) {
      const r = boxlab(verb, '--help');
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toMatch(/Examples:/);
    }
  });

  it("runs every command of the tour as written (the -it one is tested in a terminal)", async () => {
    const { TOUR_STEPS } = await import('../../src/cli/commands/system.js');
    const expected: Record<string, number> = { "run --rm --pids-limit 5 busybox sh -c 'spawn 10'": 1, 'run --rm --memory 16m busybox alloc 64': 137 };
    for (const [cmd] of TOUR_STEPS) {
      if (cmd.includes('-it')) continue;
      const words = cmd.match(/'[^']*'|\S+/g)!.map((w) => w.replace(/^'(.*)'$/, '$1'));
      expect(boxlab(...words).code, cmd).toBe(expected[cmd] ?? 0);
    }
  });

  it('reports what this machine can do in doctor --json', () => {
    const r = boxlab('doctor', '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    const names = d.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['root', 'overlayfs', 'cgroups', 'busybox']));
    const root = process.platform === 'linux' && process.getuid?.() === 0;
    // CI runs as root with busybox-static, util-linux and iproute2 installed: real mode is ready there
    expect(d.realReady).toBe(root);
    if (!d.realReady) expect(d.why.length).toBeGreaterThan(0);
  });

  it('reports a damaged state file in one line and keeps going after reset', () => {
    boxlab('run', '--name', 'once', 'busybox', 'true');
    // the backup is the version before the last change: a second command makes one
    boxlab('run', '--name', 'twice', 'busybox', 'true');
    writeFileSync(join(home, 'sim', 'lab.json'), '{"version":1,"engi');
    const r = boxlab('ps');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is damaged .*lab\.json\.bak/);
    expect(boxlab('reset', '--restore').code).toBe(0);
    expect(boxlab('ps', '-a', '--format', '{{.Names}}').stdout.split('\n')).toContain('once');
    expect(boxlab('reset').code).toBe(0);
    expect(boxlab('ps', '-a', '-q').stdout).toBe('');
  });
});
