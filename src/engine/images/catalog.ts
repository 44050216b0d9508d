// Images, just enough for containers: the base image `busybox`, made by the kernel (simbox in
// sim mode, a static busybox in real mode) the first time it is asked for, as `docker pull` would
// fetch it. The full image store (OCI layout, builds, registries) grows from here.
import { UserError } from '../errors.js';
import { sha256 } from '../ids.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { parseRef } from './reference.js';

export const LAB_ROOT = '/var/lib/boxlab';
export const BASE_IMAGE = 'busybox:latest';
export const CATALOG = ['busybox'];
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
export async function ensureImage(tx: Tx, name: string, log: (line: string) => void = () => {}): Promise<ImageRec> {
  const ref = parseRef(name);
  tx.step('image.lookup', `Looking for image ${ref.familiar} in the local store.`, `docker image inspect ${ref.familiar}`);
  const found = findImage(tx, name);
  if (found) return found;
  if (ref.isId) throw new UserError(`No such image: ${ref.familiar}`, 'An image ID names a local image; list them with `boxlab images`.', 125);
  log(`Unable to find image '${ref.familiar}' locally`);
  if (!CATALOG.includes(ref.repository) || ref.tag !== 'latest') {
    throw new UserError(
      `pull access denied for ${ref.repository}: the simulated registry has only ${CATALOG.map((c) => `${c}:latest`).join(', ')}.`,
      'Use busybox, or an image you have built or loaded.',
      125,
    );
  }
  return pullBase(tx, ref.familiar, log);
}

async function pullBase(tx: Tx, familiar: string, log: (line: string) => void): Promise<ImageRec> {
  log(`latest: Pulling from library/busybox`);
  const layerKey = sha256(`boxlab-base:${tx.kernel.info.mode}`);
  const dir = `${LAB_ROOT}/layers/${layerKey}/diff`;
  await tx.kernel.fs.remove(`${LAB_ROOT}/layers/${layerKey}`);
  await tx.kernel.fs.mkdirp(dir);
  const made = await tx.kernel.fs.populateBase(dir);
  const config = { cmd: ['sh'], entrypoint: null, env: [DEFAULT_PATH], workdir: '' };
  const id = `sha256:${sha256(JSON.stringify({ config, layer: layerKey, description: made.description }))}`;
  const image: ImageRec = {
    id, repoTags: [familiar], created: tx.kernel.clock.now(),
    layers: [{ diffId: `sha256:${layerKey}`, dir, size: made.bytes }],
    config, size: made.bytes, comment: made.description,
  };
  tx.state.images[id] = image;
  tx.step('image.pull', `Pulled ${familiar}: one layer, ${made.files} files (${made.description}).`, `docker pull ${familiar}`);
  log(`Digest: ${id}`);
  log(`Status: Downloaded newer image for ${familiar}`);
  return image;
}
