#!/usr/bin/env node
// `boxlab compare ARGS` from the built dist/, for tests: bin/boxlab.js once main.ts registers
// compare; until then this runs the command module with the same global options.
import yargs from 'yargs';

const { compare } = await import('../../dist/cli/commands/compare.js');
const { exit, reportError } = await import('../../dist/cli/context.js');
const args = process.argv.slice(2);
try {
  await yargs(args)
    .scriptName('boxlab')
    .option('mode', { type: 'string', choices: ['sim', 'real'], global: true })
    .option('real', { type: 'boolean', global: true })
    .option('events', { type: 'boolean', global: true })
    .command(compare)
    .demandCommand(1)
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      throw new Error(msg);
    })
    .parseAsync();
  process.exitCode = exit.code;
} catch (e) {
  process.exitCode = reportError(e);
}
