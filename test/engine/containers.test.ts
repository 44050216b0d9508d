import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findContainer } from '../../src/engine/containers/lifecycle.js';
import { Engine, type Io } from '../../src/engine/engine.js';
import { LabBusy, UserError } from '../../src/engine/errors.js';
import { Lab } from '../../src/engine/lab.js';
import { createKernel } from '../../src/kernel/index.js';
import { fakeClock } from '../helpers/clock.js';

function capture(): Io & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (o.stdout += t),
    err: (t: string) => void (o.stderr += t),
  };
  return o;
}

const homes: string[] = [];
const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.dispose();
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function lab(home: string | null = null) {
  const clock = fakeClock();
  const l = new Lab({ mode: 'sim', home, clock, lockWaitMs: 300, kernel: createKernel });
  labs.push(l);
  const engine = new Engine(l, clock);
  return { lab: l, engine, clock };
}

function tempHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'boxlab-home-'));
  homes.push(h);
  return h;
}

describe('containers: run and lifecycle', () => {
  it('a new run reuses the name and the host port of a detached --rm container that has ended, and leaves others as they were', async () => {
    const { engine, clock } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'sleep 1'], name: 'web', autoRemove: true, detach: true, publish: ['8080:80'] }, capture());
    await engine.run({ image: 'busybox', cmd: ['sleep', '1'], name: 'other', detach: true }, capture());
    await clock.sleep(2000);
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true, publish: ['8080:80'] }, capture());
    const states = await engine.tx(async (tx) => Object.values(tx.state.containers).map((c) => `${c.name}:${c.state.status}`).sort());
    // "other" ended too, but nothing this run needed looked at it yet: ps will
    expect(states).toEqual(['other:running', 'web:running']);
    const seen = await engine.view((tx) => Object.values(tx.state.containers).map((c) => `${c.name}:${c.state.status}`).sort());
    expect(seen).toEqual(['other:exited', 'web:running']);
  });

  it('runs a command to completion and removes the container with --rm', async () => {
    const { engine } = lab();
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['echo', 'hello'], autoRemove: true }, io);
    expect(r.exitCode).toBe(0);
    expect(io.stdout).toBe('hello\n');
    expect(await engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(0);
    expect(await engine.view((tx) => Object.keys(tx.state.ipam.allocated).length)).toBe(0);
  });

  it('pulls the base image the first time, as docker run does', async () => {
    const { engine } = lab();
    const io = capture();
    await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true }, io);
    expect(io.stderr).toContain("Unable to find image 'busybox:latest' locally");
    const io2 = capture();
    await engine.run({ image: 'busybox', cmd: ['true'], autoRemove: true }, io2);
    expect(io2.stderr).toBe('');
  });

  it('keeps a detached container running; exec sees its command as PID 1 and its own hostname', async () => {
    const { engine } = lab();
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, io);
    expect(io.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const ps = capture();
    expect(await engine.exec('web', ['ps'], {}, ps)).toBe(0);
    expect(ps.stdout).toMatch(/\n\s+1 root\s+sleep 600\n/);
    const hn = capture();
    await engine.exec('web', ['hostname'], {}, hn);
    expect(hn.stdout).toBe(`${r.id.slice(0, 12)}\n`);
    expect(await engine.view((tx) => findContainer(tx, 'web').state.status)).toBe('running');
  });

  it('records the exit of a detached container when its process ends', async () => {
    const { engine, clock } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'sleep 5; exit 3'], name: 'job', detach: true }, capture());
    clock.advance(5_000);
    const c = await engine.view((tx) => structuredClone(findContainer(tx, 'job')));
    expect(c.state.status).toBe('exited');
    expect(c.state.exitCode).toBe(3);
  });

  it('stops a PID 1 that ignores SIGTERM with SIGKILL after the timeout: exit 137', async () => {
    const { engine, clock } = lab();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, capture());
    const t0 = clock.now();
    const c = await engine.stop('web');
    expect(c.state.exitCode).toBe(137);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(10_000);
  });

  it('stops at once a shell that traps SIGTERM, with the exit code it chose', async () => {
    const { engine, clock } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', "trap 'exit 0' TERM; sleep 600"], name: 'web', detach: true }, capture());
    const t0 = clock.now();
    const c = await engine.stop('web', 30);
    expect(c.state.exitCode).toBe(0);
    expect(clock.now() - t0).toBeLessThan(1_000);
  });

  it('restarts a container with the same address and counts the restart', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, capture());
    const ip = await engine.view((tx) => findContainer(tx, 'web').network.ip);
    await engine.restart('web', 0);
    const c = await engine.view((tx) => structuredClone(findContainer(tx, 'web')));
    expect(c.state.status).toBe('running');
    expect(c.restartCount).toBe(1);
    expect(c.network.ip).toBe(ip);
  });

  it('refuses to remove a running container without -f, and removes it with -f', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, capture());
    await expect(engine.rm('web', {})).rejects.toThrow(/You cannot remove a running container/);
    await engine.rm('web', { force: true });
    await expect(engine.view((tx) => findContainer(tx, 'web'))).rejects.toThrow('No such container: web');
  });

  it('gives each container the lowest free address and reuses it after rm', async () => {
    const { engine } = lab();
    for (const name of ['aa', 'bb']) await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name, detach: true }, capture());
    const ips = await engine.view((tx) => ['aa', 'bb'].map((n) => findContainer(tx, n).network.ip));
    expect(ips).toEqual(['172.29.0.2', '172.29.0.3']);
    await engine.rm('aa', { force: true });
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'cc', detach: true }, capture());
    expect(await engine.view((tx) => findContainer(tx, 'cc').network.ip)).toBe('172.29.0.2');
  });

  it('lets two containers on the lab bridge ping each other by address', async () => {
    const { engine } = lab();
    for (const name of ['aa', 'bb']) await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name, detach: true }, capture());
    const io = capture();
    expect(await engine.exec('aa', ['ping', '-c', '2', '172.29.0.3'], {}, io)).toBe(0);
    expect(io.stdout).toContain('2 packets transmitted, 2 packets received, 0% packet loss');
  });
});

