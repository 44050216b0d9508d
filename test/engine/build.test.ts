import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { build, type BuildOptions } from '../../src/engine/build/builder.js';
import { buildCommand, buildOptions, parseBuildArgs } from '../../src/cli/commands/build.js';
import { loadContext, looksLikeTar, parseDockerignore } from '../../src/engine/build/context.js';
import { Engine, type Io } from '../../src/engine/engine.js';
import { UserError } from '../../src/engine/errors.js';
import { configOf, getImage, imageHistory } from '../../src/engine/images/manage.js';
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

const labs: Lab[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lab() {
  const clock = fakeClock();
  const l = new Lab({ mode: 'sim', home: null, clock, lockWaitMs: 300, kernel: createKernel });
  labs.push(l);
  return { lab: l, engine: new Engine(l, clock), clock };
}

/** A context directory on the real disk: path → content. */
function ctxDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'boxlab-ctx-'));
  dirs.push(d);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(d, p)), { recursive: true });
    writeFileSync(join(d, p), text);
  }
  return d;
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    pack.on('data', (c) => void chunks.push(c as Buffer));
    pack.on('end', () => resolve());
  });
  for (const [name, text] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, text);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function opts(dir: string, more: Partial<BuildOptions> = {}): BuildOptions {
  return { context: { kind: 'dir', path: dir }, tags: [], buildArgs: {}, ...more };
}

async function runOut(engine: Engine, image: string, cmd: string[]): Promise<string> {
  const io = capture();
  const r = await engine.run({ image, cmd, autoRemove: true }, io);
  expect(r.exitCode).toBe(0);
  return io.stdout;
}

async function failure(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected the build to fail');
}

const APP = `FROM busybox
ENV GREETING=hello
WORKDIR /app
COPY hello.txt .
RUN echo "$GREETING from run" > /app/run.txt && mkdir -p /data && cp /app/hello.txt /data/copy.txt
LABEL org.example.name="demo app"
EXPOSE 8080
CMD ["cat", "/app/run.txt"]
`;

