// A container's life, written once over the Kernel interface: create (record + writable layer),
// start (overlay root, cgroup limits, network namespace and veth, the user's process), notice
// its exit and take the kernel objects down, remove (layer, address, anonymous volumes).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmdline } from '../../kernel/events.js';
import { KernelError, type FsEntry, type ProcUser, type Signal } from '../../kernel/kernel.js';
import { NotFound, UserError } from '../errors.js';
import { ensureImage } from '../images/catalog.js';
import { dockerRefusesName, newId, randomName, shortId, validName } from '../ids.js';
import type { Tx } from '../lab.js';
import { allocate, prefixOf, release } from '../network/ipam.js';
import { LAB_BRIDGE, type ContainerRec, type MountRec, type PortBinding } from '../state.js';
import { readRoot } from '../build/copy.js';
import { createVolume, volumeDir } from '../volumes/volumes.js';
import { parseVolume } from './options.js';
import { containerUser, UnknownUser } from './user.js';

export interface CreateOptions {
  image: string;
  cmd: string[];
  name?: string;
  env?: string[];
  workdir?: string;
  hostname?: string;
  volumes?: string[];
  memory?: number | null;
  pidsLimit?: number | null;
  nanoCpus?: number | null;
  autoRemove?: boolean;
  tty?: boolean;
  interactive?: boolean;
  entrypoint?: string;
  /** -p [127.0.0.1:]HOST:CONTAINER[/tcp] */
  publish?: string[];
  /** --network: 'bridge' (the lab bridge, the default) or 'none' (only lo) */
  network?: string;
  /** name|uid[:group|gid] to run as (default: the image's USER; '' is root) */
  user?: string;
}

/** `-p [127.0.0.1:]HOST:CONTAINER[/tcp]` → a binding; the lab publishes on loopback only */
export function parsePublish(spec: string): PortBinding {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|localhost):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(spec.trim());
  const port = (s: string) => {
    const n = Number(s);
    return n >= 1 && n <= 65535 ? n : null;
  };
  if (!m || port(m[2]) === null || port(m[3]) === null) {
    throw new UserError(`invalid publish spec "${spec}"`, 'Write -p HOSTPORT:CONTAINERPORT, e.g. -p 8080:80 (or -p 127.0.0.1:8080:80).', 125);
  }
  if (m[4] && m[4] !== 'tcp') throw new UserError(`publishing ${m[4]} ports is not supported: "${spec}"`, 'boxlab publishes tcp ports only, e.g. -p 8080:80.', 125);
  const ip = !m[1] || m[1] === 'localhost' ? '127.0.0.1' : m[1];
  if (ip !== '127.0.0.1') {
    throw new UserError(`boxlab publishes ports on 127.0.0.1 only, not ${ip}: "${spec}"`, 'Leave the address out (-p 8080:80) so nothing outside this machine can reach the lab.', 125);
  }
  return { hostIp: ip, hostPort: port(m[2])!, containerPort: port(m[3])!, proto: 'tcp' };
}

