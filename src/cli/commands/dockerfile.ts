// boxlab dockerfile parse FILE: read a Dockerfile as Docker's parser reads it, one instruction a line.
import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { DockerfileParseError, parseDockerfile, type Instruction } from '../../engine/build/dockerfile.js';
import type { Io } from '../../engine/engine.js';
import { UserError } from '../../engine/errors.js';
import { io, type GlobalArgs } from '../context.js';
import { table } from '../format.js';
import { readAllStdin } from '../terminal.js';

type Args = GlobalArgs & Record<string, unknown>;

async function readDockerfile(file: string, stdin: () => Promise<string>): Promise<string> {
  if (file === '-') return stdin();
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`open ${file}: no such file or directory`, 'Check the path, or pass - to read the Dockerfile from stdin.', 1);
    if (code === 'EISDIR') throw new UserError(`read ${file}: is a directory`, 'Name the Dockerfile itself, e.g. ./Dockerfile.', 1);
    if (code === 'EACCES') throw new UserError(`open ${file}: permission denied`, undefined, 1);
    throw e;
  }
}

function argsText(i: Instruction): string {
  const args = i.json ? JSON.stringify(i.args) : i.args.join(' ');
  return [...i.flags, args].filter((s) => s !== '').join(' ');
}

/** The handler's work, with its streams passed in so tests can run it in-process. */
export async function dockerfileParse(file: string, opts: { json?: boolean }, out: Io = io, stdin: () => Promise<string> = readAllStdin): Promise<void> {
  const text = await readDockerfile(file, stdin);
  let parsed;
  try {
    parsed = parseDockerfile(text);
  } catch (e) {
    if (e instanceof DockerfileParseError) throw new UserError(`${file}:${e.line}: ${e.detail}`, undefined, 1);
    throw e;
  }
  for (const w of parsed.warnings) out.err(`${w}\n`);
  if (opts.json) {
    for (const i of parsed.instructions) out.out(JSON.stringify({ line: i.line, instruction: i.instruction, flags: i.flags, args: i.args, json: i.json }) + '\n');
    return;
  }
  out.out(table(['LINE', 'INSTRUCTION', 'ARGS'], parsed.instructions.map((i) => [String(i.line), i.instruction, argsText(i)])));
}

const parse: CommandModule<GlobalArgs, Args> = {
  command: 'parse <file>',
  describe: "Parse a Dockerfile as Docker does and list its instructions ('-' reads stdin)",
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: "the Dockerfile, or '-' for stdin" })
      .option('json', { type: 'boolean', describe: 'one JSON object per instruction, one per line' })
      .example('$0 dockerfile parse Dockerfile', '')
      .example('$0 dockerfile parse - --json < Dockerfile', '') as Argv<Args>,
  // yargs-parser hands a lone '-' to a positional as '' (or true), so read those as stdin.
  handler: async (a) => dockerfileParse(a.file === '' || a.file === true ? '-' : String(a.file), { json: !!a.json }),
};

export const dockerfileGroup: CommandModule<GlobalArgs, Args> = {
  command: 'dockerfile <command>',
  describe: 'Read Dockerfiles as Docker reads them',
  builder: (y) => y.command(parse).demandCommand(1, 'Name a dockerfile command, e.g. boxlab dockerfile parse Dockerfile') as Argv<Args>,
  handler: () => undefined,
};
