// Run `boxlab lesson ...` / `boxlab progress ...` in-process (main.ts does not register them yet):
// a yargs instance with the two groups, output captured from context's io.
import yargs from 'yargs';
import { lessonGroup, progressGroup } from '../../src/cli/commands/lesson.js';
import { exit, io, reportError } from '../../src/cli/context.js';

export async function lessonCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const o = { stdout: '', stderr: '' };
  const saved = { out: io.out, err: io.err };
  io.out = (t) => void (o.stdout += t);
  io.err = (t) => void (o.stderr += t);
  exit.code = 0;
  let code: number;
  try {
    await yargs(args)
      .option('real', { type: 'boolean', global: true })
      .option('mode', { type: 'string', global: true })
      .command(lessonGroup as never)
      .command(progressGroup as never)
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
    code = exit.code;
  } catch (e) {
    code = reportError(e);
  } finally {
    io.out = saved.out;
    io.err = saved.err;
  }
  return { code, ...o };
}
