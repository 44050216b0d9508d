// docker pull and push against real registries: a name with a registry host goes over HTTP
// (plain HTTP for localhost); a Docker Hub name goes first to each configured mirror
// (`registry-mirrors`, as in Docker's daemon.json), then to the origin — which, in sim mode, is
// the built-in simulated hub. Every blob is checked against its digest on the way in.
import { UserError } from '../errors.js';
import { registerImage, storeOf } from '../images/images.js';
import { readLayer, tarSize } from '../images/layers.js';
import { parseReference } from '../images/reference.js';
import type { Tx } from '../lab.js';
import type { ImageRec } from '../state.js';
import { pullImage, pushImage, type RegistryTarget, type TransferOptions } from './client.js';

export type Progress = TransferOptions['onProgress'];

/** Registry credentials, as BOXLAB_REGISTRY_AUTH=user:password (used for Basic auth and token services). */
export function registryAuth(env: NodeJS.ProcessEnv = process.env): { username: string; password: string } | undefined {
  const v = env.BOXLAB_REGISTRY_AUTH;
  if (!v || !v.includes(':')) return undefined;
  return { username: v.slice(0, v.indexOf(':')), password: v.slice(v.indexOf(':') + 1) };
}

/** "http://127.0.0.1:5000/" → "127.0.0.1:5000" */
export function mirrorHost(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** Pull from a registry into the store and record the image under name. */
export async function pullFrom(tx: Tx, target: RegistryTarget, name: string, log: (l: string) => void, onProgress?: Progress): Promise<ImageRec> {
  const store = storeOf(tx);
  const pulled = await pullImage(store, target, { log, auth: registryAuth(), onProgress });
  const layers = [];
  for (const l of pulled.layers) {
    const blob = store.getBlob(l.digest);
    await readLayer(blob); // refuses a damaged or hostile layer before it is recorded
    layers.push({ ...l, unpackedSize: tarSize(blob) });
  }
  return registerImage(tx, {
    config: pulled.config,
    layers,
    names: [name],
    raw: { config: store.getBlob(pulled.configDigest), manifest: store.getBlob(pulled.manifestDigest), manifestMediaType: pulled.mediaType },
  });
}

/**
 * Pull a name that is not local. Returns null for a Docker Hub name no mirror had, so the caller
 * can go to the origin (the simulated hub in sim mode).
 */
export async function pullRemote(tx: Tx, name: string, mirrors: string[], log: (l: string) => void, onProgress?: Progress): Promise<ImageRec | null> {
  const ref = parseReference(name);
  const target: RegistryTarget = { registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest };
  if (ref.registry !== 'docker.io') {
    const img = await pullFrom(tx, target, ref.canonical, log, onProgress);
    tx.step('image.pull', `Pulled ${ref.familiar} from ${ref.registry} over HTTP; every blob matched its digest.`, `docker pull ${ref.familiar}`);
    return img;
  }
  for (const mirror of mirrors) {
    try {
      const img = await pullFrom(tx, { ...target, registry: mirrorHost(mirror) }, ref.canonical, log, onProgress);
      log(`Pulled from mirror ${mirror}`);
      tx.step('image.pull', `Pulled ${ref.familiar} from the mirror ${mirror} instead of Docker Hub.`, `docker pull ${ref.familiar}  # registry-mirrors: ${mirror}`);
      return img;
    } catch (e) {
      log(`mirror ${mirror} did not serve ${ref.familiar}: ${(e as Error).message}; trying the next`);
    }
  }
  return null;
}

/** docker push NAME: the image's blobs and manifest to the registry its name points at. */
export async function pushTo(tx: Tx, img: ImageRec, name: string, log: (l: string) => void, onProgress?: Progress): Promise<{ digest: string; size: number }> {
  const ref = parseReference(name);
  if (ref.registry === 'docker.io') {
    throw new UserError(`pushing to Docker Hub is not possible from the lab (${ref.familiar}).`, 'Push to a local registry: boxlab registry serve, then boxlab tag IMAGE localhost:5000/NAME and push that.', 1);
  }
  const r = await pushImage(storeOf(tx), img, { registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest }, { log, auth: registryAuth(), onProgress });
  tx.step('image.push', `Pushed ${ref.familiar} to ${ref.registry}: layers the registry lacked, then the manifest.`, `docker push ${ref.familiar}`);
  return { digest: r.manifestDigest, size: r.size };
}
