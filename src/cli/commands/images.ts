// boxlab images, pull, tag, rmi, history, commit, image inspect/prune: docker's image verbs.
import type { Argv, CommandModule } from 'yargs';
import { commitContainer } from '../../engine/containers/commit.js';
import { findContainer } from '../../engine/containers/lifecycle.js';
import { UserError } from '../../engine/errors.js';
import { shortId } from '../../engine/ids.js';
import { ensureImage } from '../../engine/images/catalog.js';
import { storeOf } from '../../engine/images/images.js';
import { configOf, getImage, imageHistory, isIntermediate, pruneImages, removeImage, tagImage, type RemoveResult } from '../../engine/images/manage.js';
import type { Tx } from '../../engine/lab.js';
import type { ImageRec } from '../../engine/state.js';
import { each, engineFor, io, type GlobalArgs } from '../context.js';
import { progressBar } from '../terminal.js';
import { formatRows, humanDuration, humanSize, renderTemplate, table } from '../format.js';

type Args = GlobalArgs & Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function rowsOf(tx: Tx, img: ImageRec, now: number): Record<string, string>[] {
  const base = {
    ID: shortId(img.id),
    Digest: img.manifestDigest,
    CreatedSince: `${humanDuration(now - img.created)} ago`,
    CreatedAt: new Date(img.created).toISOString(),
    Size: humanSize(img.size),
    Containers: String(Object.values(tx.state.containers).filter((c) => c.imageId === img.id).length),
  };
  if (!img.repoTags.length) return [{ Repository: '<none>', Tag: '<none>', ...base }];
  return img.repoTags.map((t) => ({ Repository: t.slice(0, t.lastIndexOf(':')), Tag: t.slice(t.lastIndexOf(':') + 1), ...base }));
}