describe('the simulated hub', () => {
  it('has hello-world, a single program and no shell', async () => {
    const { engine } = lab();
    const io = capture();
    expect((await engine.run({ image: 'hello-world', cmd: [], autoRemove: true }, io)).exitCode).toBe(0);
    expect(io.stdout).toContain('Hello from boxlab!');
    const err = await engine.run({ image: 'hello-world', cmd: ['sh'], autoRemove: true }, capture()).catch((e) => e);
    expect(err.exitCode).toBe(127);
  });

  it("has alpine: busybox's userland with Alpine's release files", async () => {
    const { engine } = lab();
    const io = capture();
    await engine.run({ image: 'alpine', cmd: ['cat', '/etc/alpine-release'], autoRemove: true }, io);
    expect(io.stdout).toBe('3.20.3\n');
  });

  it('names what it has when asked for something else', async () => {
    const { engine } = lab();
    const err = await engine.run({ image: 'nginx', cmd: [] }, capture()).catch((e) => e);
    expect(err.message).toContain('busybox:latest, alpine:latest, hello-world:latest');
  });
});

describe('containers: logs and wait', () => {
  it('shows the last lines with --tail, stdout and stderr apart', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'echo 1; echo 2; echo oops >&2; echo 3'], name: 'job' }, capture());
    const io = capture();
    await engine.logs('job', { tail: 2 }, io);
    expect(io.stdout).toBe('3\n');
    expect(io.stderr).toBe('oops\n');
  });

  it('follows the log until the container exits with -f', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'echo a; sleep 5; echo b'], name: 'job', detach: true }, capture());
    const io = capture();
    await engine.logs('job', { follow: true }, io);
    expect(io.stdout).toBe('a\nb\n');
  });

  it('waits for the exit and returns its code', async () => {
    const { engine, clock } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'sleep 30; exit 7'], name: 'job', detach: true }, capture());
    const t0 = clock.now();
    expect(await engine.wait('job')).toBe(7);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(30_000);
  });
});

describe('containers: a web server between containers', () => {
  it('serves a page with busybox httpd that another container fetches with wget', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', name: 'web', detach: true, cmd: ['sh', '-c', 'mkdir /www && echo "<h1>hi</h1>" > /www/index.html && httpd -f -p 8080 -h /www'] }, capture());
    const ip = await engine.view((tx) => findContainer(tx, 'web').network.ip);
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['wget', '-q', '-O', '-', `http://${ip}:8080/`], autoRemove: true }, io);
    expect(r.exitCode).toBe(0);
    expect(io.stdout).toBe('<h1>hi</h1>\n');
    const missing = capture();
    expect((await engine.run({ image: 'busybox', cmd: ['wget', '-q', '-O', '-', `http://${ip}:8080/nope`], autoRemove: true }, missing)).exitCode).toBe(1);
    expect(missing.stderr).toContain('404 Not Found');
    const refused = capture();
    expect((await engine.run({ image: 'busybox', cmd: ['wget', '-q', '-O', '-', `http://${ip}:9999/`], autoRemove: true }, refused)).exitCode).toBe(1);
    expect(refused.stderr).toContain('Connection refused');
  });

  it('daemonizes httpd without -f, so a container whose PID 1 is httpd exits at once, as with busybox', async () => {
    const { engine } = lab();
    const r = await engine.run({ image: 'busybox', cmd: ['httpd', '-p', '80', '-h', '/'], autoRemove: true }, capture());
    expect(r.exitCode).toBe(0);
  });
});