/** 127.0.0.1:8080->80/tcp, as docker ps shows a published port */
export function portsText(c: ContainerRec): string {
  return (c.hostConfig.portBindings ?? []).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.proto}`).join(', ');
}

/** Default limits for every lab container, so a fork bomb or a memory hog cannot hurt the host. */
export const DEFAULT_PIDS_LIMIT = 512;

export function findContainer(tx: Tx, ref: string): ContainerRec {
  const all = Object.values(tx.state.containers);
  const byName = all.find((c) => c.name === ref.replace(/^\//, ''));
  if (byName) return byName;
  const byId = all.filter((c) => c.id.startsWith(ref));
  if (ref.length >= 1 && byId.length === 1) return byId[0];
  if (byId.length > 1) throw new UserError(`Multiple containers match "${ref}".`, 'Give more of the id, or the name.');
  throw new NotFound('container', ref, "List containers with 'boxlab ps -a'.");
}

export async function createContainer(tx: Tx, opts: CreateOptions, log: (line: string) => void = () => {}): Promise<ContainerRec> {
  if (opts.name !== undefined) {
    if (!validName(opts.name)) {
      throw new UserError(`Invalid container name (${opts.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.`, 'Pick a name of letters, digits, _ . - that starts with a letter or digit.', 125);
    }
    if (dockerRefusesName(opts.name)) log(`boxlab: note: Docker refuses one-character names (its pattern wants two characters at least); boxlab names this container ${opts.name}, but use a longer name in a script meant for Docker.`);
    const clash = Object.values(tx.state.containers).find((c) => c.name === opts.name);
    if (clash) {
      throw new UserError(
        `Conflict. The container name "/${opts.name}" is already in use by container "${clash.id}".`,
        `Remove (or rename) that container to reuse the name: 'boxlab rm -f ${opts.name}'.`,
        125,
      );
    }
  }
  const specs = (opts.volumes ?? []).map(parseVolume);
  const portBindings = (opts.publish ?? []).map(parsePublish);
  const network = opts.network ?? 'bridge';
  if (network !== 'bridge' && network !== 'none') throw new UserError(`network ${network} not found`, 'The lab has two networks: bridge (the default) and none.', 125);
  if (network === 'none' && portBindings.length) throw new UserError('-p publishes a port of the container\'s network, and --network none gives it none', 'Drop -p, or --network none.', 125);
  const image = await ensureImage(tx, opts.image, log);
  const id = newId();
  const name = opts.name ?? randomName((n) => Object.values(tx.state.containers).some((c) => c.name === n));
  const entry = opts.entrypoint !== undefined ? (opts.entrypoint ? [opts.entrypoint] : []) : image.config.entrypoint ?? [];
  const argv = [...entry, ...(opts.cmd.length ? opts.cmd : opts.entrypoint !== undefined ? [] : image.config.cmd)];
  if (!argv.length) throw new UserError('No command specified.', 'Give a command after the image name, e.g. boxlab run busybox echo hi.', 125);

  const mounts: MountRec[] = [];
  for (const v of specs) {
    if (v.kind === 'bind') {
      await tx.kernel.fs.mkdirp(v.source);
      mounts.push({ type: 'bind', source: v.source, destination: v.destination, rw: !v.readonly });
    } else {
      const vol = await createVolume(tx, v.kind === 'named' ? v.source : undefined);
      mounts.push({ type: 'volume', name: vol.name, source: volumeDir(tx, vol.name), destination: v.destination, rw: !v.readonly, anonymous: v.kind === 'anonymous' });
    }
  }
  // the image's VOLUMEs not mounted by -v: an anonymous volume each, filled with what the image has there
  const imageVolumes = (image.config.volumes ?? []).map((p) => `/${p.replace(/^\/+|\/+$/g, '')}`).filter((p) => p !== '/' && !mounts.some((m) => m.destination.replace(/\/+$/, '') === p));
  if (imageVolumes.length) {
    const root = await readRoot(tx, image.layers.map((l) => l.dir));
    for (const dest of [...new Set(imageVolumes)]) {
      const vol = await createVolume(tx);
      const top = root.get(dest.slice(1));
      if (top?.type === 'dir') {
        // the directory itself (owner, mode) and what is in it, as `cp -a` would copy them
        const content = contentUnder(root, dest.slice(1));
        const data = volumeDir(tx, vol.name);
        await tx.kernel.fs.remove(data);
        await tx.kernel.fs.writeEntries(data.slice(0, data.lastIndexOf('/')), [{ ...top, path: '_data' }, ...content.map((e) => ({ ...e, path: `_data/${e.path}`, ...(e.type === 'hardlink' ? { linkname: `_data/${e.linkname}` } : {}) }))]);
        tx.step('volume.create', `Copied what the image has at ${dest} (${content.length} entries) into the new volume ${vol.name.slice(0, 12)}, as Docker fills an empty volume.`, `cp -a ${dest}/. ${data}/`);
      }
      mounts.push({ type: 'volume', name: vol.name, source: volumeDir(tx, vol.name), destination: dest, rw: true, anonymous: true });
    }
  }

  const dir = `${tx.root}/containers/${id}`;
  const layer = { upper: `${dir}/upper`, work: `${dir}/work`, merged: `${dir}/merged`, lower: [...image.layers].reverse().map((l) => l.dir) };
  const logDir = join(tx.dataDir, 'containers', id);
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${id}-json.log`);
  writeFileSync(logPath, '');
  const rec: ContainerRec = {
    id, name, image: opts.image, imageId: image.id, created: tx.kernel.clock.now(),
    path: argv[0], args: argv.slice(1),
    config: {
      env: [...image.config.env.filter((e) => !(opts.env ?? []).some((o) => o.split('=')[0] === e.split('=')[0])), ...(opts.env ?? [])],
      ...((opts.user ?? image.config.user) ? { user: opts.user ?? image.config.user } : {}),
      workdir: opts.workdir || image.config.workdir || '/',
      hostname: opts.hostname || id.slice(0, 12),
      tty: !!opts.tty, openStdin: !!opts.interactive,
      stopSignal: image.config.stopSignal ?? 'SIGTERM', stopTimeout: 10,
    },
    hostConfig: {
      memory: opts.memory ?? null, pidsLimit: opts.pidsLimit ?? null, nanoCpus: opts.nanoCpus ?? null,
      autoRemove: !!opts.autoRemove, binds: opts.volumes ?? [],
      ...(portBindings.length ? { portBindings } : {}),
      ...(network === 'none' ? { networkMode: 'none' as const } : {}),
    },
    mounts,
    state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: null, finishedAt: null },
    restartCount: 0,
    network: { ip: null, gateway: tx.state.ipam.gateway, prefix: prefixOf(tx.state.ipam.subnet), mac: null, netns: `boxlab-${id.slice(0, 12)}`, veth: `boxlab${id.slice(0, 8)}` },
    layer, logPath, cgroup: `boxlab/${id}`,
  };
  tx.state.containers[id] = rec;
  tx.step('container.create', `Created container ${name} (${shortId(id)}) from ${image.repoTags[0] ?? shortId(image.id)}.`, `docker create --name ${name} ${opts.image} ${cmdline(argv)}`);
  await tx.kernel.fs.mkdirp(layer.upper);
  await tx.kernel.fs.mkdirp(layer.work);
  await tx.kernel.fs.mkdirp(layer.merged);
  tx.step('layer.add', `Added an empty writable layer ${layer.upper} over ${layer.lower.length} read-only image layer(s).`, `mkdir -p ${layer.upper} ${layer.work} ${layer.merged}`);
  return rec;
}

