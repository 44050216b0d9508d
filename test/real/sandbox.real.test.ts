// Every example under sandbox/, built and run with --real through the CLI, as a student follows
// its README: history shows one row per instruction (a layer for RUN and COPY only), the program
// does what the README says, re-tagging leaves a dangling image that `image prune` removes,
// `system df` adds up, and a push to `boxlab registry serve` + rmi + pull gives the same digest.
// Then USER and VOLUME in a Dockerfile of its own, as the sim tests check them. The lab's bridge
// lives in a throwaway network namespace (BOXLAB_HOST_NETNS); nothing is left afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, realBoxlab, residue, sh, skipReason } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boxlab.js');
const SANDBOX = join(import.meta.dirname, '..', '..', 'sandbox');
const NETNS = `boxlab-sbtest-${process.pid}`;
const SLOW = 300_000;
let home: string;

if (!isRoot) console.log(`skipping the sandbox walkthrough in real mode: ${skipReason}`);

const boxlab = realBoxlab(() => home, NETNS, 600_000);

/** boxlab ... that must succeed; its stdout */
function ok(...args: string[]): string {
  const r = boxlab(...args);
  expect(r.code, `boxlab ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const json = <T>(...args: string[]): T => JSON.parse(ok(...args)) as T;
const imageId = (name: string) => ok('image', 'inspect', '-f', '{{.Id}}', name).trim();
const imageSize = (name: string) => Number(ok('image', 'inspect', '-f', '{{.Size}}', name).trim());
const layersOf = (name: string) => json<{ RootFS: { Layers: string[] } }[]>('image', 'inspect', name)[0].RootFS.Layers;
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
/** short ids of the dangling images */
const dangling = () => ok('images', '-q', '--filter', 'dangling=true').split('\n').filter(Boolean);

/** The instructions of a Dockerfile's last stage after its FROM, continuation lines joined, comments dropped. */
function finalStage(path: string): string[] {
  const lines = readFileSync(path, 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const from = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines.slice(from + 1);
}

/** `history` of image, newest first, must end in the final stage's instructions over the base image's rows. */
function expectHistoryOf(image: string, dockerfile: string, base = 'busybox'): void {
  const rows = json<{ CreatedBy: string; Size: string }[]>('history', '--no-trunc', '--json', image);
  const baseRows = json<{ CreatedBy: string }[]>('history', '--no-trunc', '--json', base);
  const steps = finalStage(dockerfile);
  expect(rows).toHaveLength(steps.length + baseRows.length);
  expect(rows.slice(steps.length).map((r) => r.CreatedBy)).toEqual(baseRows.map((r) => r.CreatedBy));
  const mine = rows.slice(0, steps.length).reverse();
  steps.forEach((step, i) => {
    const [kw, ...rest] = step.split(/\s+/);
    const row = mine[i];
    if (kw === 'RUN') expect(row.CreatedBy).toBe(`/bin/sh -c ${rest.join(' ')}`);
    else if (kw === 'COPY' || kw === 'ADD') expect(row.CreatedBy).toMatch(new RegExp(`^/bin/sh -c #\\(nop\\) ${kw} `));
    else expect(row.CreatedBy).toMatch(new RegExp(`^/bin/sh -c #\\(nop\\)  ${kw} `));
    // only RUN and COPY/ADD make a layer; the rest change the config
    if (['RUN', 'COPY', 'ADD'].includes(kw)) expect(row.Size, step).not.toBe('0B');
    else expect(row.Size, step).toBe('0B');
  });
}

interface Df {
  images: { total: number; size: number; reclaimable: number };
  buildCache: { total: number; size: number };
}

/** `system df` must count each layer once: busybox's, plus what every other listed image adds on top of it. */
function expectDfAddsUp(): Df {
  const df = json<Df>('system', 'df', '--json');
  const ids = [...new Set(ok('images', '-q').split('\n').filter(Boolean))];
  const bb = imageSize('busybox');
  const bbId = short(imageId('busybox'));
  const expected = bb + ids.filter((id) => id !== bbId).reduce((s, id) => s + imageSize(id) - bb, 0);
  expect(df.images.total).toBe(ids.length);
  expect(df.images.size).toBe(expected);
  // no container uses an image now: all of it could be given back
  expect(df.images.reclaimable).toBe(df.images.size);
  // the untagged build steps stand below the listed images: no bytes of their own
  expect(df.buildCache.size).toBe(0);
  // the table says the same
  expect(ok('system', 'df')).toMatch(new RegExp(`^Images\\s+${ids.length}\\s+0\\s`, 'm'));
  return df;
}

/** `boxlab registry serve --port 0` in the background; resolves with its port once it listens */
function serveRegistry(root: string): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [BIN, '--real', 'registry', 'serve', '--port', '0', '--root', root], {
    env: { ...process.env, BOXLAB_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), proc });
    });
    proc.on('exit', (code) => reject(new Error(`registry serve exited with ${code}: ${out}`)));
  });
}

