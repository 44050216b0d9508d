// Named volumes: directories the engine keeps outside any container's layers, so their contents
// outlive the containers that use them (docker volume create/ls/inspect/rm/prune).
import { NotFound, UserError } from '../errors.js';
import { newId } from '../ids.js';
import type { Tx } from '../lab.js';
import type { VolumeRec } from '../state.js';

export function volumeDir(tx: Pick<Tx, 'root'>, name: string): string {
  return `${tx.root}/volumes/${name}/_data`;
}

export async function createVolume(tx: Tx, name?: string, labels: Record<string, string> = {}): Promise<VolumeRec> {
  const anonymous = !name;
  const n = name ?? newId();
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(n)) {
    throw new UserError(`create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed.`, 'Pick a name of letters, digits, _ . -');
  }
  const existing = tx.state.volumes[n];
  if (existing) return existing;
  await tx.kernel.fs.mkdirp(volumeDir(tx, n));
  const rec: VolumeRec = { name: n, created: tx.kernel.clock.now(), mountpoint: volumeDir(tx, n), anonymous, labels };
  tx.state.volumes[n] = rec;
  tx.step('volume.create', `Created volume ${anonymous ? n.slice(0, 12) : n} at ${rec.mountpoint}.`, `docker volume create ${anonymous ? '' : n}`.trim());
  return rec;
}

/** Containers (any state) that mount the volume. */
export function volumeUsers(tx: Tx, name: string): string[] {
  return Object.values(tx.state.containers)
    .filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === name))
    .map((c) => c.id);
}

export function getVolume(tx: Tx, name: string): VolumeRec {
  const v = tx.state.volumes[name];
  if (!v) throw new NotFound('volume', name, "List volumes with 'boxlab volume ls'.");
  return v;
}

export async function removeVolume(tx: Tx, name: string, force = false): Promise<void> {
  getVolume(tx, name);
  const users = volumeUsers(tx, name);
  if (users.length && !force) {
    throw new UserError(`remove ${name}: volume is in use - [${users.join(', ')}]`, `Remove the container first ('boxlab rm ${users[0].slice(0, 12)}').`);
  }
  await tx.kernel.fs.remove(`${tx.root}/volumes/${name}`);
  delete tx.state.volumes[name];
  tx.step('volume.remove', `Removed volume ${name}.`, `docker volume rm ${name}`);
}

/** Remove volumes no container uses: anonymous ones, or all unused with `all`. */
export async function pruneVolumes(tx: Tx, all: boolean): Promise<{ removed: string[]; bytes: number }> {
  const removed: string[] = [];
  let bytes = 0;
  for (const v of Object.values(tx.state.volumes)) {
    if (volumeUsers(tx, v.name).length || (!all && !v.anonymous)) continue;
    bytes += await tx.kernel.fs.du(`${tx.root}/volumes/${v.name}`);
    await removeVolume(tx, v.name);
    removed.push(v.name);
  }
  return { removed, bytes };
}
