// docker commit: a container's writable layer (its overlay upper dir) becomes one more layer on
// top of its image's layers — a new image, with a history row saying what made it.
import { UserError } from '../errors.js';
import { familiarOf, registerImage, storeLayer, storeOf } from '../images/images.js';
import { packLayer, upperToLayer } from '../images/layers.js';
import { canonicalOf, configOf } from '../images/manage.js';
import type { Tx } from '../lab.js';
import type { ContainerRec, ImageRec } from '../state.js';

export interface CommitOptions {
  /** repository[:tag] for the new image; none leaves it untagged */
  name?: string;
  message?: string;
  author?: string;
  /** Dockerfile instructions applied to the config: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE */
  changes?: string[];
}

function words(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t);
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr;
    } catch {
      /* shell form */
    }
  }
  return ['/bin/sh', '-c', t];
}

/** Apply `--change` instructions (Dockerfile syntax) to an image config. */
export function applyChanges(config: ReturnType<typeof configOf>['config'], changes: string[]): void {
  for (const change of changes) {
    const m = /^\s*(\w+)\s+(.*)$/s.exec(change);
    if (!m) throw new UserError(`invalid --change: "${change}"`, 'Use a Dockerfile instruction, e.g. -c \'CMD ["sh"]\'.', 1);
    const [, kw, rest] = m;
    switch (kw.toUpperCase()) {
      case 'CMD':
        config.Cmd = words(rest);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = words(rest);
        break;
      case 'WORKDIR':
        config.WorkingDir = rest.trim();
        break;
      case 'USER':
        config.User = rest.trim();
        break;
      case 'ENV': {
        const pairs = rest.includes('=') ? rest.trim().split(/\s+/).map((p) => p.split('=')) : [[rest.trim().split(/\s+/)[0], rest.trim().split(/\s+/).slice(1).join(' ')]];
        const env = config.Env ?? [];
        for (const [k, ...v] of pairs) {
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          const item = `${k}=${v.join('=')}`;
          if (i >= 0) env[i] = item;
          else env.push(item);
        }
        config.Env = env;
        break;
      }
      case 'LABEL':
        config.Labels = { ...(config.Labels ?? {}) };
        for (const p of rest.trim().split(/\s+/)) {
          const [k, ...v] = p.split('=');
          config.Labels[k] = v.join('=').replace(/^"(.*)"$/, '$1');
        }
        break;
      case 'EXPOSE':
        config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
        for (const p of rest.trim().split(/\s+/)) config.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        break;
      default:
        throw new UserError(`${kw.toUpperCase()} is not supported by --change`, 'Use CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL or EXPOSE.', 1);
    }
  }
}

export async function commitContainer(tx: Tx, c: ContainerRec, opts: CommitOptions): Promise<ImageRec> {
  const base = tx.state.images[c.imageId];
  if (!base) throw new UserError(`the image of ${c.name} is gone from the store`, 'Pull or build it again.', 1);
  const names = opts.name ? [canonicalOf(opts.name)] : [];
  const upper = await tx.kernel.fs.readTree(c.layer.upper);
  const packed = await packLayer(upperToLayer(upper));
  const desc = storeLayer(tx, packed);
  const baseCfg = configOf(tx, base);
  const cfg = structuredClone(baseCfg);
  const now = new Date(tx.kernel.clock.now()).toISOString();
  cfg.created = now;
  if (opts.author) cfg.author = opts.author;
  applyChanges(cfg.config, opts.changes ?? []);
  cfg.rootfs.diff_ids = [...cfg.rootfs.diff_ids, packed.diffId];
  cfg.history = [...cfg.history, { created: now, created_by: [c.path, ...c.args].join(' '), ...(opts.message ? { comment: opts.message } : {}) }];
  const img = await registerImage(tx, {
    config: cfg,
    layers: [
      ...base.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: 0, diffId: l.diffId, unpackedSize: l.size })),
      { ...desc, diffId: packed.diffId, unpackedSize: packed.size },
    ].map((l, i, all) => (i < all.length - 1 ? { ...l, size: storeOf(tx).getBlob(l.digest).length } : l)),
    names,
    comment: opts.message,
  });
  tx.step('layer.add', `Committed ${c.name}'s writable layer (${upper.length} entries) as layer ${packed.diffId.slice(7, 19)} on top of ${base.layers.length} from ${base.repoTags[0] ?? base.id.slice(7, 19)}.`, `docker commit ${c.name}${opts.name ? ` ${familiarOf(names[0])}` : ''}`);
  return img;
}