describe.skipIf(!isRoot)('sandbox examples, boxlab --real', () => {
  beforeAll(() => {
    expect(residue()).toBe('');
    home = mkdtempSync(join(tmpdir(), 'boxlab-realsandbox-'));
    sh(`ip netns add ${NETNS}`);
  });

  afterAll(() => {
    boxlab('rm', '-f', 'site', 'uvd', 'uvc');
    // the images this file built (busybox stays: its layer dir is shared with other labs)
    const ids = ok('images', '-a', '-q').split('\n').filter((id) => id && id !== short(imageId('busybox')));
    if (ids.length) boxlab('rmi', '-f', ...new Set(ids));
    const r = boxlab('cleanup');
    sh(`ip netns delete ${NETNS} 2>/dev/null || true`);
    rmSync(home, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(residue()).toBe('');
  }, SLOW);

  it('web: COPY makes one layer, EXPOSE and CMD none; another container fetches the page', () => {
    ok('build', '-t', 'web', join(SANDBOX, 'web'));
    expectHistoryOf('web', join(SANDBOX, 'web', 'Dockerfile'));
    expect(layersOf('web')).toHaveLength(layersOf('busybox').length + 1);
    ok('run', '-d', '--name', 'site', 'web');
    const ip = ok('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'site').trim();
    expect(ip).toMatch(/^172\.29\.\d+\.\d+$/);
    // httpd is PID 1, in the foreground
    expect(ok('exec', 'site', 'ps')).toMatch(/\n\s+1 root\s+(\S+\s+)?httpd -f -p 80 -h \/www\n/);
    expect(ok('run', '--rm', 'busybox', 'wget', '-q', '-O', '-', `http://${ip}/`)).toBe(readFileSync(join(SANDBOX, 'web', 'index.html'), 'utf8'));
    ok('rm', '-f', 'site');
  }, SLOW);

  it('multistage: the built program greets; the final image is busybox plus one COPY layer', () => {
    ok('build', '-t', 'greet', join(SANDBOX, 'multistage'));
    expectHistoryOf('greet', join(SANDBOX, 'multistage', 'Dockerfile'));
    expect(ok('run', '--rm', 'greet')).toBe('hello, world\n');
    expect(ok('run', '--rm', 'greet', 'students')).toBe('hello, students\n');
    expect(layersOf('greet')).toHaveLength(layersOf('busybox').length + 1);
    const root = ok('run', '--rm', '--entrypoint', 'ls', 'greet', '/').split('\n');
    expect(root).toContain('usr');
    expect(root).not.toContain('src');
    expect(root).not.toContain('out');
    // the build stage is left as an untagged image (as the classic builder leaves it)
    expect(dangling()).toHaveLength(1);
  }, SLOW);

  it('layering: the rm in a later RUN leaves /big.log in the image; the same RUN does not', () => {
    const bad = boxlab('build', '-t', 'bad', join(SANDBOX, 'layering'));
    expect(bad.code, bad.stderr).toBe(0);
    const good = boxlab('build', '-t', 'good', '-f', join(SANDBOX, 'layering', 'good.Dockerfile'), join(SANDBOX, 'layering'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('100000 /big.log\n');
    expectHistoryOf('bad', join(SANDBOX, 'layering', 'Dockerfile'));
    expectHistoryOf('good', join(SANDBOX, 'layering', 'good.Dockerfile'));
    // seq 1 100000 writes this many bytes: every number and its newline
    let bigLog = 0;
    for (let i = 1; i <= 100_000; i++) bigLog += String(i).length + 1;
    expect(imageSize('bad') - imageSize('good')).toBeGreaterThanOrEqual(bigLog);
    const ls = boxlab('run', '--rm', 'bad', 'ls', '/big.log');
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain('/big.log: No such file or directory');
  }, SLOW);

  it('re-tagging leaves a dangling image that image prune removes; system df adds up before and after', () => {
    const before = expectDfAddsUp();
    const oldBad = short(imageId('bad'));
    const stage = dangling();
    ok('tag', 'good', 'bad');
    expect(imageId('bad')).toBe(imageId('good'));
    expect(dangling().sort()).toEqual([...stage, oldBad].sort());
    const tagged = expectDfAddsUp();
    expect(tagged.images.size).toBe(before.images.size);
    const lost = imageSize(oldBad) - imageSize('busybox') + imageSize(stage[0]) - imageSize('busybox');
    const out = ok('image', 'prune', '-f');
    for (const id of [oldBad, ...stage]) expect(out).toMatch(new RegExp(`^deleted: sha256:${id}[0-9a-f]{52}$`, 'm'));
    expect(dangling()).toEqual([]);
    expect(boxlab('image', 'inspect', oldBad).code).not.toBe(0);
    const after = expectDfAddsUp();
    expect(before.images.size - after.images.size).toBe(lost);
    // what is left still runs
    expect(ok('run', '--rm', 'greet')).toBe('hello, world\n');
  }, SLOW);

  it('registry serve + push + rmi + pull gives back the same digest, id and size for every example', async () => {
    const { port, proc } = await serveRegistry(join(home, 'registry'));
    try {
      for (const name of ['web', 'greet', 'good']) {
        const remote = `localhost:${port}/${name}`;
        const before = { id: imageId(name), size: imageSize(name), digest: json<{ Digest: string }[]>('images', '--json', name)[0].Digest };
        expect(before.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        ok('tag', name, remote);
        const pushed = /latest: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(ok('push', remote));
        expect(pushed?.[1]).toBe(before.digest);
        const names = name === 'good' ? [name, 'bad', remote] : [name, remote];
        expect(ok('rmi', ...names)).toContain(`Deleted: ${before.id}\n`);
        expect(boxlab('image', 'inspect', before.id).code).not.toBe(0);
        const pulled = /Digest: (sha256:[0-9a-f]{64})/.exec(ok('pull', remote));
        expect(pulled?.[1]).toBe(before.digest);
        expect(json<{ Digest: string }[]>('images', '--json', remote)[0].Digest).toBe(before.digest);
        expect(imageId(remote)).toBe(before.id);
        expect(imageSize(remote)).toBe(before.size);
      }
      // and the pulled images do what the built ones did
      expect(ok('run', '--rm', `localhost:${port}/greet`, 'again')).toBe('hello, again\n');
      expect(ok('run', '--rm', `localhost:${port}/web`, 'cat', '/www/index.html')).toBe(readFileSync(join(SANDBOX, 'web', 'index.html'), 'utf8'));
      expect(boxlab('run', '--rm', `localhost:${port}/good`, 'ls', '/big.log').code).toBe(1);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
    expectDfAddsUp();
  }, SLOW);

  it('USER and VOLUME in a Dockerfile behave as in sim mode', () => {
    const ctx = mkdtempSync(join(tmpdir(), 'boxlab-realsandbox-ctx-'));
    try {
      writeFileSync(join(ctx, 'Dockerfile'), [
        'FROM busybox',
        "RUN echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group && echo 'staff:x:50:app' >> /etc/group && mkdir -p /home/app /data && chmod 777 /home/app /data && echo seed > /data/seed",
        'VOLUME /data',
        'USER app',
        'RUN id > /home/app/id.txt && echo "$HOME" >> /home/app/id.txt && echo lost > /data/lost',
        'CMD ["id"]',
        '',
      ].join('\n'));
      ok('build', '-t', 'uv', ctx);
      expect(ok('run', '--rm', 'uv', 'cat', '/home/app/id.txt')).toBe('uid=1000(app) gid=1000(app) groups=50(staff)\n/home/app\n');
      expect(ok('run', '--rm', 'uv')).toBe('uid=1000(app) gid=1000(app) groups=50(staff)\n');
      // exec into it runs as the user too
      ok('run', '-d', '--name', 'uvd', 'uv', 'sleep', '600');
      expect(ok('inspect', '-f', '{{.Config.User}}', 'uvd')).toBe('app\n');
      expect(ok('exec', 'uvd', 'id', '-u')).toBe('1000\n');
      ok('rm', '-f', '-v', 'uvd');
      const touch = boxlab('run', '--rm', 'uv', 'touch', '/not-mine');
      expect(touch.code).toBe(1);
      expect(touch.stderr).toContain('Permission denied');
      // the RUN's write under /data was the build container's volume, not the layer's
      expect(ok('run', '--rm', 'uv', 'ls', '/data')).toBe('seed\n');
      expect(ok('run', '--name', 'uvc', 'uv', 'sh', '-c', 'echo more > /data/more')).toBe('');
      const mounts = JSON.parse(ok('inspect', '-f', '{{json .Mounts}}', 'uvc')) as { Type: string; Destination: string }[];
      expect(mounts.map((m) => `${m.Type} ${m.Destination}`)).toEqual(['volume /data']);
      expect(ok('volume', 'ls', '-q').split('\n').filter(Boolean)).toHaveLength(1);
      ok('rm', '-v', 'uvc');
      expect(ok('volume', 'ls', '-q')).toBe('');

      writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nUSER nosuch\nRUN true\n');
      const bad = boxlab('build', '-t', 'nouser', ctx);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^boxlab: Dockerfile:3: unable to find user nosuch: no matching entries in passwd file\. [^\n]*\n$/m);
      expect(ok('ps', '-a', '-q')).toBe('');
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  }, SLOW);
});