function argvOf(c: ContainerRec): string[] {
  return [c.path, ...c.args];
}

/** KEY=VALUE list → the environment a container process starts with (HOSTNAME, HOME set as Docker sets them). */
export function envObject(env: string[], hostname: string, home = '/root'): Record<string, string> {
  const out: Record<string, string> = { HOSTNAME: hostname };
  for (const e of env) {
    const i = e.indexOf('=');
    out[i < 0 ? e : e.slice(0, i)] = i < 0 ? '' : e.slice(i + 1);
  }
  out.HOME ??= home;
  return out;
}

/** The entries of a root filesystem below `rel` (e.g. "data"), relative to it; hard links leaving it are left out. */
function contentUnder(root: Map<string, FsEntry>, rel: string): FsEntry[] {
  const out: FsEntry[] = [];
  for (const e of root.values()) {
    if (!e.path.startsWith(`${rel}/`)) continue;
    if (e.type === 'hardlink') {
      if (!e.linkname?.startsWith(`${rel}/`)) continue;
      out.push({ ...e, path: e.path.slice(rel.length + 1), linkname: e.linkname.slice(rel.length + 1) });
    } else out.push({ ...e, path: e.path.slice(rel.length + 1) });
  }
  return out;
}

/** The user the container's process runs as (its USER / -u, resolved in its own files), or root. */
export async function userOf(tx: Tx, c: ContainerRec): Promise<(ProcUser & { home: string }) | undefined> {
  if (!c.config.user) return undefined;
  return containerUser(tx, c.config.user, [...c.layer.lower].reverse().concat(c.layer.upper));
}

