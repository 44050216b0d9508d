// boxlab's command line: docker's verbs over the lab, plus doctor, reset and tour.
import yargs from 'yargs';
import { containerCommand, containerCommands, containerGroup } from './commands/containers.js';
import { imageCommands, imageGroup, images, pull } from './commands/images.js';
import { ref } from './commands/ref.js';
import { build } from './commands/build.js';
import { ui } from './commands/ui.js';
import { push, registryGroup } from './commands/registry.js';
import { lessonGroup, progressGroup } from './commands/lesson.js';
import { dockerfileGroup } from './commands/dockerfile.js';
import { systemGroup, transferCommands } from './commands/transfer.js';
import { cleanupCmd, doctor, reset, tour } from './commands/system.js';
import { volumeGroup } from './commands/volumes.js';
import { compare } from './commands/compare.js';
import { UsageError } from '../engine/errors.js';
import { exit, reportError } from './context.js';
import { splitContainerCommand } from './split.js';

export async function main(args: string[], version: string): Promise<number> {
  const split = splitContainerCommand(args);
  containerCommand.rest = split?.rest ?? [];
  const head = split?.head ?? args;
  exit.code = 0;
  const cli = yargs(head)
    .scriptName('boxlab')
    .usage('Usage: $0 <command> [options]\n\nA container lab for the terminal: run containers on a simulated (default) or real Linux kernel and see what each step changes.')
    .option('mode', { type: 'string', choices: ['sim', 'real'], describe: 'which kernel: simulated (default) or real (Linux, root)', global: true })
    .option('real', { type: 'boolean', describe: 'same as --mode real', global: true })
    .option('events', { type: 'boolean', describe: 'print each kernel action and its command on stderr', global: true })
    .version(version)
    .help('help')
    .strict()
    .wrap(Math.min(100, process.stdout.columns || 100))
    // --no-cache and --no-trunc are flags of their own, as in docker, not negations of cache/trunc
    .parserConfiguration({ 'unknown-options-as-args': false, 'boolean-negation': false })
    .fail((msg, err) => {
      // throwing here stops yargs before any handler runs
      if (err) throw err;
      const verb = head.find((a) => !a.startsWith('-')) ?? '';
      throw new UsageError(msg, `See 'boxlab ${verb ? `${verb} ` : ''}--help'.`);
    });
  for (const c of [...containerCommands, ...imageCommands, ...transferCommands]) cli.command(c as never);
  cli
    .command(containerGroup() as never)
    .command(volumeGroup as never)
    .command(images as never)
    .command(imageGroup as never)
    .command(pull as never)
    .command(ref as never)
    .command(build as never)
    .command(push as never)
    .command(registryGroup as never)
    .command(lessonGroup as never)
    .command(progressGroup as never)
    .command(dockerfileGroup as never)
    .command(systemGroup as never)
    .command(doctor as never)
    .command(reset as never)
    .command(cleanupCmd as never)
    .command(tour as never)
    .command(compare as never)
    .command(ui as never)
    .epilogue('State: $BOXLAB_HOME, else $XDG_DATA_HOME/boxlab. Docs: README.md');
  try {
    await cli.parseAsync();
  } catch (e) {
    return reportError(e);
  }
  return exit.code;
}
