// Containers as `docker ps` and `docker inspect` show them.
import { shortId } from '../../engine/ids.js';
import { portsText } from '../../engine/containers/lifecycle.js';
import type { ContainerRec, EngineState } from '../../engine/state.js';
import { UserError } from '../../engine/errors.js';
import { humanDuration, quoteCommand } from '../format.js';
import { NAMESPACE_TYPES } from '../../kernel/events.js';
import type { Observation } from '../../kernel/kernel.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const iso = (t: number | null) => (t ? new Date(t).toISOString() : ZERO_TIME);

export function statusText(c: ContainerRec, now: number): string {
  switch (c.state.status) {
    case 'running':
      return `Up ${humanDuration(now - (c.state.startedAt ?? now))}`;
    case 'exited':
      return `Exited (${c.state.exitCode}) ${humanDuration(now - (c.state.finishedAt ?? now))} ago`;
    case 'created':
      return 'Created';
    default:
      return c.state.status[0].toUpperCase() + c.state.status.slice(1);
  }
}

export function psRow(c: ContainerRec, state: EngineState, now: number, noTrunc = false): Record<string, string> {
  const image = state.images[c.imageId];
  const command = [c.path, ...c.args].join(' ');
  return {
    ID: noTrunc ? c.id : shortId(c.id),
    Image: c.image || image?.repoTags[0] || shortId(c.imageId),
    Command: noTrunc ? JSON.stringify(command) : quoteCommand(command),
    CreatedAt: new Date(c.created).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC'),
    RunningFor: `${humanDuration(now - c.created)} ago`,
    Ports: portsText(c),
    State: c.state.status,
    Status: statusText(c, now),
    Names: c.name,
    Networks: 'bridge',
    Mounts: c.mounts.map((m) => (m.name ? m.name.slice(0, 15) : m.source)).join(','),
    Labels: '',
    Size: '0B',
  };
}

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** docker ps --filter KEY=VALUE (status, name, id, ancestor, exited) */
export function applyFilters(list: ContainerRec[], filters: string[]): ContainerRec[] {
  let out = list;
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i < 1) throw new UserError(`invalid filter '${f}'`, 'Use KEY=VALUE, e.g. --filter status=running.');
    const k = f.slice(0, i);
    if (!['status', 'name', 'id', 'ancestor', 'exited'].includes(k)) throw new UserError(`invalid filter '${k}'`, 'Filters: status, name, id, ancestor, exited.');
    const v = f.slice(i + 1);
    if (k === 'status' && !STATUSES.includes(v)) {
      throw new UserError(`invalid filter 'status=${v}'`, `Valid statuses: ${STATUSES.join(', ')}.`);
    }
    by.set(k, [...(by.get(k) ?? []), v]);
  }
  // values of one key are OR-ed, keys are AND-ed, as in docker
  for (const [k, vals] of by) {
    out = out.filter((c) =>
      vals.some((v) => {
        switch (k) {
          case 'status':
            return c.state.status === v;
          case 'name':
            return c.name.includes(v.replace(/^\//, ''));
          case 'id':
            return c.id.startsWith(v);
          case 'ancestor':
            return c.image === v || c.image === `${v}:latest` || c.imageId.includes(v);
          default:
            return c.state.status === 'exited' && String(c.state.exitCode) === v;
        }
      }),
    );
  }
  return out;
}

/**
 * What the kernel shows of a running container, for inspect's Boxlab section: each namespace's
 * id beside the host's (as readlink /proc/PID/ns/TYPE prints them), and the mount that is its
 * root as /proc/PID/mountinfo has it (the overlay: lowerdir = the image's layers).
 */
function seenByKernel(seen: Observation): Record<string, unknown> {
  const root = seen.mounts.filter((m) => m.target === '/').at(-1);
  return {
    Namespaces: Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { Container: `${t}:[${seen.ns[t]}]`, Host: `${t}:[${seen.hostNs[t]}]` }])),
    ...(root ? { RootMount: { Source: root.source, FsType: root.fstype, Options: root.options.join(',') } } : {}),
  };
}

/** docker inspect of a container; seen: what the kernel shows of it while it runs */
export function inspectContainer(c: ContainerRec, state: EngineState, seen?: Observation): Record<string, unknown> {
  const image = state.images[c.imageId];
  const env = c.config.env;
  return {
    Id: c.id,
    Created: iso(c.created),
    Path: c.path,
    Args: c.args,
    State: {
      Status: c.state.status,
      Running: c.state.status === 'running',
      Paused: c.state.status === 'paused',
      Restarting: false,
      OOMKilled: c.state.oomKilled,
      Dead: c.state.status === 'dead',
      Pid: c.state.pid,
      ExitCode: c.state.exitCode,
      Error: c.state.error,
      StartedAt: iso(c.state.startedAt),
      FinishedAt: iso(c.state.finishedAt),
    },
    Image: c.imageId,
    LogPath: c.logPath,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    HostConfig: {
      Binds: c.hostConfig.binds,
      AutoRemove: c.hostConfig.autoRemove,
      NetworkMode: c.hostConfig.networkMode ?? 'bridge',
      Memory: c.hostConfig.memory ?? 0,
      NanoCpus: c.hostConfig.nanoCpus ?? 0,
      PidsLimit: c.hostConfig.pidsLimit,
      CgroupParent: 'boxlab',
      PortBindings: portMap(c),
    },
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: c.layer.lower.join(':'), UpperDir: c.layer.upper, WorkDir: c.layer.work, MergedDir: c.layer.merged },
    },
    Mounts: c.mounts.map((m) => ({
      Type: m.type, ...(m.name ? { Name: m.name } : {}), Source: m.source, Destination: m.destination,
      ...(m.type === 'volume' ? { Driver: 'local' } : {}), Mode: m.rw ? '' : 'ro', RW: m.rw, Propagation: m.type === 'bind' ? 'rprivate' : '',
    })),
    Config: {
      Hostname: c.config.hostname,
      User: c.config.user ?? '',
      Tty: c.config.tty,
      OpenStdin: c.config.openStdin,
      Env: env,
      Cmd: [c.path, ...c.args],
      Image: c.image,
      WorkingDir: c.config.workdir === '/' ? '' : c.config.workdir,
      StopSignal: c.config.stopSignal,
    },
    NetworkSettings: c.hostConfig.networkMode === 'none'
      ? { SandboxKey: '', IPAddress: '', IPPrefixLen: 0, Gateway: '', Ports: {}, Networks: { none: { IPAddress: '', IPPrefixLen: 0, Gateway: '' } } }
      : {
        SandboxKey: `/run/netns/${c.network.netns}`,
        IPAddress: c.state.status === 'running' ? c.network.ip ?? '' : '',
        IPPrefixLen: c.network.prefix,
        Gateway: c.network.gateway,
        Ports: c.state.status === 'running' ? portMap(c) : {},
        Networks: {
          bridge: {
            IPAddress: c.network.ip ?? '',
            IPPrefixLen: c.network.prefix,
            Gateway: c.network.gateway,
          },
        },
      },
    Boxlab: { Cgroup: c.cgroup, Veth: c.network.veth, ImageTags: image?.repoTags ?? [], ...(seen ? seenByKernel(seen) : {}) },
  };
}

/** docker inspect's port map: {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]} */
function portMap(c: ContainerRec): Record<string, { HostIp: string; HostPort: string }[]> {
  const map: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.hostConfig.portBindings ?? []) (map[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  return map;
}