export async function startContainer(tx: Tx, c: ContainerRec, io: { stdin?: string; terminal?: boolean } = {}): Promise<void> {
  if (c.state.status === 'running') return;
  const k = tx.kernel;
  let user;
  try {
    user = await userOf(tx, c);
  } catch (e) {
    if (e instanceof UnknownUser) {
      c.state.error = e.message;
      c.state.exitCode = 125;
    }
    throw e;
  }
  // a host port serves one running container at a time (docker: "port is already allocated")
  for (const p of c.hostConfig.portBindings ?? []) {
    const other = Object.values(tx.state.containers).find((o) => o.id !== c.id && o.state.status === 'running' && (o.hostConfig.portBindings ?? []).some((q) => q.hostIp === p.hostIp && q.hostPort === p.hostPort));
    if (other) throw new UserError(`Bind for ${p.hostIp}:${p.hostPort} failed: port is already allocated (by ${other.name})`, `Pick another host port, or stop ${other.name}.`, 125);
  }
  // limits
  await k.cgroupCreate(c.cgroup);
  if (c.hostConfig.memory !== null) await k.cgroupWrite(c.cgroup, 'memory.max', String(c.hostConfig.memory));
  await k.cgroupWrite(c.cgroup, 'pids.max', String(c.hostConfig.pidsLimit ?? DEFAULT_PIDS_LIMIT));
  if (c.hostConfig.nanoCpus !== null) await k.cgroupWrite(c.cgroup, 'cpu.max', `${Math.round((c.hostConfig.nanoCpus / 1e9) * 100000)} 100000`);
  tx.step('cgroup.limits', `Limits set in cgroup ${c.cgroup}: memory ${c.hostConfig.memory ?? 'max'}, pids ${c.hostConfig.pidsLimit ?? DEFAULT_PIDS_LIMIT}${c.hostConfig.pidsLimit === null ? ' (the lab default)' : ''}, cpu ${c.hostConfig.nanoCpus ? c.hostConfig.nanoCpus / 1e9 : 'max'}.`, `docker update --memory ${c.hostConfig.memory ?? 0} --pids-limit ${c.hostConfig.pidsLimit ?? DEFAULT_PIDS_LIMIT} ${c.name}`);
  const bridged = c.hostConfig.networkMode !== 'none';
  // network: a namespace, a veth pair to the lab bridge, an address (none: a namespace of its own, only lo)
  if (bridged) await attachNetwork(tx, c);
  else tx.step('network.attach', `${c.name} gets a network namespace of its own with only lo (--network none).`, `docker run --network none`);

  const binds = c.mounts.map((m) => ({ source: m.source, target: m.destination, readonly: !m.rw }));
  c.state.error = '';
  try {
    const st = await k.spawn({
      argv: argvOf(c),
      env: envObject(c.config.env, c.config.hostname, user?.home),
      cwd: c.config.workdir,
      ...(user ? { user: { uid: user.uid, gid: user.gid, groups: user.groups } } : {}),
      namespaces: { pid: 'new', mnt: 'new', uts: 'new', ipc: 'new', cgroup: 'new', net: bridged ? { netns: c.network.netns } : 'new' },
      rootfs: c.layer.merged,
      // the root filesystem: image layers read-only below, this container's layer on top,
      // mounted as the process starts and taken down when it ends
      overlay: { lower: c.layer.lower, upper: c.layer.upper, work: c.layer.work, target: c.layer.merged },
      binds,
      hostname: c.config.hostname,
      cgroup: c.cgroup,
      log: c.logPath,
      stdin: io.stdin,
      // a kernel that hands over the terminal does so only to a caller that waits on it (run -it)
      tty: c.config.tty && c.config.openStdin && (!k.handsOverTerminal || !!io.terminal),
    });
    c.state.pid = st.pid;
    c.state.status = 'running';
    c.state.startedAt = st.startedAt;
    c.state.finishedAt = null;
    c.state.exitCode = 0;
    c.state.oomKilled = false;
    await publishPorts(tx, c, st.pid);
    tx.step('process.start', `Started ${cmdline(argvOf(c))} as PID 1 in the container's namespaces (PID ${st.pid} on the host).`, `docker start ${c.name}`);
  } catch (e) {
    // nothing of a failed start stays in the kernel
    c.state.status = 'created';
    await teardown(tx, c);
    // (an ENOENT of the root's overlay mount is a missing layer dir, not a missing program)
    if (e instanceof KernelError && e.errno === 'ENOENT' && !e.command?.startsWith('mount ')) {
      c.state.error = `failed to create task for container: exec: "${c.path}": executable file not found in $PATH`;
      c.state.exitCode = 127;
      throw new UserError(c.state.error, `The image has no "${c.path}"; \`boxlab history ${c.image}\` shows what went into it.`, 127);
    }
    c.state.error = e instanceof Error ? e.message : String(e);
    c.state.exitCode = 125;
    if (e instanceof KernelError) throw new UserError(`failed to start ${c.name}: ${e.message}`, 'The container is left in state Created; see `boxlab doctor`.', 125);
    throw e;
  }
  // a quick command may be done already; --rm waits for whoever reads its output
  await refresh(tx, c, { autoRemove: false });
}