describe('build: a Dockerfile becomes an image', () => {
  it('builds step by step, like the classic builder, and the image runs', async () => {
    const { engine } = lab();
    const dir = ctxDir({ Dockerfile: APP, 'hello.txt': 'hi from the context\n' });
    const io = capture();
    const r = await build(engine, opts(dir, { tags: ['demo:1', 'demo:latest'] }), io);
    expect(r.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = io.stdout;
    expect(out).toMatch(/^Sending build context to Docker daemon {2}\S+\n/);
    expect(out).toContain('Step 1/8 : FROM busybox\n');
    expect(out).toMatch(/Step 1\/8 : FROM busybox\n(.*\n)* ---> [0-9a-f]{12}\nStep 2\/8 : ENV GREETING=hello\n ---> [0-9a-f]{12}\n/);
    expect(out).toMatch(/Step 5\/8 : RUN echo .*\n ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/);
    expect(out).toContain(`Successfully built ${r.imageId.slice(7, 19)}\n`);
    expect(out).toContain('Successfully tagged demo:1\nSuccessfully tagged demo:latest\n');

    // the built image runs: its CMD prints what RUN wrote; COPY and RUN files are there
    expect(await runOut(engine, 'demo:1', [])).toBe('hello from run\n');
    expect(await runOut(engine, 'demo', ['cat', '/app/hello.txt'])).toBe('hi from the context\n');
    expect(await runOut(engine, 'demo', ['cat', '/data/copy.txt'])).toBe('hi from the context\n');
    // the build left no container behind
    expect(await engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(0);

    // layers and history: busybox's 1 layer + COPY + RUN; metadata rows are empty layers
    await engine.view((tx) => {
      const img = getImage(tx, 'demo:1');
      expect(img.layers.length).toBe(3);
      const cfg = configOf(tx, img);
      expect(cfg.config.Cmd).toEqual(['cat', '/app/run.txt']);
      expect(cfg.config.WorkingDir).toBe('/app');
      expect(cfg.config.Env).toContain('GREETING=hello');
      expect(cfg.config.Labels).toEqual({ 'org.example.name': 'demo app' });
      expect(cfg.config.ExposedPorts).toEqual({ '8080/tcp': {} });
      const mine = cfg.history.slice(2);
      expect(mine.map((h) => !!h.empty_layer)).toEqual([true, true, false, false, true, true, true]);
      expect(mine[2].created_by).toMatch(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \. $/);
      expect(mine[3].created_by).toBe('/bin/sh -c echo "$GREETING from run" > /app/run.txt && mkdir -p /data && cp /app/hello.txt /data/copy.txt');
      expect(mine[6].created_by).toBe('/bin/sh -c #(nop)  CMD ["cat" "/app/run.txt"]');
      const rows = imageHistory(tx, img);
      expect(rows.length).toBe(9);
      expect(rows.filter((x) => !x.emptyLayer).length).toBe(3);
      // intermediate images are kept, untagged, each pointing at its parent
      expect(img.parent).toBeDefined();
      expect(tx.state.images[img.parent!].repoTags).toEqual([]);
    });
  });

  it('a second build is all cache hits and gives the same id; --no-cache makes new RUN layers', async () => {
    const { engine, clock } = lab();
    const dir = ctxDir({ Dockerfile: APP, 'hello.txt': 'hi\n' });
    const first = await build(engine, opts(dir), capture());
    clock.advance(60_000);
    const io = capture();
    const second = await build(engine, opts(dir, { tags: ['again'] }), io);
    expect(second.imageId).toBe(first.imageId);
    expect(io.stdout.match(/ ---> Using cache\n/g)?.length).toBe(7);
    expect(io.stdout).not.toContain('Running in');
    clock.advance(60_000);
    const io3 = capture();
    const third = await build(engine, opts(dir, { noCache: true }), io3);
    expect(third.imageId).not.toBe(first.imageId);
    expect(io3.stdout).not.toContain('Using cache');
    expect(io3.stdout).toContain('Running in');
  });

  it('a changed COPY source busts the cache from that step on', async () => {
    const { engine, clock } = lab();
    const dir = ctxDir({ Dockerfile: APP, 'hello.txt': 'one\n' });
    const first = await build(engine, opts(dir), capture());
    clock.advance(60_000);
    writeFileSync(join(dir, 'hello.txt'), 'two\n');
    const io = capture();
    const second = await build(engine, opts(dir, { tags: ['two'] }), io);
    expect(second.imageId).not.toBe(first.imageId);
    // FROM, ENV, WORKDIR come from the cache (ENV and WORKDIR: 2 hits); COPY and after are rebuilt
    expect(io.stdout.match(/Using cache/g)?.length).toBe(2);
    expect(io.stdout).toMatch(/Step 4\/8 : COPY hello.txt \.\n ---> [0-9a-f]{12}\n/);
    expect(await runOut(engine, 'two', ['cat', '/data/copy.txt'])).toBe('two\n');
  });

  it('multi-stage: COPY --from an earlier stage, and --target stops at a stage', async () => {
    const { engine } = lab();
    const dir = ctxDir({
      Dockerfile: `FROM busybox AS build
RUN mkdir -p /out && echo built-artifact > /out/app.bin
RUN echo build-only > /only-in-build

FROM busybox
COPY --from=build /out/app.bin /usr/local/bin/
COPY --from=0 /only-in-build /copied-by-index
CMD ["cat", "/usr/local/bin/app.bin"]
`,
    });
    const io = capture();
    await build(engine, opts(dir, { tags: ['multi'] }), io);
    expect(io.stdout).toContain('Step 7/7 : CMD ["cat", "/usr/local/bin/app.bin"]');
    expect(await runOut(engine, 'multi', [])).toBe('built-artifact\n');
    expect(await runOut(engine, 'multi', ['cat', '/copied-by-index'])).toBe('build-only\n');
    expect(await runOut(engine, 'multi', ['sh', '-c', 'ls /out || echo none'])).toContain('none');

    const io2 = capture();
    await build(engine, opts(dir, { tags: ['builder'], target: 'build' }), io2);
    expect(io2.stdout).toContain('Step 1/3 : FROM busybox AS build');
    expect(io2.stdout).not.toContain('Step 4');
    expect(await runOut(engine, 'builder', ['cat', '/only-in-build'])).toBe('build-only\n');

    await expect(build(engine, opts(dir, { target: 'nope' }), capture())).rejects.toThrow('failed to reach build target nope in Dockerfile');
  });

  it('ARG before FROM, ARG in a stage, --build-arg overrides, and unused build args warn', async () => {
    const { engine } = lab();
    const dir = ctxDir({
      Dockerfile: `ARG BASE=busybox
FROM \${BASE}
ARG WHO=world
ARG BASE
RUN echo "hello $WHO on $BASE" > /greeting
ENV WHERE=/srv/\${WHO}
WORKDIR $WHERE
RUN pwd > /where
`,
    });
    const io = capture();
    await build(engine, opts(dir, { tags: ['args'], buildArgs: { WHO: 'students', EXTRA: '1' } }), io);
    expect(io.stdout).toContain('Step 1/8 : ARG BASE=busybox\nStep 2/8 : FROM ${BASE}\n');
    expect(io.stdout).toContain('[Warning] One or more build-args [EXTRA] were not consumed\n');
    expect(await runOut(engine, 'args', ['cat', '/greeting'])).toBe('hello students on busybox\n');
    expect(await runOut(engine, 'args', ['cat', '/where'])).toBe('/srv/students\n');
    await engine.view((tx) => {
      const cfg = configOf(tx, getImage(tx, 'args'));
      expect(cfg.config.WorkingDir).toBe('/srv/students');
      // the build args are in RUN's history row, as the classic builder writes them
      expect(cfg.history.some((h) => h.created_by === '|2 BASE=busybox WHO=students /bin/sh -c echo "hello $WHO on $BASE" > /greeting')).toBe(true);
      // ARG values are not kept in the image's environment
      expect(cfg.config.Env?.some((e) => e.startsWith('WHO='))).toBe(false);
    });
    // the default when no --build-arg is given
    await build(engine, opts(dir, { tags: ['args2'] }), capture());
    expect(await runOut(engine, 'args2', ['cat', '/greeting'])).toBe('hello world on busybox\n');
  });

  it('.dockerignore leaves files out of the context; a ! exception puts one back', async () => {
    const { engine } = lab();
    const dir = ctxDir({
      Dockerfile: 'FROM busybox\nCOPY logs/ /logs/\n',
      '.dockerignore': '# secrets and logs\nsecret.txt\nlogs/*.log\n!logs/keep.log\n**/tmp\n',
      'secret.txt': 'password\n',
      'logs/a.log': 'a\n',
      'logs/keep.log': 'kept\n',
      'logs/readme': 'r\n',
      'deep/x/tmp/f': 'f\n',
    });
    const ctx = await loadContext({ kind: 'dir', path: dir });
    expect([...ctx.entries.keys()].sort()).toEqual(['.dockerignore', 'Dockerfile', 'deep', 'deep/x', 'logs', 'logs/keep.log', 'logs/readme']);
    await build(engine, opts(dir, { tags: ['ign'] }), capture());
    expect(await runOut(engine, 'ign', ['ls', '/logs'])).toBe('keep.log\nreadme\n');

    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY secret.txt /\n');
    const e = await failure(build(engine, opts(dir), capture()));
    expect(e.message).toBe('COPY failed: file not found in build context or excluded by .dockerignore: stat secret.txt: file does not exist');
    expect(e.exitCode).toBe(1);
  });

  it('a failing RUN stops the build with Docker\'s message and exit code 1, and leaves no container', async () => {
    const { engine } = lab();
    const dir = ctxDir({ Dockerfile: 'FROM busybox\nRUN echo before && false\nRUN echo never\n' });
    const io = capture();
    const e = await failure(build(engine, opts(dir), io));
    expect(e.message).toBe("The command '/bin/sh -c echo before && false' returned a non-zero code: 1");
    expect(e.exitCode).toBe(1);
    expect(io.stdout).toContain('before\n');
    expect(io.stdout).not.toContain('never');
    expect(await engine.view((tx) => Object.keys(tx.state.containers).length)).toBe(0);
  });

  it('builds from a tar context', async () => {
    const { engine } = lab();
    const data = await tarOf({ Dockerfile: 'FROM busybox\nCOPY a.txt sub/b.txt /files/\nCMD ["cat", "/files/a.txt", "/files/b.txt"]\n', 'a.txt': 'A\n', 'sub/b.txt': 'B\n' });
    expect(looksLikeTar(data)).toBe(true);
    expect(looksLikeTar(Buffer.from('FROM busybox\n'))).toBe(false);
    await build(engine, { context: { kind: 'tar', data }, tags: ['fromtar'], buildArgs: {} }, capture());
    expect(await runOut(engine, 'fromtar', [])).toBe('A\nB\n');
  });

  it('a Dockerfile on stdin has no context: RUN works, COPY fails', async () => {
    const { engine } = lab();
    const io = capture();
    await build(engine, { context: { kind: 'none' }, dockerfileText: 'FROM busybox\nRUN echo piped > /p\n', tags: ['piped'], buildArgs: {} }, io);
    expect(io.stdout).not.toContain('Sending build context');
    expect(await runOut(engine, 'piped', ['cat', '/p'])).toBe('piped\n');
    const e = await failure(build(engine, { context: { kind: 'none' }, dockerfileText: 'FROM busybox\nCOPY f.txt /\n', tags: [], buildArgs: {} }, capture()));
    expect(e.message).toBe('COPY failed: file not found in build context or excluded by .dockerignore: stat f.txt: file does not exist');
  });
});

describe('build: contexts and instructions', () => {
  it('reads .dockerignore lines as Docker does', () => {
    expect(parseDockerignore('# c\n\n  /a/b/ \n!c\n./d/../e\n')).toEqual(['a/b', '!c', 'e']);
  });

  it('-f names another Dockerfile in the context; metadata instructions land in the config', async () => {
    const { engine } = lab();
    const dir = ctxDir({
      'docker/Build.file': `FROM busybox
SHELL ["/bin/sh", "-c"]
ENTRYPOINT ["echo"]
CMD ["default", "args"]
USER 1000:1000
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s CMD echo ok
ONBUILD RUN echo child
COPY --chmod=700 --chown=7:8 tool.sh /usr/bin/
`,
      'tool.sh': 'echo tool\n',
    });
    await build(engine, opts(dir, { dockerfile: 'docker/Build.file', tags: ['meta'] }), capture());
    await engine.view(async (tx) => {
      const img = getImage(tx, 'meta');
      const cfg = configOf(tx, img);
      const c = cfg.config as typeof cfg.config & { Healthcheck?: { Test: string[]; Interval?: number }; OnBuild?: string[]; Shell?: string[] };
      expect(c.Entrypoint).toEqual(['echo']);
      expect(c.Cmd).toEqual(['default', 'args']);
      expect(c.User).toBe('1000:1000');
      expect(c.Volumes).toEqual({ '/data': {} });
      expect(c.StopSignal).toBe('SIGINT');
      expect(c.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'echo ok'], Interval: 5_000_000_000 });
      expect(c.OnBuild).toEqual(['RUN echo child']);
      expect(c.Shell).toEqual(['/bin/sh', '-c']);
      const entries = await tx.kernel.fs.readTree(img.layers[img.layers.length - 1].dir);
      const tool = entries.find((e) => e.path.endsWith('usr/bin/tool.sh'));
      expect(tool).toMatchObject({ mode: 0o700, uid: 7, gid: 8 });
    });
    expect(await runOut(engine, 'meta', [])).toBe('default args\n');
  });

  it('ADD unpacks a local tar archive; COPY copies it as a file', async () => {
    const { engine } = lab();
    const dir = ctxDir({ Dockerfile: 'FROM busybox\nADD site.tar /srv/\nCOPY site.tar /copied/\n' });
    writeFileSync(join(dir, 'site.tar'), await tarOf({ 'index.html': '<h1>hi</h1>\n', 'css/a.css': 'a{}\n' }));
    await build(engine, opts(dir, { tags: ['add'] }), capture());
    expect(await runOut(engine, 'add', ['cat', '/srv/index.html', '/srv/css/a.css'])).toBe('<h1>hi</h1>\na{}\n');
    expect(await runOut(engine, 'add', ['ls', '/copied'])).toBe('site.tar\n');
  });

  it('runs the ONBUILD triggers of the base image', async () => {
    const { engine } = lab();
    const parent = ctxDir({ Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /trigger\n' });
    await build(engine, opts(parent, { tags: ['onbuild-base'] }), capture());
    const child = ctxDir({ Dockerfile: 'FROM onbuild-base\nRUN cat /trigger\n' });
    const io = capture();
    await build(engine, opts(child, { tags: ['onbuild-child'] }), io);
    expect(io.stdout).toContain('# Executing 1 build trigger\n');
    expect(await runOut(engine, 'onbuild-child', ['cat', '/trigger'])).toBe('triggered\n');
    const onbuild = await engine.view((tx) => (configOf(tx, getImage(tx, 'onbuild-child')).config as { OnBuild?: string[] | null }).OnBuild);
    expect(onbuild ?? []).toEqual([]);
  });

  it('errors: multiple sources need a directory destination; RUN on scratch has no shell; bad Dockerfile lines', async () => {
    const { engine } = lab();
    const dir = ctxDir({ Dockerfile: 'FROM busybox\nCOPY a b /dest\n', a: 'a', b: 'b' });
    expect((await failure(build(engine, opts(dir), capture()))).message).toBe('When using COPY with more than one source file, the destination must be a directory and end with a /');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nRUN echo hi\n');
    expect((await failure(build(engine, opts(dir), capture()))).message).toContain('exec: "/bin/sh"');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nBOGUS x\n');
    expect((await failure(build(engine, opts(dir), capture()))).message).toMatch(/^Dockerfile:2: unknown instruction: BOGUS/);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY ../outside /\n');
    expect((await failure(build(engine, opts(dir), capture()))).message).toContain('forbidden path outside the build context');
    expect((await failure(build(engine, opts(dir, { tags: ['Bad:Tag'] }), capture()))).message).toContain('invalid reference format');
  });

  it('FROM scratch with COPY makes an image of only that layer', async () => {
    const { engine } = lab();
    const dir = ctxDir({ Dockerfile: 'FROM scratch\nCOPY hello /\n', hello: 'x' });
    const r = await build(engine, opts(dir, { tags: ['tiny'] }), capture());
    await engine.view((tx) => {
      const img = tx.state.images[r.imageId];
      expect(img.layers.length).toBe(1);
      expect(configOf(tx, img).history.length).toBe(1);
    });
  });
});

describe('build: the command line', () => {
  it('reads --build-arg as docker does', () => {
    expect(parseBuildArgs(['A=1', 'B=x=y', 'FROM_ENV', 'UNSET'], { FROM_ENV: 'e' })).toEqual({ A: '1', B: 'x=y', FROM_ENV: 'e' });
  });

  it("'-' reads a Dockerfile or a tar context from stdin", async () => {
    const df = await buildOptions({ path: '-' }, async () => Buffer.from('FROM busybox\n'));
    expect(df.context).toEqual({ kind: 'none' });
    expect(df.dockerfileText).toBe('FROM busybox\n');
    const data = await tarOf({ Dockerfile: 'FROM busybox\n' });
    const t = await buildOptions({ path: '-', file: 'Dockerfile' }, async () => data);
    expect(t.context.kind).toBe('tar');
    expect(t.dockerfile).toBe('Dockerfile');
    const dir = ctxDir({ 'sub/My.dockerfile': 'FROM busybox\n' });
    const f = await buildOptions({ path: '.', file: 'sub/My.dockerfile' }, undefined, dir);
    expect(f.dockerfile).toBe('sub/My.dockerfile');
  });

  it('builds in-process through the command, -q printing only the id', async () => {
    const { engine } = lab();
    const data = await tarOf({ Dockerfile: 'FROM busybox\nCOPY x /x\n', x: 'x\n' });
    const io = capture();
    const id = await buildCommand(engine, { path: '-', tag: ['cli:1'], quiet: true }, io, async () => data);
    expect(io.stdout).toBe(`${id}\n`);
    expect(await runOut(engine, 'cli:1', ['cat', '/x'])).toBe('x\n');
  });
});
