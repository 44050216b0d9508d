// boxlab save/load (images as an OCI-layout tar), export/import (a container's root filesystem
// as a flat tar), and system df.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import writeFileAtomic from 'write-file-atomic';
import { findContainer } from '../../engine/containers/lifecycle.js';
import { UsageError, UserError } from '../../engine/errors.js';
import { shortId } from '../../engine/ids.js';
import { diskUsage } from '../../engine/images/manage.js';
import { exportContainer, importImage, loadImages, saveImages } from '../../engine/images/transfer.js';
import { applyChanges } from '../../engine/containers/commit.js';
import { engineFor, io, type GlobalArgs } from '../context.js';
import { readAllStdinBuffer } from '../terminal.js';
import { humanSize, table } from '../format.js';

type Args = GlobalArgs & Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Write to -o FILE atomically, or to stdout when it is not a terminal. */
function writeOut(data: Buffer, file: unknown, what: string): void {
  if (file) return writeFileAtomic.sync(String(file), data);
  if (process.stdout.isTTY) throw new UsageError(`cowardly refusing to write ${what} to a terminal`, 'Use -o FILE or redirect the output.');
  process.stdout.write(data);
}

function readIn(file: unknown): Promise<Buffer> | Buffer {
  if (file && file !== '-') {
    try {
      return readFileSync(String(file));
    } catch (e) {
      throw new UserError(`open ${String(file)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, 'Check the path.');
    }
  }
  if (process.stdin.isTTY) throw new UsageError('requested load from stdin, but stdin is empty', 'Use -i FILE or redirect a tar into it.');
  return readAllStdinBuffer();
}

const save: CommandModule<GlobalArgs, Args> = {
  command: 'save <images..>',
  describe: 'Write images to a tar (an OCI image layout)',
  builder: (y) => y.positional('images', { type: 'string', array: true }).option('output', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout' }).example('$0 save -o busybox.tar busybox', '') as Argv<Args>,
  handler: async (a) => {
    const data = await engineFor(a).view((tx) => saveImages(tx, list(a.images)));
    writeOut(data, a.output, 'a tar');
  },
};

const load: CommandModule<GlobalArgs, Args> = {
  command: 'load',
  describe: 'Read images from a tar made by save',
  builder: (y) => y.option('input', { alias: 'i', type: 'string', describe: 'read from FILE instead of stdin' }).option('quiet', { alias: 'q', type: 'boolean' }).example('$0 load -i busybox.tar', '') as Argv<Args>,
  handler: async (a) => {
    const data = await readIn(a.input);
    const imgs = await engineFor(a).view((tx) => loadImages(tx, data));
    for (const i of imgs) {
      if (i.repoTags.length) for (const t of i.repoTags) io.out(`Loaded image: ${t}\n`);
      else io.out(`Loaded image ID: ${i.id}\n`);
    }
  },
};

const exportCmd: CommandModule<GlobalArgs, Args> = {
  command: 'export <container>',
  describe: "Write a container's root filesystem (image layers + its changes, flattened) to a tar",
  builder: (y) => y.positional('container', { type: 'string' }).option('output', { alias: 'o', type: 'string' }).example('$0 export -o web.tar web', '') as Argv<Args>,
  handler: async (a) => {
    const data = await engineFor(a).view((tx) => exportContainer(tx, findContainer(tx, String(a.container))));
    writeOut(data, a.output, 'a tar');
  },
};

const importCmd: CommandModule<GlobalArgs, Args> = {
  command: 'import <file> [repository]',
  describe: 'Make a one-layer image from a root filesystem tar (- for stdin)',
  builder: (y) =>
    y
      .positional('file', { type: 'string' })
      .positional('repository', { type: 'string' })
      .option('message', { alias: 'm', type: 'string' })
      .option('change', { alias: 'c', type: 'string', describe: 'Dockerfile instruction, e.g. \'CMD ["sh"]\'' })
      .example('$0 import web.tar flat:v1', '') as Argv<Args>,
  handler: async (a) => {
    const data = await readIn(a.file === '' || a.file === true ? '-' : a.file);
    const changes = {};
    applyChanges(changes, list(a.change));
    const img = await engineFor(a).view((tx) => importImage(tx, data, a.repository as string | undefined, { message: a.message as string | undefined, changes }));
    io.out(`${img.id}\n`);
  },
};

const df: CommandModule<GlobalArgs, Args> = {
  command: 'df',
  describe: 'Show what takes space: images, containers, volumes, build cache',
  builder: (y) => y.option('verbose', { alias: 'v', type: 'boolean' }).option('json', { type: 'boolean' }).example('$0 system df', '') as Argv<Args>,
  handler: async (a) => {
    const u = await engineFor(a).view((tx) => diskUsage(tx));
    if (a.json) return io.out(JSON.stringify(u, null, 2) + '\n');
    const pct = (r: number, s: number) => `${humanSize(r)} (${s ? Math.round((r / s) * 100) : 0}%)`;
    io.out(
      table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
        ['Images', String(u.images.total), String(u.images.active), humanSize(u.images.size), pct(u.images.reclaimable, u.images.size)],
        ['Containers', String(u.containers.total), String(u.containers.active), humanSize(u.containers.size), pct(u.containers.reclaimable, u.containers.size)],
        ['Local Volumes', String(u.volumes.total), String(u.volumes.active), humanSize(u.volumes.size), pct(u.volumes.reclaimable, u.volumes.size)],
        ['Build Cache', String(u.buildCache.total), '0', humanSize(u.buildCache.size), humanSize(u.buildCache.size)],
      ]),
    );
    if (!a.verbose) return;
    io.out('\nImages space usage:\n\n');
    io.out(table(['REPOSITORY:TAG', 'IMAGE ID', 'SIZE', 'CONTAINERS'], u.images.rows.map((r) => [r.name, shortId(r.id), humanSize(r.size), String(r.containers)])));
    io.out('\nContainers space usage:\n\n');
    io.out(table(['CONTAINER ID', 'NAMES', 'SIZE', 'STATUS'], u.containers.rows.map((r) => [shortId(r.id), r.name, humanSize(r.size), r.status])));
    io.out('\nLocal Volumes space usage:\n\n');
    io.out(table(['VOLUME NAME', 'LINKS', 'SIZE'], u.volumes.rows.map((r) => [r.name, String(r.links), humanSize(r.size)])));
  },
};

export const transferCommands = [save, load, exportCmd, importCmd];

export const systemGroup: CommandModule<GlobalArgs, Args> = {
  command: 'system <command>',
  describe: 'Lab-wide information (df)',
  builder: (y) => y.command(df as CommandModule).demandCommand(1, 'Name a system command, e.g. boxlab system df') as Argv<Args>,
  handler: () => undefined,
};
