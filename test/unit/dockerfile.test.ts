// The Dockerfile parser, held to BuildKit's behaviour. Where a test says "testfiles/X", its input and
// expected arguments come from the parser's own test data (moby builder/dockerfile/parser/testfiles,
// carried into buildkit frontend/dockerfile/parser/testfiles).
import { describe, expect, it } from 'vitest';
import { dockerfileParse } from '../../src/cli/commands/dockerfile.js';
import { DockerfileParseError, EXPANDED_INSTRUCTIONS, expand, parseDockerfile, stages, type Instruction } from '../../src/engine/build/dockerfile.js';
import { UserError } from '../../src/engine/errors.js';

const simple = (t: string) => parseDockerfile(t).instructions.map((i) => [i.instruction, ...i.args]);
const only = (t: string, n = 0): Instruction => parseDockerfile(t).instructions[n];
const parseError = (t: string): DockerfileParseError => {
  try {
    parseDockerfile(t);
  } catch (e) {
    if (e instanceof DockerfileParseError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
};

describe('lines, continuations and comments', () => {
  it('joins continuation lines and skips comment lines inside them', () => {
    const i = only('FROM a\nRUN apt-get update \\\n# a comment inside\n    && apt-get install -y curl\n', 1);
    expect(i).toMatchObject({ line: 2, endLine: 4, instruction: 'RUN', args: ['apt-get update     && apt-get install -y curl'], json: false });
  });

  it('drops empty continuation lines with the warnings Docker prints (testfiles/escapes)', () => {
    const p = parseDockerfile('FROM a\nRUN foo \\\n\nbar \\\n\nbaz\n');
    expect(p.instructions[1].args).toEqual(['foo bar baz']);
    expect(p.warnings).toEqual([
      '[WARNING]: Empty continuation line found in:\n    RUN foo bar baz',
      '[WARNING]: Empty continuation lines will become errors in a future release.',
    ]);
  });

  it('treats # as a comment only at the start of a line', () => {
    expect(simple('# top\nFROM a\n  # indented comment\nRUN echo hi # not a comment\n')).toEqual([
      ['FROM', 'a'],
      ['RUN', 'echo hi # not a comment'],
    ]);
  });

  it('ends a continuation at the end of the file (testfiles/continue-at-eof)', () => {
    expect(simple('FROM alpine:3.5\n\nRUN something \\')).toEqual([
      ['FROM', 'alpine:3.5'],
      ['RUN', 'something'],
    ]);
  });

  it('does not continue a line ending in an escaped escape', () => {
    expect(simple('FROM a\nRUN echo \\\\\nRUN next\n')).toEqual([
      ['FROM', 'a'],
      ['RUN', 'echo \\\\'],
      ['RUN', 'next'],
    ]);
  });

  it('reads keywords case-insensitively and reports them upper-case', () => {
    expect(simple('from alpine\nrun echo hi\nWorkDir /app\n')).toEqual([
      ['FROM', 'alpine'],
      ['RUN', 'echo hi'],
      ['WORKDIR', '/app'],
    ]);
  });

  it('strips a UTF-8 byte-order mark and accepts CRLF line endings', () => {
    expect(simple('\uFEFFFROM a\r\nRUN x \\\r\n  y\r\n')).toEqual([
      ['FROM', 'a'],
      ['RUN', 'x   y'],
    ]);
  });
});

describe('parser directives', () => {
  it('reads # escape=` and continues lines with it on Windows-style paths (Dockerfile reference)', () => {
    const p = parseDockerfile('# escape=`\n\nFROM microsoft/nanoserver\nCOPY testfile.txt c:\\\nRUN dir c:\\\n');
    expect(p.directives).toEqual({ escape: '`' });
    expect(p.instructions.map((i) => [i.line, i.instruction, ...i.args])).toEqual([
      [3, 'FROM', 'microsoft/nanoserver'],
      [4, 'COPY', 'testfile.txt', 'c:\\'],
      [5, 'RUN', 'dir c:\\'],
    ]);
  });

  it('continues lines with a backtick once escape=` (testfiles/escape-nonewline)', () => {
    expect(only('# escape=`\nFROM image\nENV GOPATH `\n\\go', 1).args).toEqual(['GOPATH', '\\go']);
  });

  it('reads # escape=\\ and # syntax= together', () => {
    expect(parseDockerfile('# syntax=docker/dockerfile:1\n# escape=\\\nFROM a\n').directives).toEqual({ escape: '\\', syntax: 'docker/dockerfile:1' });
  });

  it('ignores directives after a comment, an empty line or an instruction', () => {
    expect(parseDockerfile('# a comment\n# escape=`\nFROM a\n').directives).toEqual({ escape: '\\' });
    expect(parseDockerfile('\n# escape=`\nFROM a\n').directives).toEqual({ escape: '\\' });
    expect(parseDockerfile('FROM a\n# escape=`\nRUN x\n').directives).toEqual({ escape: '\\' });
  });

  it('refuses a repeated directive and an escape token other than \\ or `', () => {
    expect(parseError('# escape=`\n# escape=\\\nFROM a\n').message).toBe('dockerfile parse error on line 2: only one escape parser directive can be used');
    expect(parseError('# escape=x\nFROM a\n').detail).toBe("invalid escape token 'x' does not match ` or \\");
  });
});

describe('arguments, split as each instruction splits them', () => {
  it('reads FROM with --platform and AS name', () => {
    expect(only('FROM --platform=linux/amd64 golang:1.22 AS build\n')).toMatchObject({ instruction: 'FROM', flags: ['--platform=linux/amd64'], args: ['golang:1.22', 'AS', 'build'] });
  });

  it('reads ENV in the legacy `ENV k v` form, keeping the rest of the line as the value (testfiles/env)', () => {
    const p = parseDockerfile('FROM a\nENV name value with spaces\n');
    expect(p.instructions[1].args).toEqual(['name', 'value with spaces']);
    expect(p.warnings).toEqual(['LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 2)']);
  });

  it('reads ENV k=v pairs, keeping quotes and escapes for expansion to remove (testfiles/env)', () => {
    expect(only('ENV name=value name2=value2\n').args).toEqual(['name', 'value', 'name2', 'value2']);
    expect(only('ENV name="value value1"\n').args).toEqual(['name', '"value value1"']);
    expect(only('ENV name=value\\ value2 name2=value2\\ value3\n').args).toEqual(['name', 'value\\ value2', 'name2', 'value2\\ value3']);
    expect(only("ENV name='a\\'b''\n").args).toEqual(['name', "'a\\'b''"]);
    expect(only('ENV name=value \\\n    name2="value2a \\\n           value2b"\n').args).toEqual(['name', 'value', 'name2', '"value2a            value2b"']);
  });

  it('reads LABEL like ENV', () => {
    expect(only('LABEL a=1 "b c"="d e"\n').args).toEqual(['a', '1', '"b c"', '"d e"']);
  });

  it('refuses ENV without = in a later pair or without a value', () => {
    expect(parseError('ENV a=1 b\n').detail).toBe('Syntax error - can\'t find = in "b". Must be of the form: name=value');
    expect(parseError('ENV x\n').detail).toBe('ENV must have two arguments');
  });

  it('splits CMD shell form into one string and JSON form into its elements (testfiles/json)', () => {
    expect(only('CMD echo "hello world" && exit 1\n')).toMatchObject({ args: ['echo "hello world" && exit 1'], json: false });
    expect(only('CMD ["a","b"]\n')).toMatchObject({ args: ['a', 'b'], json: true });
    expect(only('CMD\t[\t"a",\t"b"\t]\t\n')).toMatchObject({ args: ['a', 'b'], json: true });
    expect(only('CMD []\n')).toMatchObject({ args: [], json: true });
    expect(only('CMD ["abc 123", "♥", "\\" \\\\ \\/ \\n"]\n').args).toEqual(['abc 123', '♥', '" \\ / \n']);
  });

  it('falls back to shell form when the JSON does not parse (testfiles/jeztah-invalid-json-*)', () => {
    expect(only("CMD ['echo','single quotes are invalid JSON']\n")).toMatchObject({ args: ["['echo','single quotes are invalid JSON']"], json: false });
    expect(only('CMD ["echo", "Please, close the brackets when you\'re done"\n')).toMatchObject({ args: ['["echo", "Please, close the brackets when you\'re done"'], json: false });
  });

  it('refuses a JSON array with something other than strings', () => {
    expect(parseError('FROM a\nCMD ["a", 1]\n').message).toBe('dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only');
  });

  it('reads RUN and ENTRYPOINT in both forms', () => {
    expect(only('RUN ["/bin/sh", "-c", "echo hi"]\n')).toMatchObject({ instruction: 'RUN', args: ['/bin/sh', '-c', 'echo hi'], json: true });
    expect(only('ENTRYPOINT exec top -b\n')).toMatchObject({ args: ['exec top -b'], json: false });
  });

  it('reads COPY --from, --chown and --chmod as flags and the rest as words (testfiles/flags)', () => {
    expect(only('COPY --from=build --chown=1:1 --chmod=755 /out/app /usr/local/bin/\n')).toMatchObject({
      flags: ['--from=build', '--chown=1:1', '--chmod=755'],
      args: ['/out/app', '/usr/local/bin/'],
    });
    expect(only('COPY -- foo /tmp/\n')).toMatchObject({ flags: [], args: ['foo', '/tmp/'] });
    expect(only('ADD ["a b", "/c/"]\n')).toMatchObject({ args: ['a b', '/c/'], json: true });
  });

  it('refuses a flag the instruction does not define', () => {
    expect(parseError('FROM a\nCOPY --user=me foo /tmp/\n').detail).toBe('unknown flag: user');
  });

  it('reads ARG with and without a default, quotes kept', () => {
    expect(only('ARG VERSION\n').args).toEqual(['VERSION']);
    expect(only('ARG VERSION=1.2 NAME="a b"\n').args).toEqual(['VERSION=1.2', 'NAME="a b"']);
  });

  it('keeps WORKDIR, USER and STOPSIGNAL as one string and splits EXPOSE on whitespace', () => {
    expect(simple('WORKDIR /my dir\nUSER app:app\nSTOPSIGNAL SIGTERM\nEXPOSE 80/tcp  443\n')).toEqual([
      ['WORKDIR', '/my dir'],
      ['USER', 'app:app'],
      ['STOPSIGNAL', 'SIGTERM'],
      ['EXPOSE', '80/tcp', '443'],
    ]);
  });

  it('reads VOLUME as JSON or as words (testfiles/multiple-volumes)', () => {
    expect(only('VOLUME ["/a", "/b c"]\n')).toMatchObject({ args: ['/a', '/b c'], json: true });
    expect(only('VOLUME /a /b\n')).toMatchObject({ args: ['/a', '/b'], json: false });
  });

  it('reads HEALTHCHECK NONE', () => {
    expect(only('HEALTHCHECK NONE\n')).toMatchObject({ instruction: 'HEALTHCHECK', flags: [], args: ['NONE'] });
    expect(parseError('HEALTHCHECK NONE x\n').detail).toBe('HEALTHCHECK NONE takes no arguments');
  });

  it('reads HEALTHCHECK CMD with --interval and the other flags (testfiles/health)', () => {
    const p = parseDockerfile('FROM debian\nHEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD /app/check.sh --quiet\nHEALTHCHECK --timeout=3s CMD ["foo"]\n');
    expect(p.instructions[1]).toMatchObject({ line: 2, endLine: 3, flags: ['--interval=5s', '--timeout=3s', '--retries=3'], args: ['CMD', '/app/check.sh --quiet'], json: false });
    expect(p.instructions[2]).toMatchObject({ flags: ['--timeout=3s'], args: ['CMD', 'foo'], json: true });
    expect(parseError('HEALTHCHECK CONNECT TCP 7000\n').detail).toBe('Unknown type "CONNECT" in HEALTHCHECK (try CMD)');
  });

  it('accepts SHELL only in JSON form', () => {
    expect(only('SHELL ["powershell", "-command"]\n')).toMatchObject({ args: ['powershell', '-command'], json: true });
    expect(parseError('SHELL /bin/sh -c\n').detail).toBe('SHELL requires the arguments to be in JSON form');
  });

  it('reads ONBUILD as the wrapped text plus the parsed instruction', () => {
    const i = only('ONBUILD COPY --chown=1:1 . /app/src\n');
    expect(i).toMatchObject({ instruction: 'ONBUILD', args: ['COPY --chown=1:1 . /app/src'] });
    expect(i.sub).toMatchObject({ instruction: 'COPY', flags: ['--chown=1:1'], args: ['.', '/app/src'] });
    expect(parseError('ONBUILD ONBUILD RUN x\n').detail).toBe('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    expect(parseError('ONBUILD FROM a\n').detail).toBe("FROM isn't allowed as an ONBUILD trigger");
  });

  it('reads MAINTAINER and warns that it is deprecated', () => {
    const p = parseDockerfile('FROM a\nMAINTAINER Jane <jane@example.com>\n');
    expect(p.instructions[1].args).toEqual(['Jane <jane@example.com>']);
    expect(p.warnings).toEqual(['MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)']);
  });

  it('attaches heredoc bodies to RUN and COPY', () => {
    const p = parseDockerfile("FROM a\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-'END' /x\n\thi\n\tEND\n");
    expect(p.instructions[1]).toMatchObject({ line: 2, endLine: 4, args: ['<<EOF'], heredocs: [{ name: 'EOF', expand: true, chomp: false, content: 'echo $HOME\n' }] });
    expect(p.instructions[2].heredocs).toEqual([{ name: 'END', fileDescriptor: 0, expand: false, chomp: true, content: '\thi\n' }]);
  });
});

describe('errors', () => {
  it('names the line of an unknown instruction', () => {
    expect(parseError('FROM a\nRUN x\nBOGUS thing\n').message).toBe('dockerfile parse error on line 3: unknown instruction: BOGUS');
  });

  it('suggests the closest instruction, as BuildKit does', () => {
    expect(parseError('FROM a\nRUNN x\n').detail).toBe('unknown instruction: RUNN (did you mean RUN?)');
  });

  it('refuses a file with no instructions', () => {
    expect(parseError('# nothing\n\n').detail).toBe('file with no instructions');
  });

  it('refuses a bad stage name and a FROM with two words', () => {
    expect(parseError('FROM a AS 1x\n').detail).toBe('invalid name for build stage: "1x", name can\'t start with a number or contain symbols');
    expect(parseError('FROM a b\n').detail).toBe('FROM requires either one or three arguments');
  });
});

describe('stages', () => {
  it('collects ARGs before the first FROM as global args', () => {
    const s = stages(parseDockerfile('ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG}\n'));
    expect(s.globalArgs).toEqual([
      { name: 'BASE', value: 'alpine', line: 1 },
      { name: 'TAG', line: 2 },
    ]);
    expect(s.stages).toHaveLength(1);
  });

  it('groups instructions from each FROM to the next, with index, name and platform', () => {
    const s = stages(
      parseDockerfile('FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nWORKDIR /src\nRUN go build -o /out/app\nFROM scratch\nCOPY --from=build /out/app /app\nCMD ["/app"]\n'),
    );
    expect(s.stages.map((st) => ({ index: st.index, name: st.name, baseName: st.baseName, platform: st.platform, body: st.instructions.map((i) => i.instruction) }))).toEqual([
      { index: 0, name: 'build', baseName: 'golang:1.22', platform: '$BUILDPLATFORM', body: ['WORKDIR', 'RUN'] },
      { index: 1, name: undefined, baseName: 'scratch', platform: undefined, body: ['COPY', 'CMD'] },
    ]);
  });

  it('refuses an instruction other than ARG before the first FROM', () => {
    expect(() => stages(parseDockerfile('RUN x\nFROM a\n'))).toThrow('dockerfile parse error on line 1: no build stage in current context');
  });
});

describe('expand', () => {
  const env = { A: 'a', EMPTY: '', P: '/usr/local/bin/app.tar.gz' };

  it('expands $VAR and ${VAR}, unset as empty', () => {
    expect(expand('$A/${A}_x/$UNSET/${UNSET}.', env, '\\')).toBe('a/a_x//.');
  });

  it('expands ${VAR:-default} when unset or empty, ${VAR-default} only when unset', () => {
    expect(expand('${UNSET:-d} ${EMPTY:-d} ${A:-d}', env, '\\')).toBe('d d a');
    expect(expand('[${UNSET-d}] [${EMPTY-d}]', env, '\\')).toBe('[d] []');
  });

  it('expands ${VAR:+alt} when set and non-empty, ${VAR+alt} when set', () => {
    expect(expand('[${A:+x}] [${EMPTY:+x}] [${UNSET:+x}]', env, '\\')).toBe('[x] [] []');
    expect(expand('[${A+x}] [${EMPTY+x}] [${UNSET+x}]', env, '\\')).toBe('[x] [x] []');
  });

  it('expands variables inside a default', () => {
    expect(expand('${UNSET:-$A/bin}', env, '\\')).toBe('a/bin');
  });

  it('keeps an escaped $ literal, with either escape token', () => {
    expect(expand('\\$A', env, '\\')).toBe('$A');
    expect(expand('`$A c:\\x', env, '`')).toBe('$A c:\\x');
  });

  it('does not expand inside single quotes and removes quotes', () => {
    expect(expand('\'$A\' "$A" "\\$A"', env, '\\')).toBe('$A a $A');
  });

  it('removes prefixes and suffixes and replaces patterns', () => {
    expect(expand('${P##*/} ${P#*/} ${P%.*} ${P%%.*}', env, '\\')).toBe('app.tar.gz usr/local/bin/app.tar.gz /usr/local/bin/app.tar /usr/local/bin/app');
    expect(expand('${P/l/L} ${P//l/L}', env, '\\')).toBe('/usr/Local/bin/app.tar.gz /usr/LocaL/bin/app.tar.gz');
  });

  it('reports bad substitutions as BuildKit does', () => {
    expect(() => expand('${}', env, '\\')).toThrow('failed to process "${}": syntax error: bad substitution');
    expect(() => expand('"abc', env, '\\')).toThrow('unexpected end of statement while looking for matching double-quote');
    expect(() => expand('${UNSET:?must be set}', env, '\\')).toThrow('UNSET: must be set');
  });

  it('lists the instructions Docker expands, and not RUN, CMD or ENTRYPOINT', () => {
    expect([...EXPANDED_INSTRUCTIONS].sort()).toEqual(['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);
    for (const c of ['RUN', 'CMD', 'ENTRYPOINT']) expect(EXPANDED_INSTRUCTIONS).not.toContain(c);
  });
});

describe('boxlab dockerfile parse', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
  };
  const stdin = (text: string) => async () => text;

  it('prints one JSON object per instruction with --json', async () => {
    const c = capture();
    await dockerfileParse('-', { json: true }, c.io, stdin('FROM a AS build\nCOPY --from=build /x /y\nCMD ["/y"]\n'));
    expect(c.out.join('').trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { line: 1, instruction: 'FROM', flags: [], args: ['a', 'AS', 'build'], json: false },
      { line: 2, instruction: 'COPY', flags: ['--from=build'], args: ['/x', '/y'], json: false },
      { line: 3, instruction: 'CMD', flags: [], args: ['/y'], json: true },
    ]);
  });

  it('prints a LINE INSTRUCTION ARGS listing without --json', async () => {
    const c = capture();
    await dockerfileParse('-', {}, c.io, stdin('FROM a\nCMD ["/y"]\n'));
    expect(c.out.join('')).toBe('LINE   INSTRUCTION   ARGS\n1      FROM          a\n2      CMD           ["/y"]\n');
  });

  it('refuses a missing file with exit code 1', async () => {
    const e = await dockerfileParse('/nonexistent/Dockerfile', {}, capture().io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e).toMatchObject({ message: 'open /nonexistent/Dockerfile: no such file or directory', exitCode: 1 });
    expect((e as UserError).tryNext).toBeTruthy();
  });

  it('reports a parse error as FILE:LINE: message with exit code 1', async () => {
    const e = await dockerfileParse('-', {}, capture().io, stdin('FROM a\nBOGUS x\n')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e).toMatchObject({ message: '-:2: unknown instruction: BOGUS', exitCode: 1 });
  });
});
