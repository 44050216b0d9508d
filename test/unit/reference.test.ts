// Image references, checked against the cases in distribution/reference's normalize_test.go and
// reference_test.go (the parser Docker and its CLI use).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { io } from '../../src/cli/context.js';
import { describeRef, ref as refCommand } from '../../src/cli/commands/ref.js';
import { UserError } from '../../src/engine/errors.js';
import { familiarName, parseNormalizedNamed, parseRef, parseReference } from '../../src/engine/images/reference.js';

const F64 = 'f'.repeat(64);
const HEX = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

type Case = [input: string, registry: string, repository: string, tag: string | null, digest: string | null, familiar: string, canonical: string];

const valid: Case[] = [
  ['busybox', 'docker.io', 'library/busybox', 'latest', null, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['library/busybox', 'docker.io', 'library/busybox', 'latest', null, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['docker.io/busybox', 'docker.io', 'library/busybox', 'latest', null, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['docker.io/library/busybox:1.36', 'docker.io', 'library/busybox', '1.36', null, 'busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['index.docker.io/library/busybox', 'docker.io', 'library/busybox', 'latest', null, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['index.docker.io/debian', 'docker.io', 'library/debian', 'latest', null, 'debian:latest', 'docker.io/library/debian:latest'],
  ['dmcgowan/myapp', 'docker.io', 'dmcgowan/myapp', 'latest', null, 'dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
  ['index.docker.io/fooo/bar', 'docker.io', 'fooo/bar', 'latest', null, 'fooo/bar:latest', 'docker.io/fooo/bar:latest'],
  ['library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', null, 'library/foo/bar:latest', 'docker.io/library/foo/bar:latest'],
  ['test_com/foo', 'docker.io', 'test_com/foo', 'latest', null, 'test_com/foo:latest', 'docker.io/test_com/foo:latest'],
  ['localhost/foo', 'localhost', 'foo', 'latest', null, 'localhost/foo:latest', 'localhost/foo:latest'],
  ['localhost:5000/foo/bar:tag', 'localhost:5000', 'foo/bar', 'tag', null, 'localhost:5000/foo/bar:tag', 'localhost:5000/foo/bar:tag'],
  ['localhost:5000/app:v1', 'localhost:5000', 'app', 'v1', null, 'localhost:5000/app:v1', 'localhost:5000/app:v1'],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'latest', null, 'test-com:8080/foo:latest', 'test-com:8080/foo:latest'],
  ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase', 'latest', null, '127.0.0.1:8000/private/moonbase:latest', '127.0.0.1:8000/private/moonbase:latest'],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker', 'latest', null, '[fc00::1]:5000/docker:latest', '[fc00::1]:5000/docker:latest'],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', null, 'xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage:xn--n3h.com'],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', null, 'b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io/test.example.com/my-app:test.example.com'],
  // a first component with capitals can only be a registry
  ['Example.com/foo', 'Example.com', 'foo', 'latest', null, 'Example.com/foo:latest', 'Example.com/foo:latest'],
  ['Foo/bar', 'Foo', 'bar', 'latest', null, 'Foo/bar:latest', 'Foo/bar:latest'],
  // "192.168.0.1:80" has no slash: a name with a tag, not a registry
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80', null, '192.168.0.1:80', 'docker.io/library/192.168.0.1:80'],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080', null, 'foo_bar.com:8080', 'docker.io/library/foo_bar.com:8080'],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', null, 'lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
  ['dock__er/docker---rules', 'docker.io', 'dock__er/docker---rules', 'latest', null, 'dock__er/docker---rules:latest', 'docker.io/dock__er/docker---rules:latest'],
  ['docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'docker.io', 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'latest', null,
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest', 'docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest'],
  // digests: no default tag when a digest is given
  [`ghcr.io/user/app@sha256:${F64}`, 'ghcr.io', 'user/app', null, `sha256:${F64}`, `ghcr.io/user/app@sha256:${F64}`, `ghcr.io/user/app@sha256:${F64}`],
  [`user/app@sha256:${HEX}`, 'docker.io', 'user/app', null, `sha256:${HEX}`, `user/app@sha256:${HEX}`, `docker.io/user/app@sha256:${HEX}`],
  [`redis@sha256:${HEX}`, 'docker.io', 'library/redis', null, `sha256:${HEX}`, `redis@sha256:${HEX}`, `docker.io/library/redis@sha256:${HEX}`],
  [`busybox:latest@sha256:${HEX}`, 'docker.io', 'library/busybox', 'latest', `sha256:${HEX}`, `busybox:latest@sha256:${HEX}`, `docker.io/library/busybox:latest@sha256:${HEX}`],
  [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${F64}`, `[2001:db8::1]:5000/repo:tag@sha256:${F64}`, `[2001:db8::1]:5000/repo:tag@sha256:${F64}`],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha512:${'f'.repeat(128)}`,
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`, `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`],
  // the length limit is on the repository path (255), not on the registry
  [`example.com/${'a'.repeat(255)}:tag`, 'example.com', 'a'.repeat(255), 'tag', null, `example.com/${'a'.repeat(255)}:tag`, `example.com/${'a'.repeat(255)}:tag`],
  ['a'.repeat(247), 'docker.io', `library/${'a'.repeat(247)}`, 'latest', null, `${'a'.repeat(247)}:latest`, `docker.io/library/${'a'.repeat(247)}:latest`],
];

const invalid: [input: string, message: string][] = [
  ['Foo', 'invalid reference format: repository name (library/Foo) must be lowercase'],
  ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
  ['docker/Docker', 'invalid reference format: repository name (docker/Docker) must be lowercase'],
  ['docker.io/docker/Docker', 'invalid reference format: repository name (docker/Docker) must be lowercase'],
  ['Uppercase:tag', 'invalid reference format: repository name (library/Uppercase) must be lowercase'],
  ['test:5000/Uppercase/lowercase:tag', 'invalid reference format: repository name (Uppercase/lowercase) must be lowercase'],
  ['foo:bad!tag', 'invalid reference format'],
  ['foo:-tag', 'invalid reference format'],
  [`foo:${'t'.repeat(129)}`, 'invalid reference format'],
  ['', 'invalid reference format'],
  [':justtag', 'invalid reference format'],
  [`@sha256:${F64}`, 'invalid reference format'],
  ['https://github.com/docker/docker', 'invalid reference format'],
  ['-docker', 'invalid reference format'],
  ['-docker/docker', 'invalid reference format'],
  ['docker-/docker', 'invalid reference format'],
  ['docker///docker', 'invalid reference format'],
  ['____/____', 'invalid reference format'],
  ['dock..er/docker', 'invalid reference format'],
  ['dock_.er/docker', 'invalid reference format'],
  ['docker/', 'invalid reference format'],
  ['aa/asdf$$^/aa', 'invalid reference format'],
  ['[fc00::1]:5000', 'invalid reference format'],
  ['fc00::1:5000/debian', 'invalid reference format'],
  ['[fe80::1%eth0]:5000/debian', 'invalid reference format'],
  [' busybox', 'invalid reference format'],
  [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
  ['a'.repeat(256), 'repository name must not be more than 255 characters'],
  ['a'.repeat(248), 'repository name must not be more than 255 characters'], // library/ makes 256
  [`domain.com/${'a'.repeat(256)}:tag`, 'repository name must not be more than 255 characters'],
  [`foo@sha256:${'f'.repeat(63)}`, 'invalid checksum digest length'],
  [`repo@sha256:${'f'.repeat(34)}`, 'invalid checksum digest length'],
  [`foo@sha256:${'F'.repeat(64)}`, 'invalid checksum digest format'],
  [`validname@invaliddigest:${F64}`, 'unsupported digest algorithm'],
  [`foo@sha256:${'f'.repeat(31)}`, 'invalid reference format'], // under 32 hex: not even a digest
];

describe('parseReference: Docker normalisation (ParseNormalizedNamed + TagNameOnly)', () => {
  it.each(valid)('%s', (input, registry, repository, tag, digest, familiar, canonical) => {
    expect(parseReference(input)).toEqual({ registry, repository, tag, digest, familiar, canonical });
  });

  it.each(invalid)('refuses %j', (input, message) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(message);
    expect((err as UserError).exitCode).toBe(125);
  });

  it('adds latest only when neither tag nor digest is given', () => {
    expect(parseNormalizedNamed('nginx').tag).toBeNull();
    expect(parseNormalizedNamed('nginx').canonical).toBe('docker.io/library/nginx');
    expect(parseReference('nginx').tag).toBe('latest');
    expect(parseReference(`nginx@sha256:${HEX}`).tag).toBeNull();
  });

  it('gives familiar names as Docker shows them', () => {
    expect(familiarName(parseReference('docker.io/library/nginx'))).toBe('nginx');
    expect(familiarName(parseReference('docker.io/user/app:1'))).toBe('user/app');
    expect(familiarName(parseReference('localhost:5000/app'))).toBe('localhost:5000/app');
    expect(familiarName({ registry: 'docker.io', repository: 'library/a/b' })).toBe('library/a/b');
  });
});

describe('parseRef: the short form the image catalog uses', () => {
  it('keeps the familiar repository and tag', () => {
    expect(parseRef('busybox')).toMatchObject({ repository: 'busybox', tag: 'latest', familiar: 'busybox:latest', isId: false });
    expect(parseRef('docker.io/library/busybox:1.36')).toMatchObject({ repository: 'busybox', tag: '1.36', familiar: 'busybox:1.36' });
    expect(parseRef('localhost:5000/app')).toMatchObject({ repository: 'localhost:5000/app', familiar: 'localhost:5000/app:latest' });
    expect(parseRef(`user/app@sha256:${HEX}`)).toMatchObject({ repository: 'user/app', tag: '', digest: `sha256:${HEX}`, familiar: `user/app@sha256:${HEX}` });
  });

  it('reads an image ID as docker run does (ParseAnyReference)', () => {
    expect(parseRef(HEX)).toMatchObject({ isId: true, familiar: `sha256:${HEX}`, digest: `sha256:${HEX}` });
    expect(parseRef(`sha256:${HEX}`)).toMatchObject({ isId: true, familiar: `sha256:${HEX}` });
    expect(parseRef('dbcc1')).toMatchObject({ isId: false, familiar: 'dbcc1:latest' });
  });

  it('refuses uppercase repository names with exit code 125', () => {
    expect(() => parseRef('Busybox')).toThrow('invalid reference format: repository name (library/Busybox) must be lowercase');
  });
});

describe('boxlab ref', () => {
  afterEach(() => vi.restoreAllMocks());

  function run(argv: Record<string, unknown>): string {
    let out = '';
    vi.spyOn(io, 'out').mockImplementation((t: string) => void (out += t));
    const handler = refCommand.handler as (a: Record<string, unknown>) => void | Promise<void>;
    void handler({ _: ['ref'], $0: 'boxlab', ...argv });
    return out;
  }

  it('prints one JSON object with --json', () => {
    const out = run({ name: 'localhost:5000/app:v1', json: true });
    expect(JSON.parse(out)).toEqual({
      input: 'localhost:5000/app:v1',
      registry: 'localhost:5000',
      repository: 'app',
      tag: 'v1',
      digest: null,
      familiar: 'localhost:5000/app:v1',
      canonical: 'localhost:5000/app:v1',
    });
    expect(JSON.parse(run({ name: 'nginx', json: true }))).toMatchObject({ tag: 'latest', digest: null, familiar: 'nginx:latest', canonical: 'docker.io/library/nginx:latest' });
  });

  it('explains each step in plain text', () => {
    expect(run({ name: 'nginx' })).toBe(
      [
        'nginx',
        '  registry     docker.io         (no registry given: Docker Hub)',
        '  repository   library/nginx     (a single name on Docker Hub is an official image under library/)',
        '  tag          latest            (no tag given: latest)',
        '  canonical    docker.io/library/nginx:latest',
        '',
      ].join('\n'),
    );
    const pinned = describeRef(`ghcr.io/user/app@sha256:${F64}`);
    expect(pinned).toContain('(a digest pins the image, so no default tag)');
    expect(pinned).toContain(`canonical    ghcr.io/user/app@sha256:${F64}`);
  });

  it('throws the parser error for an invalid name', () => {
    expect(() => run({ name: 'Busybox' })).toThrow('invalid reference format: repository name (library/Busybox) must be lowercase');
  });
});
