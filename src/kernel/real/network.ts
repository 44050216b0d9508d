// Network namespaces and links with iproute2: a bridge, one veth pair per container (one end on
// the bridge, the other moved into the container's netns as eth0), addresses, routes
// (man 8 ip-netns, ip-link). `hostNetns` puts the bridge and the host ends in a namespace of its
// own instead of the machine's (tests use a throwaway one so the host's interfaces stay untouched).
import { cmdline } from '../events.js';
import type { KernelEventInput } from '../events.js';
import { KernelError, type KernelNet } from '../kernel.js';
import { nsId } from './namespaces.js';
import { run, type RunResult } from './run.js';
import { existsSync, statSync } from 'node:fs';

export function ipErrno(stderr: string): string {
  if (/File exists/i.test(stderr)) return 'EEXIST';
  if (/Cannot find device|No such file|does not exist|Cannot open network namespace/i.test(stderr)) return 'ENOENT';
  if (/busy/i.test(stderr)) return 'EBUSY';
  if (/Operation not permitted/i.test(stderr)) return 'EPERM';
  return 'EIO';
}

export interface NetDeps {
  hostNetns?: string;
  emit(e: KernelEventInput): void;
}

/** `ip` argv, in the host-side namespace when there is one */
export function ipArgv(hostNetns: string | undefined, args: string[]): string[] {
  return hostNetns ? ['ip', '-n', hostNetns, ...args] : ['ip', ...args];
}

