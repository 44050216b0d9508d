// boxlab volume create/ls/inspect/rm/prune: named volumes outlive the containers that use them.
import type { Argv, CommandModule } from 'yargs';
import type { VolumeRec } from '../../engine/state.js';
import { createVolume, getVolume, pruneVolumes, removeVolume } from '../../engine/volumes/volumes.js';
import { each, engineFor, io, type GlobalArgs } from '../context.js';
import { formatRows, humanSize, renderTemplate, table } from '../format.js';

type Args = GlobalArgs & Record<string, unknown>;

export function volumeInspect(v: VolumeRec): Record<string, unknown> {
  return {
    CreatedAt: new Date(v.created).toISOString(),
    Driver: 'local',
    Labels: v.anonymous ? { 'com.docker.volume.anonymous': '' } : v.labels,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: null,
    Scope: 'local',
  };
}

const create: CommandModule<GlobalArgs, Args> = {
  command: 'create [name]',
  describe: 'Create a volume',
  builder: (y) => y.positional('name', { type: 'string' }).example('$0 volume create data', '') as Argv<Args>,
  handler: async (a) => {
    const v = await engineFor(a).tx((tx) => createVolume(tx, a.name as string | undefined));
    io.out(`${v.name}\n`);
  },
};

const ls: CommandModule<GlobalArgs, Args> = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List volumes',
  builder: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only names' })
      .option('format', { type: 'string', describe: 'Go template' })
      .option('json', { type: 'boolean', describe: 'print JSON' }) as Argv<Args>,
  handler: async (a) => {
    const vols = await engineFor(a).view((tx) => Object.values(tx.state.volumes).sort((x, y) => x.name.localeCompare(y.name)));
    const rows = vols.map((v) => ({ Driver: 'local', Name: v.name, Mountpoint: v.mountpoint, Scope: 'local', Labels: '' }));
    if (a.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    if (a.quiet) return io.out(rows.map((r) => `${r.Name}\n`).join(''));
    if (a.format) return io.out(formatRows(String(a.format), rows, { Name: 'VOLUME NAME' }));
    io.out(table(['DRIVER', 'VOLUME NAME'], rows.map((r) => [r.Driver, r.Name])));
  },
};

const inspect: CommandModule<GlobalArgs, Args> = {
  command: 'inspect <names..>',
  describe: 'Show volume details (JSON)',
  builder: (y) => y.positional('names', { type: 'string', array: true }).option('format', { alias: 'f', type: 'string' }).option('json', { type: 'boolean', describe: 'JSON (the default)' }) as Argv<Args>,
  handler: async (a) => {
    const out = await engineFor(a).view((tx) => (a.names as string[]).map((n) => volumeInspect(getVolume(tx, n))));
    if (a.format) for (const o of out) io.out(renderTemplate(String(a.format), o) + '\n');
    else io.out(JSON.stringify(out, null, 4) + '\n');
  },
};

const rm: CommandModule<GlobalArgs, Args> = {
  command: 'rm <names..>',
  aliases: ['remove'],
  describe: 'Remove volumes (refused while a container uses them)',
  builder: (y) => y.positional('names', { type: 'string', array: true }).option('force', { alias: 'f', type: 'boolean' }) as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(a.names as string[], async (n) => {
      await engine.tx((tx) => removeVolume(tx, n, !!a.force));
      io.out(`${n}\n`);
    });
  },
};

const prune: CommandModule<GlobalArgs, Args> = {
  command: 'prune',
  describe: 'Remove unused anonymous volumes (-a: all unused volumes)',
  builder: (y) => y.option('all', { alias: 'a', type: 'boolean' }).option('force', { alias: 'f', type: 'boolean', describe: 'do not ask (boxlab never asks here)' }) as Argv<Args>,
  handler: async (a) => {
    const r = await engineFor(a).tx((tx) => pruneVolumes(tx, !!a.all));
    if (r.removed.length) io.out(`Deleted Volumes:\n${r.removed.map((n) => `${n}\n`).join('')}\n`);
    io.out(`Total reclaimed space: ${humanSize(r.bytes)}\n`);
  },
};

export const volumeGroup: CommandModule<GlobalArgs, Args> = {
  command: 'volume <command>',
  describe: 'Manage volumes',
  builder: (y) => y.command(create).command(ls).command(inspect).command(rm).command(prune).demandCommand(1, 'Name a volume command, e.g. boxlab volume ls') as Argv<Args>,
  handler: () => undefined,
};