/** The lab bridge for a container: an address, a network namespace, a veth pair with eth0 inside. */
async function attachNetwork(tx: Tx, c: ContainerRec): Promise<void> {
  const k = tx.kernel;
  c.network.ip ??= allocate(tx.state.ipam, c.id);
  tx.step('ip.allocate', `Allocated ${c.network.ip}/${c.network.prefix} from the lab pool ${tx.state.ipam.subnet}.`, `docker network inspect bridge`);
  await k.net.ensureBridge(LAB_BRIDGE, `${tx.state.ipam.gateway}/${c.network.prefix}`);
  await k.net.createNetns(c.network.netns);
  await k.net.createVeth({ host: c.network.veth, peer: 'eth0', peerName: 'eth0', netns: c.network.netns, bridge: LAB_BRIDGE });
  await k.net.configure({ netns: c.network.netns, dev: 'eth0', cidr: `${c.network.ip}/${c.network.prefix}`, via: c.network.gateway });
  tx.step('network.attach', `Attached ${c.name} to bridge ${LAB_BRIDGE} through veth ${c.network.veth} <-> eth0.`, `docker network connect bridge ${c.name}`);
}

/** `-p`: a kernel with sockets (real mode) serves each published port through a forwarder that ends with the container; otherwise they are recorded only. */
async function publishPorts(tx: Tx, c: ContainerRec, pid: number): Promise<void> {
  const ports = c.hostConfig.portBindings ?? [];
  if (!ports.length) return;
  const k = tx.kernel;
  if (!k.publish) {
    tx.step('network.attach', `Recorded ${portsText(c)} for ${c.name}; this kernel has no sockets, so nothing listens there.`, `docker port ${c.name}`);
    return;
  }
  try {
    await k.publish(pid, ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerIp: c.network.ip!, containerPort: p.containerPort })));
  } catch (e) {
    // the process is up already: take it down with the rest of the failed start
    await killAndWait(tx, pid).catch(() => undefined);
    k.forget(pid);
    c.state.pid = 0;
    throw e;
  }
  tx.step('network.attach', `Published ${portsText(c)}: a forwarder on the host side passes each connection to ${c.network.ip}.`, `docker port ${c.name}`);
}

/** Take down what start set up (overlay mount, cgroup, network namespace); the layer and the address stay. */
export async function teardown(tx: Tx, c: ContainerRec): Promise<void> {
  const k = tx.kernel;
  // each step is a no-op when its object is gone already; any other failure is reported
  const gone = (e: unknown) => {
    if (e instanceof KernelError && ['ENOENT', 'EINVAL', 'ESRCH'].includes(e.errno)) return;
    throw e;
  };
  if (c.hostConfig.networkMode !== 'none') {
    await k.net.deleteLink(c.network.veth).catch(gone);
    await k.net.deleteNetns(c.network.netns).catch(gone);
  }
  await k.cgroupRemove(c.cgroup).catch(gone);
  // the root overlay goes with the container's mount namespace; this takes down one that an
  // earlier boxlab mounted on the host for a container still running then
  await k.unmount(c.layer.merged).catch(gone);
  tx.step('network.detach', `Took down ${c.name}'s network namespace, cgroup and overlay mount; its writable layer and address stay until rm.`, `docker stop ${c.name}`);
}

