// USER and VOLUME in a Dockerfile, as a student expects them from Docker's classic builder: USER
// applies to the RUN steps after it and to the container's process (looked up in the image's
// /etc/passwd and /etc/group), VOLUME makes later RUN changes there vanish from the image and
// gives each container an anonymous volume filled with what the image has there.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/build/builder.js';
import { findContainer } from '../../src/engine/containers/lifecycle.js';
import type { Engine } from '../../src/engine/engine.js';
import { UserError } from '../../src/engine/errors.js';
import { capture, memoryLab } from '../helpers/lab.js';

const dockerfile = (engine: Engine, text: string, tag = 'img') =>
  build(engine, { context: { kind: 'none' }, dockerfileText: text, tags: [tag], buildArgs: {} }, capture());

async function run(engine: Engine, image: string, cmd: string[], extra: { volumes?: string[] } = {}) {
  const io = capture();
  const r = await engine.run({ image, cmd, autoRemove: true, ...extra }, io);
  return { code: r.exitCode, out: io.stdout, err: io.stderr };
}

/** a user app (1000) in its own group and in staff (50), with a home it may write to */
const WITH_APP = `FROM busybox
RUN echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group && echo 'staff:x:50:app' >> /etc/group && mkdir -p /home/app && chmod 777 /home/app
`;

describe('USER', () => {
  it('runs the following RUN steps and the container as that user, with its groups and HOME', async () => {
    const { engine } = memoryLab();
    await dockerfile(engine, `${WITH_APP}USER app\nRUN id > /home/app/id.txt && echo "$HOME" >> /home/app/id.txt\nCMD ["id"]\n`);
    const built = await run(engine, 'img', ['cat', '/home/app/id.txt']);
    expect(built.out).toBe('uid=1000(app) gid=1000(app) groups=50(staff)\n/home/app\n');
    expect((await run(engine, 'img', [])).out).toBe('uid=1000(app) gid=1000(app) groups=50(staff)\n');
    // and exec into it runs as that user too
    await engine.run({ image: 'img', cmd: ['sleep', '600'], name: 'uc', detach: true }, capture());
    const io = capture();
    expect(await engine.exec('uc', ['id', '-u'], {}, io)).toBe(0);
    expect(io.stdout).toBe('1000\n');
    await engine.rm('uc', { force: true });
  });

  it('keeps root out of reach: a RUN as the user cannot write to /', async () => {
    const { engine } = memoryLab();
    const err = await dockerfile(engine, `${WITH_APP}USER app\nRUN touch /not-mine\n`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe("The command '/bin/sh -c touch /not-mine' returned a non-zero code: 1");
  });

  it('takes numbers without an entry, and an explicit group by name', async () => {
    const { engine } = memoryLab();
    await dockerfile(engine, 'FROM busybox\nUSER 1234\nRUN id > /tmp/a\nUSER nobody:mail\nRUN id > /tmp/b\nUSER 0\nRUN cat /tmp/a /tmp/b > /ids\n');
    expect((await run(engine, 'img', ['cat', '/ids'])).out).toBe('uid=1234 gid=0(root) groups=0(root)\nuid=65534(nobody) gid=8(mail) groups=8(mail)\n');
  });

  it('fails the RUN after USER with a Dockerfile line when the user or group does not exist', async () => {
    const { engine, lab } = memoryLab();
    const e1 = await dockerfile(engine, 'FROM busybox\nUSER nosuch\nRUN true\n').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(UserError);
    expect((e1 as UserError).message).toBe('Dockerfile:3: unable to find user nosuch: no matching entries in passwd file');
    expect((e1 as UserError).exitCode).toBe(1);
    const e2 = await dockerfile(engine, 'FROM busybox\nUSER nobody:nogrp\nRUN true\n').catch((e: unknown) => e);
    expect((e2 as UserError).message).toBe('Dockerfile:3: unable to find group nogrp: no matching entries in group file');
    // the failed steps left no container or volume behind
    await lab.tx(async (tx) => {
      expect(Object.keys(tx.state.containers)).toEqual([]);
      expect(Object.keys(tx.state.volumes)).toEqual([]);
    });
  });

  it('builds an image whose USER is unknown when no RUN needs it, and run refuses it with exit code 125', async () => {
    const { engine } = memoryLab();
    await dockerfile(engine, 'FROM busybox\nUSER ghost\nCMD ["id"]\n');
    const err = await run(engine, 'img', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('unable to find user ghost: no matching entries in passwd file');
    expect((err as UserError).exitCode).toBe(125);
  });
});

describe('VOLUME', () => {
  const VOL = 'FROM busybox\nRUN mkdir /data && echo seed > /data/seed\nVOLUME /data\nRUN echo lost > /data/lost && echo kept > /kept\n';

  it('drops what a later RUN writes under the volume from the image, and keeps the rest of that RUN', async () => {
    const { engine, lab } = memoryLab();
    await dockerfile(engine, VOL);
    expect((await run(engine, 'img', ['cat', '/kept'])).out).toBe('kept\n');
    expect((await run(engine, 'img', ['ls', '/data'])).out).toBe('seed\n');
    // the build's own anonymous volumes went with its containers
    await lab.tx(async (tx) => expect(Object.keys(tx.state.volumes)).toEqual([]));
  });

  it('gives each container an anonymous volume there, filled from the image, removed with --rm', async () => {
    const { engine, lab } = memoryLab();
    await dockerfile(engine, VOL);
    await engine.run({ image: 'img', cmd: ['sh', '-c', 'echo more > /data/more'], name: 'vc' }, capture());
    const mounts = await engine.view((tx) => structuredClone(findContainer(tx, 'vc').mounts));
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatchObject({ type: 'volume', destination: '/data', anonymous: true, rw: true });
    const files = await lab.tx(async (tx) => (await tx.kernel.fs.readTree(mounts[0].source)).map((e) => `${e.path}=${e.data?.toString() ?? ''}`));
    expect(files.sort()).toEqual(['more=more\n', 'seed=seed\n']);
    // a second container starts from the image's content again, not from the first one's volume
    expect((await run(engine, 'img', ['ls', '/data'])).out).toBe('seed\n');
    await engine.rm('vc', { volumes: true });
    await lab.tx(async (tx) => expect(Object.keys(tx.state.volumes)).toEqual([]));
  });

  it("gives the volume the image directory's owner and mode, so a USER may write there when the directory lets it", async () => {
    const { engine } = memoryLab();
    await dockerfile(engine, 'FROM busybox\nRUN mkdir /data /closed && chmod 1777 /data && echo seed > /data/seed\nVOLUME /data /closed\nUSER nobody\nRUN echo mine > /data/mine\n');
    expect((await run(engine, 'img', ['ls', '/data'])).out).toBe('seed\n');
    const denied = await run(engine, 'img', ['sh', '-c', 'echo x > /closed/x']);
    expect(denied.code).not.toBe(0);
    expect(denied.err).toContain('Permission denied');
  });

  it('lets -v put a named volume there instead', async () => {
    const { engine, lab } = memoryLab();
    await dockerfile(engine, VOL);
    expect((await run(engine, 'img', ['ls', '/data'], { volumes: ['mine:/data'] })).out).toBe('');
    await lab.tx(async (tx) => expect(Object.keys(tx.state.volumes)).toEqual(['mine']));
  });
});
