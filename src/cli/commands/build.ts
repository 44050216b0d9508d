// boxlab build [OPTIONS] PATH | -: docker build, as the classic builder does it (DOCKER_BUILDKIT=0).
// PATH is a directory context; `-` reads stdin: a tar (plain or gzip'd) is a context, anything
// else is a Dockerfile with no context (`boxlab build - < Dockerfile`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { build as runBuilder, type BuildOptions } from '../../engine/build/builder.js';
import { looksLikeTar } from '../../engine/build/context.js';
import type { Engine, Io } from '../../engine/engine.js';
import { UserError } from '../../engine/errors.js';
import { engineFor, io, type GlobalArgs } from '../context.js';
import { readAllStdinBuffer } from '../terminal.js';

type Args = GlobalArgs & Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

export interface BuildArgv {
  /** the context: a directory, or '-' for stdin */
  path: string;
  tag?: string[];
  file?: string;
  noCache?: boolean;
  buildArg?: string[];
  target?: string;
  quiet?: boolean;
}

/** --build-arg KEY=VALUE, or KEY alone to take the value from the environment (skipped when unset), as docker does. */
export function parseBuildArgs(items: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i === 0) throw new UserError(`invalid argument "${item}" for "--build-arg" flag: invalid key-value pair`, 'Write --build-arg NAME=VALUE.', 125);
    if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    else if (env[item] !== undefined) out[item] = env[item]!;
  }
  return out;
}

/** The command line → the builder's options (reads stdin and -f files). */
export async function buildOptions(a: BuildArgv, stdin: () => Promise<Buffer> = readAllStdinBuffer, cwd = process.cwd()): Promise<BuildOptions> {
  const opts: BuildOptions = {
    context: { kind: 'none' },
    tags: a.tag ?? [],
    noCache: !!a.noCache,
    buildArgs: parseBuildArgs(a.buildArg ?? []),
    ...(a.target ? { target: a.target } : {}),
    ...(a.quiet ? { quiet: true } : {}),
  };
  if (a.path === '-') {
    if (a.file === '-') throw new UserError('invalid argument: can\'t use stdin for both build context and dockerfile', 'Give the context as a directory, or the Dockerfile with -f FILE.', 1);
    const data = await stdin();
    if (looksLikeTar(data)) {
      opts.context = { kind: 'tar', data };
      if (a.file) opts.dockerfile = a.file;
    } else {
      if (a.file) throw new UserError('the Dockerfile came on stdin; -f has no context to name a file in', 'Leave out -f, or send a tar of the context on stdin.', 1);
      opts.context = { kind: 'none' };
      opts.dockerfileText = data.toString('utf8');
    }
    return opts;
  }
  const dir = resolve(cwd, a.path);
  opts.context = { kind: 'dir', path: dir };
  if (a.file === '-') opts.dockerfileText = (await stdin()).toString('utf8');
  else if (a.file) {
    // -f is a path from here (as docker reads it); inside the context it is named by its path there
    const f = resolve(cwd, a.file);
    const rel = relative(dir, f);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) opts.dockerfile = rel.split('\\').join('/');
    else if (existsSync(f) && statSync(f).isFile()) opts.dockerfileText = readFileSync(f, 'utf8');
    else throw new UserError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${f}: no such file or directory`, 'Check the -f path.', 1);
  }
  return opts;
}

/** The handler's work, with the engine and streams passed in so tests can run it in-process. */
export async function buildCommand(engine: Engine, a: BuildArgv, out: Io = io, stdin: () => Promise<Buffer> = readAllStdinBuffer): Promise<string> {
  const opts = await buildOptions(a, stdin);
  const r = await runBuilder(engine, opts, out);
  return r.imageId;
}

export const build: CommandModule<GlobalArgs, Args> = {
  command: 'build [path]',
  describe: "Build an image from a Dockerfile (PATH is the context directory; '-' reads a Dockerfile or a tar from stdin)",
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: "the build context directory, or '-' for stdin" })
      // repeatable options are plain strings (yargs collects repeats); `array` would swallow PATH
      .option('tag', { alias: 't', type: 'string', requiresArg: true, describe: 'name:tag for the image (repeatable)' })
      .option('file', { alias: 'f', type: 'string', describe: "the Dockerfile (default PATH/Dockerfile; '-' reads stdin)" })
      .option('no-cache', { type: 'boolean', describe: 'do not use the build cache' })
      .option('build-arg', { type: 'string', requiresArg: true, describe: 'NAME=VALUE for an ARG (repeatable)' })
      .option('target', { type: 'string', describe: 'stop after this stage' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the image id' })
      .example('$0 build -t web:1 sandbox/web', 'build the directory sandbox/web')
      .example('$0 build - < Dockerfile', 'a Dockerfile on stdin, no context')
      .example('$0 build -t app - < context.tar', 'a tar context on stdin') as Argv<Args>,
  handler: async (a) => {
    // yargs-parser hands a lone '-' to a positional as '' (or true)
    const raw = a.path;
    if (raw === undefined) throw new UserError('"boxlab build" requires exactly 1 argument.', "Give the context directory (e.g. '.') or '-'.", 1);
    const path = raw === '' || raw === true ? '-' : String(raw);
    await buildCommand(engineFor(a), {
      path,
      tag: list(a.tag),
      file: a.file === '' || a.file === true ? '-' : (a.file as string | undefined),
      noCache: !!a['no-cache'],
      buildArg: list(a['build-arg']),
      target: a.target as string | undefined,
      quiet: !!a.quiet,
    });
  },
};