/** Bring a running container's record up to date with its process: has it exited, and how? */
export async function refresh(tx: Tx, c: ContainerRec, opts: { autoRemove?: boolean } = {}): Promise<void> {
  if (c.state.status !== 'running' && c.state.status !== 'paused') return;
  const st = await tx.kernel.status(c.state.pid);
  if (st && st.state !== 'exited') return;
  let oom = st?.oomKilled ?? false;
  try {
    const events = await tx.kernel.cgroupRead(c.cgroup, 'memory.events');
    oom = oom || /oom_kill [1-9]/.test(events);
  } catch {
    /* the cgroup is gone already */
  }
  c.state.status = 'exited';
  c.state.exitCode = st?.exitCode ?? 137;
  c.state.oomKilled = oom;
  c.state.finishedAt = st?.finishedAt ?? tx.kernel.clock.now();
  if (c.state.pid) tx.kernel.forget(c.state.pid);
  c.state.pid = 0;
  tx.step('process.exit', `${c.name} exited with code ${c.state.exitCode}${oom ? ' (killed by the OOM killer: memory limit reached)' : ''}.`, `docker inspect --format '{{.State.ExitCode}}' ${c.name}`);
  await teardown(tx, c);
  if (c.hostConfig.autoRemove && opts.autoRemove !== false && !followed(c)) await removeContainer(tx, c, { force: true, volumes: true });
}

/** Is a live `boxlab run` still reading this container's output? Then it removes the container itself. */
function followed(c: ContainerRec): boolean {
  if (!c.attachedBy || c.attachedBy === process.pid) return false;
  try {
    process.kill(c.attachedBy, 0);
    return true;
  } catch {
    return false;
  }
}

export async function refreshAll(tx: Tx): Promise<void> {
  for (const c of Object.values(tx.state.containers)) await refresh(tx, c);
}

/**
 * Before a new container is made: bring up to date only the containers it could collide with,
 * one of the same name (an ended --rm one would be gone) and those publishing host ports.
 * Looking at every container would make each `run` cost more the more there are; the commands
 * that list containers bring them all up to date.
 */
export async function refreshForCreate(tx: Tx, opts: Pick<CreateOptions, 'name' | 'publish'>): Promise<void> {
  const publishes = (opts.publish ?? []).length > 0;
  for (const c of Object.values(tx.state.containers)) {
    if (c.name === opts.name || (publishes && (c.hostConfig.portBindings ?? []).length > 0)) await refresh(tx, c);
  }
}

/**
 * SIGKILL, then wait for the death: kill(2) returns before the process is gone, so the record is
 * brought up to date (and its kernel objects taken down) only once the kernel has reaped it.
 */
export async function killAndWait(tx: Tx, pid: number): Promise<void> {
  await tx.kernel.signal(pid, 'SIGKILL');
  await tx.kernel.wait(pid, 5000).catch(() => null);
}

export async function signalContainer(tx: Tx, c: ContainerRec, sig: Signal): Promise<void> {
  if (c.state.status !== 'running') {
    throw new UserError(`Cannot kill container: ${c.name}: container ${shortId(c.id)} is not running`, `Start it first: boxlab start ${c.name}`);
  }
  if (sig === 'SIGKILL') await killAndWait(tx, c.state.pid);
  else await tx.kernel.signal(c.state.pid, sig);
}

export async function removeContainer(tx: Tx, c: ContainerRec, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
  if (c.state.status === 'running') {
    if (!opts.force) {
      throw new UserError(
        `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove.`,
        `Stop it first ('boxlab stop ${c.name}') or use 'boxlab rm -f ${c.name}'.`,
      );
    }
    await killAndWait(tx, c.state.pid);
    await refresh(tx, c, { autoRemove: false });
  }
  await teardown(tx, c);
  await tx.kernel.fs.remove(`${tx.root}/containers/${c.id}`);
  tx.step('layer.remove', `Removed the writable layer of ${c.name}: what it wrote is gone.`, `rm -rf ${tx.root}/containers/${c.id}`);
  if (release(tx.state.ipam, c.network.ip)) tx.step('ip.release', `Released ${c.network.ip} back to the pool.`, `docker network disconnect bridge ${c.name}`);
  rmSync(join(tx.dataDir, 'containers', c.id), { recursive: true, force: true });
  delete tx.state.containers[c.id];
  if (opts.volumes) {
    for (const m of c.mounts) {
      if (m.type === 'volume' && m.anonymous && m.name && tx.state.volumes[m.name]) {
        await tx.kernel.fs.remove(`${tx.root}/volumes/${m.name}`);
        delete tx.state.volumes[m.name];
        tx.step('volume.remove', `Removed anonymous volume ${m.name.slice(0, 12)}.`, `docker volume rm ${m.name}`);
      }
    }
  }
  tx.step('container.remove', `Removed container ${c.name}.`, `docker rm ${c.name}`);
}