function filterImages(images: ImageRec[], filters: string[]): ImageRec[] {
  let out = images;
  for (const f of filters) {
    const [k, v] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
    if (k === 'dangling') {
      if (v !== 'true' && v !== 'false') throw new UserError(`invalid filter 'dangling=${v}'`, 'Use dangling=true or dangling=false.');
      out = out.filter((i) => (i.repoTags.length === 0) === (v === 'true'));
    } else if (k === 'reference') {
      const re = new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(:|$)`);
      out = out.filter((i) => i.repoTags.some((t) => re.test(t)));
    } else throw new UserError(`invalid filter '${f}'`, 'Filters: dangling=true|false, reference=PATTERN.');
  }
  return out;
}

const imagesLs: CommandModule<GlobalArgs, Args> = {
  command: 'images [repository]',
  aliases: [],
  describe: 'List images',
  builder: (y) =>
    y
      .positional('repository', { type: 'string' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'show all images (default hides intermediate ones)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only ids' })
      .option('digests', { type: 'boolean', describe: 'show manifest digests' })
      .option('filter', { alias: 'f', type: 'string', describe: 'dangling=true|false, reference=PATTERN' })
      .option('format', { type: 'string', describe: 'Go template' })
      .option('json', { type: 'boolean', describe: 'print JSON' })
      .example('$0 images --filter dangling=true', 'images that lost their name') as Argv<Args>,
  handler: async (a) => {
    const rows = await engineFor(a).view((tx) => {
      const now = tx.kernel.clock.now();
      const filters = list(a.filter);
      if (a.repository) filters.push(`reference=${String(a.repository)}`);
      const all = Object.values(tx.state.images).filter((i) => a.all || !isIntermediate(tx, i));
      return filterImages(all, filters)
        .sort((x, y) => y.created - x.created)
        .flatMap((i) => rowsOf(tx, i, now));
    });
    if (a.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    if (a.quiet) return io.out([...new Set(rows.map((r) => r.ID))].map((id) => `${id}\n`).join(''));
    if (a.format) return io.out(formatRows(String(a.format), rows, { ID: 'IMAGE ID', CreatedSince: 'CREATED' }));
    const headers = ['REPOSITORY', 'TAG', ...(a.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
    io.out(table(headers, rows.map((r) => [r.Repository, r.Tag, ...(a.digests ? [r.Digest] : []), r.ID, r.CreatedSince, r.Size])));
  },
};

export const pull: CommandModule<GlobalArgs, Args> = {
  command: 'pull <image>',
  describe: 'Fetch an image (sim mode: from the built-in catalog)',
  builder: (y) => y.positional('image', { type: 'string' }).example('$0 pull busybox', '') as Argv<Args>,
  handler: async (a) => {
    const img = await engineFor(a).tx((tx) => ensureImage(tx, String(a.image), (l) => io.out(`${l}\n`), progressBar('Downloading')));
    io.out(`${img.repoTags[0] ?? img.id}\n`);
  },
};

const tag: CommandModule<GlobalArgs, Args> = {
  command: 'tag <source> <target>',
  describe: 'Give an image another name',
  builder: (y) => y.positional('source', { type: 'string' }).positional('target', { type: 'string' }).example('$0 tag busybox mybox:v1', '') as Argv<Args>,
  handler: async (a) => {
    await engineFor(a).tx(async (tx) => tagImage(tx, String(a.source), String(a.target)));
  },
};

function printRemoved(r: RemoveResult): void {
  for (const t of r.untagged) io.out(`Untagged: ${t}\n`);
  for (const d of r.deleted) io.out(`Deleted: ${d}\n`);
}

const rmi: CommandModule<GlobalArgs, Args> = {
  command: 'rmi <images..>',
  describe: 'Remove images (refused while a container uses one, unless -f)',
  builder: (y) => y.positional('images', { type: 'string', array: true }).option('force', { alias: 'f', type: 'boolean' }).example('$0 rmi mybox:v1', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.images), async (name) => printRemoved(await engine.view((tx) => removeImage(tx, name, !!a.force))));
  },
};

const prune: CommandModule<GlobalArgs, Args> = {
  command: 'prune',
  describe: 'Remove dangling images (-a: every image no container uses)',
  builder: (y) => y.option('all', { alias: 'a', type: 'boolean' }).option('force', { alias: 'f', type: 'boolean', describe: 'do not ask (boxlab never asks here)' }) as Argv<Args>,
  handler: async (a) => {
    const r = await engineFor(a).view((tx) => pruneImages(tx, !!a.all));
    if (r.untagged.length || r.deleted.length) {
      io.out('Deleted Images:\n');
      for (const t of r.untagged) io.out(`untagged: ${t}\n`);
      for (const d of r.deleted) io.out(`deleted: ${d}\n`);
      io.out('\n');
    }
    io.out(`Total reclaimed space: ${humanSize(r.freed)}\n`);
  },
};

const history: CommandModule<GlobalArgs, Args> = {
  command: 'history <image>',
  describe: "Show an image's layers, one row per build step",
  builder: (y) =>
    y
      .positional('image', { type: 'string' })
      .option('no-trunc', { type: 'boolean' })
      .option('quiet', { alias: 'q', type: 'boolean' })
      .option('format', { type: 'string' })
      .option('json', { type: 'boolean' })
      .example('$0 history busybox', '') as Argv<Args>,
  handler: async (a) => {
    const rows = await engineFor(a).view((tx) => {
      const now = tx.kernel.clock.now();
      return imageHistory(tx, getImage(tx, String(a.image))).map((h) => ({
        ID: h.id === '<missing>' || a['no-trunc'] ? h.id : shortId(h.id),
        CreatedSince: `${humanDuration(now - h.created)} ago`,
        CreatedBy: a['no-trunc'] || h.createdBy.length <= 45 ? h.createdBy : `${h.createdBy.slice(0, 44)}…`,
        Size: humanSize(h.size),
        Comment: h.comment,
      }));
    });
    if (a.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    if (a.quiet) return io.out(rows.map((r) => `${r.ID}\n`).join(''));
    if (a.format) return io.out(formatRows(String(a.format), rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY' }));
    io.out(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [r.ID, r.CreatedSince, r.CreatedBy, r.Size, r.Comment])));
  },
};

const inspect: CommandModule<GlobalArgs, Args> = {
  command: 'inspect <images..>',
  describe: 'Show image details (JSON)',
  builder: (y) => y.positional('images', { type: 'string', array: true }).option('format', { alias: 'f', type: 'string' }) as Argv<Args>,
  handler: async (a) => {
    const out = await engineFor(a).view((tx) => list(a.images).map((n) => imageInspect(tx, getImage(tx, n))));
    if (a.format) for (const o of out) io.out(renderTemplate(String(a.format), o) + '\n');
    else io.out(JSON.stringify(out, null, 4) + '\n');
  },
};

export function imageInspect(tx: Tx, img: ImageRec): Record<string, unknown> {
  const cfg = configOf(tx, img);
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoTags.map((t) => `${t.slice(0, t.lastIndexOf(':'))}@${img.manifestDigest}`),
    Comment: img.comment,
    Created: cfg.created,
    Author: cfg.author ?? '',
    Config: cfg.config,
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: img.size,
    GraphDriver: { Name: 'overlay2', Data: { LowerDir: [...img.layers].reverse().map((l) => l.dir).join(':') } },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { Store: storeOf(tx).root, ManifestDigest: img.manifestDigest },
  };
}

const commit: CommandModule<GlobalArgs, Args> = {
  command: 'commit <container> [repository]',
  describe: "Make a new image from a container's changes (its writable layer)",
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .positional('repository', { type: 'string', describe: 'name[:tag] for the new image' })
      .option('message', { alias: 'm', type: 'string', describe: 'commit message (shown by history)' })
      .option('author', { alias: 'a', type: 'string' })
      .option('change', { alias: 'c', type: 'string', describe: 'Dockerfile instruction to apply, e.g. \'CMD ["sh"]\'' })
      .example("$0 commit -m 'add motd' web mybox:v1", '') as Argv<Args>,
  handler: async (a) => {
    const img = await engineFor(a).view((tx) =>
      commitContainer(tx, findContainer(tx, String(a.container)), {
        name: a.repository as string | undefined,
        message: a.message as string | undefined,
        author: a.author as string | undefined,
        changes: list(a.change),
      }),
    );
    io.out(`${img.id}\n`);
  },
};

export const images = imagesLs;
export const imageCommands = [tag, rmi, history, commit];

export const imageGroup: CommandModule<GlobalArgs, Args> = {
  command: 'image <command>',
  describe: 'Manage images (ls, inspect, history, tag, rm, prune, pull)',
  builder: (y) =>
    y
      .command({ ...imagesLs, command: 'ls [repository]', aliases: ['list'] } as CommandModule)
      .command(inspect as CommandModule)
      .command(history as CommandModule)
      .command(tag as CommandModule)
      .command({ ...rmi, command: 'rm <images..>' } as CommandModule)
      .command(prune as CommandModule)
      .command(pull as CommandModule)
      .demandCommand(1, 'Name an image command, e.g. boxlab image ls') as Argv<Args>,
  handler: () => undefined,
};
