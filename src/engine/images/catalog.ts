// Finding an image, and the catalog that plays Docker Hub offline: the base image `busybox`,
// made by the kernel (simbox in sim mode, a static busybox in real mode) the first time it is
// asked for, packed as a real layer into the OCI store, as `docker pull` would fetch it.
import { UserError } from '../errors.js';
import { shortId } from '../ids.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { registerImage, storeLayer } from './images.js';
import { packLayer } from './layers.js';
import { parseRef } from './reference.js';
import { pullRemote, type Progress } from '../registry/pull.js';
import type { ImageConfig } from './store.js';
import type { FsEntry } from '../../kernel/kernel.js';

export const BASE_IMAGE = 'busybox:latest';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function findImage(tx: Tx, name: string): ImageRec | undefined {
  const bare = name.replace(/^sha256:/, '');
  if (/^[0-9a-f]{4,64}$/.test(bare)) {
    const hits = Object.values(tx.state.images).filter((i) => i.id.replace(/^sha256:/, '').startsWith(bare));
    if (hits.length === 1) return hits[0];
  }
  let familiar: string;
  try {
    familiar = parseRef(name).familiar;
  } catch {
    return undefined;
  }
  return Object.values(tx.state.images).find((i) => i.repoTags.includes(familiar));
}

/** Look for the image locally; pull it from the catalog when missing, as `docker run` does. */
export async function ensureImage(tx: Tx, name: string, log: (line: string) => void = () => {}, onProgress?: Progress): Promise<ImageRec> {
  const ref = parseRef(name);
  tx.step('image.lookup', `Looking for image ${ref.familiar} in the local store.`, `docker image inspect ${ref.familiar}`);
  const found = findImage(tx, name);
  if (found) return found;
  if (ref.isId) throw new UserError(`No such image: ${ref.familiar}`, 'An image ID names a local image; list them with `boxlab images`.', 125);
  log(`Unable to find image '${ref.familiar}' locally`);
  const remote = await pullRemote(tx, name, tx.config.registryMirrors, log, onProgress);
  if (remote) return remote;
  const offline = CATALOG.filter((c) => CATALOG_IMAGES[c].modes.includes(tx.kernel.info.mode));
  if (!offline.includes(ref.repository) || ref.tag !== 'latest') {
    throw new UserError(
      `pull access denied for ${ref.repository}: ${tx.kernel.info.mode === 'sim' ? 'the simulated hub' : 'offline, this machine'} has only ${offline.map((c) => `${c}:latest`).join(', ')}.`,
      'Use busybox, or an image you have built or loaded.',
      125,
    );
  }
  return pullBase(tx, ref.familiar, log);
}

/** Images have fixed dates in the catalog, so an image id is the same on every machine. */
const BASE_EPOCH = Date.UTC(2024, 8, 26, 21, 31, 42);

interface CatalogImage {
  /** which kernels can run it: sim images are simbox, real ones need the host's busybox */
  modes: ('sim' | 'real')[];
  cmd: string[];
  /** lay out the root filesystem in dir (the kernel's base, plus or minus some files) */
  lay(tx: Tx, dir: string): Promise<{ description: string }>;
}

const file = (path: string, text: string, mode = 0o644): FsEntry => ({ path, type: 'file', mode, uid: 0, gid: 0, mtime: BASE_EPOCH, data: Buffer.from(text) });

/** The hub that works offline: each image is laid out by the kernel itself. */
export const CATALOG_IMAGES: Record<string, CatalogImage> = {
  busybox: {
    modes: ['sim', 'real'],
    cmd: ['sh'],
    lay: async (tx, dir) => tx.kernel.fs.populateBase(dir),
  },
  // Alpine's userland is busybox too; the simulated one adds Alpine's release files (no apk)
  alpine: {
    modes: ['sim'],
    cmd: ['/bin/sh'],
    lay: async (tx, dir) => {
      const made = await tx.kernel.fs.populateBase(dir);
      await tx.kernel.fs.writeEntries(dir, [
        file('etc/alpine-release', '3.20.3\n'),
        file('etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20 (simulated by boxlab: busybox userland, no apk)"\nHOME_URL="https://alpinelinux.org/"\n'),
      ]);
      return { description: `${made.description}, with Alpine's release files` };
    },
  },
  // one program and nothing else: no shell, no /bin
  'hello-world': {
    modes: ['sim'],
    cmd: ['/hello'],
    lay: async (tx, dir) => {
      await tx.kernel.fs.writeEntries(dir, [file('hello', 'simbox program: hello\n', 0o755)]);
      return { description: 'a single program, /hello' };
    },
  },
};

export const CATALOG = Object.keys(CATALOG_IMAGES);

async function pullBase(tx: Tx, familiar: string, log: (line: string) => void): Promise<ImageRec> {
  const name = familiar.slice(0, familiar.lastIndexOf(':'));
  const spec = CATALOG_IMAGES[name];
  const sim = tx.kernel.info.mode === 'sim';
  log(`latest: Pulling from library/${name} (${sim ? 'the simulated hub: built in, no network' : "built on this machine from its busybox: no network"})`);
  // the kernel lays out the root filesystem it can run; it becomes the image's one layer
  const tmp = `${tx.root}/tmp/base-${process.pid}-${tx.kernel.clock.now()}`;
  await tx.kernel.fs.remove(tmp);
  await tx.kernel.fs.mkdirp(tmp);
  const made = await spec.lay(tx, tmp);
  const entries = (await tx.kernel.fs.readTree(tmp)).map((e) => ({ ...e, mtime: BASE_EPOCH }));
  await tx.kernel.fs.remove(tmp);
  const packed = await packLayer(entries);
  const desc = storeLayer(tx, packed);
  log(`${packed.digest.slice(7, 19)}: Pull complete`);
  const created = new Date(BASE_EPOCH).toISOString();
  const config: ImageConfig = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [DEFAULT_PATH], Cmd: spec.cmd },
    rootfs: { type: 'layers', diff_ids: [packed.diffId] },
    history: [
      { created, created_by: `/bin/sh -c #(nop) ${name === 'hello-world' ? 'COPY' : 'ADD'} file:${packed.diffId.slice(7)} in / ` },
      { created, created_by: `/bin/sh -c #(nop)  CMD ${JSON.stringify(spec.cmd)}`, empty_layer: true },
    ],
  };
  const image = await registerImage(tx, {
    config,
    layers: [{ ...desc, diffId: packed.diffId, unpackedSize: packed.size }],
    names: [`docker.io/library/${familiar}`],
    comment: made.description,
  });
  tx.step('image.pull', `Pulled ${familiar}: one layer of ${entries.length} entries (${made.description}), stored as ${shortId(packed.digest)} and unpacked into ${image.layers[0].dir}.`, `docker pull ${familiar}`);
  log(`Digest: ${image.manifestDigest}`);
  log(`Status: Downloaded newer image for ${familiar}`);
  return image;
}