export function realNet(d: NetDeps): KernelNet {
  const h = (args: string[]) => ipArgv(d.hostNetns, args);
  const must = async (argv: string[], ok: (r: RunResult) => boolean = (r) => r.exitCode === 0): Promise<RunResult> => {
    const r = await run(argv);
    if (!ok(r)) throw new KernelError(`${cmdline(argv)}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, ipErrno(r.stderr), cmdline(argv));
    return r;
  };
  const ev = (r: RunResult) => ({ command: cmdline(r.argv), durationMs: r.durationMs, status: r.exitCode });
  /**
   * Several `ip` commands in one program (`ip [-n NETNS] -batch -`, a command per line, stopping
   * at the first that fails): each line's event carries the command a person would type for it.
   */
  const batch = async (netns: string | undefined, lines: string[][]): Promise<{ command: string; durationMs: number; status: number }[]> => {
    const argv = [...ipArgv(netns, []), '-batch', '-'];
    const one = (l: string[]) => cmdline(ipArgv(netns, l));
    const r = await run(argv, { input: lines.map((l) => l.join(' ')).join('\n') + '\n' });
    if (r.exitCode !== 0) {
      // ip names the line that failed, but not when it could not even parse it: then all of them
      const at = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
      const failed = at >= 1 && at <= lines.length ? one(lines[at - 1]) : lines.map(one).join('; ');
      throw new KernelError(`${failed}: ${r.stderr.replace(/\n?Command failed -:\d+\s*$/, '').trim() || `exit ${r.exitCode}`}`, ipErrno(r.stderr), failed);
    }
    return lines.map((l, i) => ({ command: `${one(l)}  # line ${i + 1} of ${lines.length}: ${cmdline(argv)}`, durationMs: r.durationMs / lines.length, status: 0 }));
  };
  // links this kernel deleted: a second delete (teardown again before rm) needs no `ip` to fail
  const deleted = new Set<string>();
  // in this process's own network namespace, sysfs answers without starting `ip link show`
  const linkExists = async (netns: string | undefined, dev: string) =>
    netns ? (await run(ipArgv(netns, ['link', 'show', dev]))).exitCode === 0 : existsSync(`/sys/class/net/${dev}`);
  return {
    async ensureBridge(name, cidr) {
      if (await linkExists(d.hostNetns, name)) return;
      const add = await must(h(['link', 'add', name, 'type', 'bridge']));
      d.emit({ kind: 'net.bridge-create', name, ...ev(add) });
      const addr = await must(h(['addr', 'add', cidr, 'dev', name]));
      d.emit({ kind: 'net.addr-add', link: name, cidr, netns: d.hostNetns, ...ev(addr) });
      const up = await must(h(['link', 'set', name, 'up']));
      d.emit({ kind: 'net.link-up', link: name, netns: d.hostNetns, ...ev(up) });
    },
    async createNetns(name) {
      const r = await must(['ip', 'netns', 'add', name]);
      let id = 0;
      try {
        id = Number(statSync(`/run/netns/${name}`).ino);
      } catch {
        id = nsId('self', 'net');
      }
      d.emit({ kind: 'net.netns-create', name, id, ...ev(r) });
    },
    async deleteNetns(name) {
      // gone already (taken down before): what ip would say, without running it
      if (!existsSync(`/run/netns/${name}`)) throw new KernelError(`ip netns delete ${name}: Cannot remove namespace file "/run/netns/${name}": No such file or directory`, 'ENOENT', `ip netns delete ${name}`);
      const r = await must(['ip', 'netns', 'delete', name]);
      d.emit({ kind: 'net.netns-delete', name, ...ev(r) });
    },
    async createVeth(s) {
      deleted.delete(s.host);
      const [add, master] = await batch(d.hostNetns, [
        ['link', 'add', s.host, 'type', 'veth', 'peer', 'name', s.peerName, 'netns', s.netns],
        ['link', 'set', s.host, 'master', s.bridge, 'up'],
      ]);
      d.emit({ kind: 'net.veth-create', host: s.host, peer: s.peerName, ...add });
      d.emit({ kind: 'net.link-netns', link: s.peerName, netns: s.netns, ...add });
      d.emit({ kind: 'net.link-master', link: s.host, bridge: s.bridge, ...master });
    },
    async deleteLink(name) {
      if (deleted.has(name)) throw new KernelError(`${cmdline(h(['link', 'delete', name]))}: Cannot find device "${name}"`, 'ENOENT', cmdline(h(['link', 'delete', name])));
      const r = await must(h(['link', 'delete', name]));
      deleted.add(name);
      d.emit({ kind: 'net.link-delete', link: name, ...ev(r) });
    },
    async addAddress(s) {
      const r = await must(['ip', '-n', s.netns, 'addr', 'add', s.cidr, 'dev', s.dev]);
      d.emit({ kind: 'net.addr-add', link: s.dev, cidr: s.cidr, netns: s.netns, ...ev(r) });
    },
    async linkUp(s) {
      const r = await must(s.netns ? ['ip', '-n', s.netns, 'link', 'set', s.dev, 'up'] : h(['link', 'set', s.dev, 'up']));
      d.emit({ kind: 'net.link-up', link: s.dev, netns: s.netns, ...ev(r) });
    },
    async configure(s) {
      const [lo, addr, up, route] = await batch(s.netns, [
        ['link', 'set', 'lo', 'up'],
        ['addr', 'add', s.cidr, 'dev', s.dev],
        ['link', 'set', s.dev, 'up'],
        ['route', 'add', 'default', 'via', s.via, 'dev', s.dev],
      ]);
      d.emit({ kind: 'net.link-up', link: 'lo', netns: s.netns, ...lo });
      d.emit({ kind: 'net.addr-add', link: s.dev, cidr: s.cidr, netns: s.netns, ...addr });
      d.emit({ kind: 'net.link-up', link: s.dev, netns: s.netns, ...up });
      d.emit({ kind: 'net.route-add', dest: 'default', via: s.via, dev: s.dev, netns: s.netns, ...route });
    },
    async addDefaultRoute(s) {
      const r = await must(['ip', '-n', s.netns, 'route', 'add', 'default', 'via', s.via, 'dev', s.dev]);
      d.emit({ kind: 'net.route-add', dest: 'default', via: s.via, dev: s.dev, netns: s.netns, ...ev(r) });
    },
  };
}

/** `ip -j addr` of a process's network namespace → interfaces */
export async function interfacesOf(pid: number): Promise<{ name: string; addrs: string[]; up: boolean }[]> {
  const r = await run(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-j', 'addr']);
  if (r.exitCode !== 0) return [];
  try {
    const list = JSON.parse(r.stdout) as { ifname: string; flags?: string[]; addr_info?: { local: string; prefixlen: number }[] }[];
    return list.map((i) => ({ name: i.ifname, addrs: (i.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`), up: (i.flags ?? []).includes('UP') }));
  } catch {
    return [];
  }
}
