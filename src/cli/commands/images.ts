// boxlab images / pull: the local images (for now the base image; the full store comes later).
import type { Argv, CommandModule } from 'yargs';
import { ensureImage } from '../../engine/images/catalog.js';
import { shortId } from '../../engine/ids.js';
import { engineFor, io, type GlobalArgs } from '../context.js';
import { formatRows, humanDuration, humanSize, table } from '../format.js';

type Args = GlobalArgs & Record<string, unknown>;

export const images: CommandModule<GlobalArgs, Args> = {
  command: 'images',
  describe: 'List images',
  builder: (y) => y.option('quiet', { alias: 'q', type: 'boolean' }).option('format', { type: 'string' }).option('json', { type: 'boolean' }) as Argv<Args>,
  handler: async (a) => {
    const rows = await engineFor(a).view((tx) => {
      const now = tx.kernel.clock.now();
      return Object.values(tx.state.images).flatMap((i) =>
        i.repoTags.map((t) => {
          const [repo, tag] = [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)];
          return { Repository: repo, Tag: tag, ID: shortId(i.id), CreatedSince: `${humanDuration(now - i.created)} ago`, Size: humanSize(i.size) };
        }),
      );
    });
    if (a.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    if (a.quiet) return io.out(rows.map((r) => `${r.ID}\n`).join(''));
    if (a.format) return io.out(formatRows(String(a.format), rows, { ID: 'IMAGE ID', CreatedSince: 'CREATED' }));
    io.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size])));
  },
};

export const pull: CommandModule<GlobalArgs, Args> = {
  command: 'pull <image>',
  describe: 'Fetch an image (sim mode: from the built-in catalog)',
  builder: (y) => y.positional('image', { type: 'string' }).example('$0 pull busybox', '') as Argv<Args>,
  handler: async (a) => {
    const img = await engineFor(a).tx((tx) => ensureImage(tx, String(a.image), (l) => io.out(`${l}\n`)));
    io.out(`${img.repoTags[0] ?? img.id}\n`);
  },
};