describe('containers: layers and volumes', () => {
  it('loses the writable layer with the container', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'echo x > /note'], name: 'aa' }, capture());
    await engine.rm('aa', {});
    const io = capture();
    const code = await engine.run({ image: 'busybox', cmd: ['cat', '/note'], autoRemove: true }, io);
    expect(code.exitCode).toBe(1);
    expect(io.stderr).toContain("can't open '/note'");
  });

  it('keeps a named volume after the container that wrote it is gone', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'echo kept > /data/f'], volumes: ['data:/data'], autoRemove: true }, capture());
    const io = capture();
    await engine.run({ image: 'busybox', cmd: ['cat', '/data/f'], volumes: ['data:/data'], autoRemove: true }, io);
    expect(io.stdout).toBe('kept\n');
  });

  it('refuses to remove a volume a container uses', async () => {
    const { engine } = lab();
    const { removeVolume } = await import('../../src/engine/volumes/volumes.js');
    await engine.run({ image: 'busybox', cmd: ['true'], volumes: ['data:/data'], name: 'aa' }, capture());
    await expect(engine.tx((tx) => removeVolume(tx, 'data'))).rejects.toThrow(/volume is in use/);
  });

  it('prunes anonymous volumes but keeps named ones unless -a', async () => {
    const { engine } = lab();
    const { pruneVolumes } = await import('../../src/engine/volumes/volumes.js');
    await engine.run({ image: 'busybox', cmd: ['true'], volumes: ['named:/a', '/b'], name: 'aa' }, capture());
    await engine.rm('aa', {});
    const r = await engine.tx((tx) => pruneVolumes(tx, false));
    expect(r.removed).toHaveLength(1);
    expect(await engine.view((tx) => Object.keys(tx.state.volumes))).toEqual(['named']);
    await engine.tx((tx) => pruneVolumes(tx, true));
    expect(await engine.view((tx) => Object.keys(tx.state.volumes))).toEqual([]);
  });

  it('removes anonymous volumes with rm -v', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['true'], volumes: ['/scratch'], name: 'aa' }, capture());
    await engine.rm('aa', { volumes: true });
    expect(await engine.view((tx) => Object.keys(tx.state.volumes))).toEqual([]);
  });
});

describe('containers: limits', () => {
  it('reports an OOM kill: exit 137 and OOMKilled', async () => {
    const { engine } = lab();
    const r = await engine.run({ image: 'busybox', cmd: ['alloc', '64'], memory: 16 * 1024 * 1024, name: 'hog' }, capture());
    expect(r.exitCode).toBe(137);
    expect(await engine.view((tx) => findContainer(tx, 'hog').state.oomKilled)).toBe(true);
  });

  it('fails a fork past --pids-limit as Linux would', async () => {
    const { engine } = lab();
    const io = capture();
    const r = await engine.run({ image: 'busybox', cmd: ['sh', '-c', 'spawn 10'], pidsLimit: 5, autoRemove: true }, io);
    expect(r.exitCode).toBe(1);
    expect(io.stderr).toContain('Resource temporarily unavailable');
  });
});

describe('containers: bad input', () => {
  it('refuses a duplicate name with docker\'s conflict message and exit 125', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, capture());
    const err = await engine.run({ image: 'busybox', cmd: ['true'], name: 'web' }, capture()).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('The container name "/web" is already in use');
    expect(err.exitCode).toBe(125);
  });

  it('refuses an unknown image with exit 125 and leaves no container behind', async () => {
    const { engine } = lab();
    const err = await engine.run({ image: 'nginx', cmd: [] }, capture()).catch((e) => e);
    expect(err.exitCode).toBe(125);
    expect(await engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(0);
  });

  it('reports a command missing from the image with exit 127', async () => {
    const { engine } = lab();
    const err = await engine.run({ image: 'busybox', cmd: ['nginx'], autoRemove: true }, capture()).catch((e) => e);
    expect(err.exitCode).toBe(127);
    expect(err.message).toContain('executable file not found in $PATH');
    expect(await engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(0);
  });

  it('names the container it cannot find', async () => {
    const { engine } = lab();
    await expect(engine.stop('ghost')).rejects.toThrow('No such container: ghost');
  });

  it('refuses exec in a stopped container', async () => {
    const { engine } = lab();
    await engine.run({ image: 'busybox', cmd: ['true'], name: 'done' }, capture());
    await expect(engine.exec('done', ['ls'], {}, capture())).rejects.toThrow(/is not running/);
  });
});

