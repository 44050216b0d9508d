// boxlab compare [--json] [--quick] [--real]: the usual container-vs-VM table, measured on this
// machine row by row (real mode, root, qemu), or with cited figures marked "not measured here".
import type { Argv, CommandModule } from 'yargs';
import { runCompare } from '../../compare/compare.js';
import { renderComparison } from '../../compare/table.js';
import { engineFor, io, modeOf, type GlobalArgs } from '../context.js';

type Args = GlobalArgs & Record<string, unknown>;

export const compare: CommandModule<GlobalArgs, Args> = {
  command: 'compare',
  describe: 'Containers vs virtual machines, measured here: start, disk, memory, performance, density, isolation',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', describe: 'print JSON (every figure with its method, samples and source)' })
      .option('quick', { type: 'boolean', describe: 'few samples (seconds, not minutes)' })
      .example('$0 compare --real --quick', 'measure containers and a qemu VM on this machine (root)')
      .example('$0 compare', 'sim mode: the cited figures, marked "not measured here"') as Argv<Args>,
  handler: async (a) => {
    const mode = modeOf(a);
    const quiet = !!a.json;
    const cmp = await runCompare({
      mode,
      quick: !!a.quick,
      engine: () => engineFor({ ...a, mode: 'real', real: true }),
      progress: quiet ? undefined : (l) => io.err(`measuring: ${l}\n`),
    });
    if (a.json) return io.out(JSON.stringify(cmp, null, 2) + '\n');
    io.out(renderComparison(cmp, process.stdout.columns || 100));
  },
};
