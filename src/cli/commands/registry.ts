// boxlab push, and boxlab registry serve: an embedded OCI distribution registry on 127.0.0.1.
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../engine/errors.js';
import { getImage } from '../../engine/images/manage.js';
import { defaultHome } from '../../engine/lab.js';
import { pushTo } from '../../engine/registry/pull.js';
import { startRegistry } from '../../engine/registry/server.js';
import { engineFor, io, modeOf, type GlobalArgs } from '../context.js';
import { progressBar } from '../terminal.js';

type Args = GlobalArgs & Record<string, unknown>;

export const push: CommandModule<GlobalArgs, Args> = {
  command: 'push <image>',
  describe: 'Send an image to the registry its name points at (e.g. localhost:5000/app:v1)',
  builder: (y) => y.positional('image', { type: 'string' }).example('$0 tag busybox localhost:5000/busybox && $0 push localhost:5000/busybox', '') as Argv<Args>,
  handler: async (a) => {
    const name = String(a.image);
    await engineFor(a).tx((tx) => pushTo(tx, getImage(tx, name), name, (l) => io.out(`${l}\n`), progressBar('Pushing')));
  },
};

const serve: CommandModule<GlobalArgs, Args> = {
  command: 'serve',
  describe: 'Run an OCI distribution registry on 127.0.0.1 until Ctrl-C',
  builder: (y) =>
    y
      .option('port', { alias: 'p', type: 'number', default: 5000, describe: 'TCP port (0: any free one)' })
      .option('root', { type: 'string', describe: 'where it stores blobs and tags (default: the lab home)/registry' })
      .example('$0 registry serve --port 5000', 'then: boxlab tag busybox localhost:5000/busybox && boxlab push localhost:5000/busybox') as Argv<Args>,
  handler: async (a) => {
    const port = Number(a.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port: ${String(a.port)}`, 'Give a port from 1 to 65535, or 0 for any free one.');
    const root = (a.root as string | undefined) ?? join(defaultHome(modeOf(a)), 'registry');
    const reg = await startRegistry({ root, port, log: (l: string) => io.err(`${l}\n`) });
    io.out(`boxlab registry listening on ${reg.url} (storage: ${root}); Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await reg.close();
    io.out('registry stopped\n');
  },
};

export const registryGroup: CommandModule<GlobalArgs, Args> = {
  command: 'registry <command>',
  describe: 'The embedded registry (serve)',
  builder: (y) => y.command(serve as CommandModule).demandCommand(1, 'Name a registry command, e.g. boxlab registry serve') as Argv<Args>,
  handler: () => undefined,
};