describe('lab state on disk', () => {
  it('keeps a running container across lab instances (CLI invocations)', async () => {
    const home = tempHome();
    const first = lab(home);
    await first.engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'web', detach: true }, capture());
    const second = new Engine(new Lab({ mode: 'sim', home, clock: first.clock, kernel: createKernel }), first.clock);
    const c = await second.view((tx) => structuredClone(findContainer(tx, 'web')));
    expect(c.state.status).toBe('running');
    const io = capture();
    await second.exec('web', ['ps'], {}, io);
    expect(io.stdout).toContain('sleep 600');
  });

  it('reports a damaged state file with where the backup is, and does not overwrite it', async () => {
    const home = tempHome();
    const { engine } = lab(home);
    await engine.run({ image: 'busybox', cmd: ['true'], name: 'aa' }, capture());
    await engine.run({ image: 'busybox', cmd: ['true'], name: 'bb' }, capture());
    const path = join(home, 'lab.json');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.slice(0, good.length / 2));
    const err = await lab(home).engine.view(() => 0).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('is damaged');
    expect(err.tryNext).toContain('lab.json.bak');
    expect(readFileSync(path, 'utf8')).toBe(good.slice(0, good.length / 2));
  });

  it('tells a start whose writable layer is gone (the overlay cannot be mounted) from a missing program', async () => {
    const { engine } = lab(tempHome());
    const c = await engine.create({ image: 'busybox', cmd: ['true'], name: 'broken' }, capture());
    await engine.tx((tx) => tx.kernel.fs.remove(c.layer.upper));
    const err = await engine.start(['broken'], capture()).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.exitCode).toBe(125);
    expect(err.message).toMatch(/^failed to start broken: mount: .*upper: No such file or directory/);
    const missing = await engine.run({ image: 'busybox', cmd: ['nosuchprogram'], name: 'nothere' }, capture()).catch((e) => e);
    expect(missing.exitCode).toBe(127);
    expect(missing.message).toMatch(/executable file not found/);
  });

  it('writes nothing for a command that only looks, so the backup stays the version before the last change', async () => {
    const home = tempHome();
    const a = lab(home);
    await a.engine.run({ image: 'busybox', cmd: ['true'], name: 'one' }, capture());
    const path = join(home, 'lab.json');
    const before = readFileSync(path, 'utf8');
    await a.engine.run({ image: 'busybox', cmd: ['true'], name: 'two' }, capture());
    const saved = statSync(path, { bigint: true });
    for (const l of [a, lab(home)]) {
      expect(await l.engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(2);
    }
    const after = statSync(path, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([saved.ino, saved.mtimeNs]);
    expect(readFileSync(join(home, 'lab.json.bak'), 'utf8')).toBe(before);
    // and a change is written as before
    await a.engine.rm('one', { force: false, volumes: false });
    expect(statSync(path, { bigint: true }).ino).not.toBe(saved.ino);
    expect(Object.values(JSON.parse(readFileSync(path, 'utf8')).engine.containers).map((c) => (c as { name: string }).name)).toEqual(['two']);
  });

  it('a lab that keeps its last state in memory still sees what another command wrote, and keeps the previous version as .bak', async () => {
    const home = tempHome();
    const a = lab(home);
    const b = lab(home);
    await a.engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'one', detach: true }, capture());
    const path = join(home, 'lab.json');
    const afterOne = readFileSync(path, 'utf8');
    // another lab instance (another CLI invocation) adds a container between a's commands
    await b.engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'two', detach: true }, capture());
    expect(readFileSync(join(home, 'lab.json.bak'), 'utf8')).toBe(afterOne);
    const names = await a.engine.view((tx) => Object.values(tx.state.containers).map((c) => c.name).sort());
    expect(names).toEqual(['one', 'two']);
    // a's next change is made on top of b's, and the backup is the version before it
    const beforeThree = readFileSync(path, 'utf8');
    await a.engine.run({ image: 'busybox', cmd: ['sleep', '600'], name: 'three', detach: true }, capture());
    expect(readFileSync(join(home, 'lab.json.bak'), 'utf8')).toBe(beforeThree);
    expect(Object.values(JSON.parse(readFileSync(path, 'utf8')).engine.containers).map((c) => (c as { name: string }).name).sort()).toEqual(['one', 'three', 'two']);
    // a file damaged in place after a's last command is noticed by a, not hidden by what it remembers
    writeFileSync(path, '{"version":');
    const err = await a.engine.view(() => 0).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('is damaged');
  });

  it('makes a second command wait for the lock, then give up with a clear message', async () => {
    const home = tempHome();
    const a = lab(home);
    const b = lab(home);
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    // a holds the lock: its transaction has begun
    const held = a.lab.tx(() => {
      entered();
      return new Promise<void>((r) => (release = r));
    });
    await inside;
    const err = await b.engine.view(() => 0).catch((e) => e);
    expect(err).toBeInstanceOf(LabBusy);
    release();
    await held;
    expect(await b.engine.view(() => 'ok')).toBe('ok');
  });
});
