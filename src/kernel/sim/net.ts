// Network namespaces (man 7 network_namespaces): each has its own interfaces, addresses and
// routes. A veth pair (man 4 veth) is a cable with one end in each namespace; a bridge joins the
// host ends into one segment, so containers on it reach each other and the host.
import { SysError } from './sys.js';
import type { SimIface, SimNamespace, SimState } from './state.js';

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return NaN;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const a = ipToInt(ip);
  const b = ipToInt(net);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function mac(index: number, seed: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `02:42:${h((seed >> 8) & 255)}:${h(seed & 255)}:${h((index >> 8) & 255)}:${h(index & 255)}`;
}

export class SimNet {
  constructor(
    private st: SimState,
    private newNsId: () => number,
  ) {}

  ns(id: number): SimNamespace {
    const ns = this.st.namespaces[id];
    if (!ns || ns.type !== 'net') throw new SysError('EINVAL');
    ns.ifaces ??= [];
    ns.routes ??= [];
    return ns;
  }

  byName(name: string): SimNamespace {
    const ns = Object.values(this.st.namespaces).find((n) => n.type === 'net' && n.name === name);
    if (!ns) throw new SysError('ENOENT', `/run/netns/${name}`);
    return this.ns(ns.id);
  }

  get host(): SimNamespace {
    return this.ns(this.st.hostNs.net);
  }

  /** A new network namespace: only a loopback device, down unless `loUp` (a container's init brings it up). */
  create(name?: string, loUp = false): SimNamespace {
    if (name && Object.values(this.st.namespaces).some((n) => n.type === 'net' && n.name === name)) throw new SysError('EEXIST');
    const id = this.newNsId();
    const ns: SimNamespace = {
      id, type: 'net', name,
      ifaces: [{ index: 1, name: 'lo', kind: 'loopback', mac: '00:00:00:00:00:00', mtu: 65536, up: loUp, addrs: ['127.0.0.1/8'] }],
      routes: [],
    };
    this.st.namespaces[id] = ns;
    return ns;
  }

  /** Destroying a net namespace destroys the veth ends in it, and with them their peers. */
  destroy(id: number): void {
    const ns = this.ns(id);
    for (const i of ns.ifaces ?? []) if (i.peer) this.removeIface(i.peer.ns, i.peer.name);
    delete this.st.namespaces[id];
  }

  iface(nsId: number, name: string): SimIface {
    const i = this.ns(nsId).ifaces!.find((x) => x.name === name);
    if (!i) throw new SysError('ENOENT', name);
    return i;
  }

  private removeIface(nsId: number, name: string): void {
    const ns = this.st.namespaces[nsId];
    if (!ns?.ifaces) return;
    ns.ifaces = ns.ifaces.filter((i) => i.name !== name);
    ns.routes = (ns.routes ?? []).filter((r) => r.dev !== name);
  }

  private add(nsId: number, iface: Omit<SimIface, 'index' | 'mac'>): SimIface {
    const ns = this.ns(nsId);
    if (ns.ifaces!.some((i) => i.name === iface.name)) throw new SysError('EEXIST', iface.name);
    // interface indexes count per network namespace (a new one's first device after lo is 2)
    const index = Math.max(ns.lastIfIndex ?? 0, ...ns.ifaces!.map((i) => i.index)) + 1;
    ns.lastIfIndex = index;
    const full: SimIface = { ...iface, index, mac: mac(index, nsId) };
    ns.ifaces!.push(full);
    return full;
  }

  ensureBridge(name: string, cidr: string): boolean {
    const host = this.host;
    if (host.ifaces!.some((i) => i.name === name)) return false;
    this.add(host.id, { name, kind: 'bridge', mtu: 1500, up: true, addrs: [cidr] });
    const [net, bits] = cidr.split('/');
    const base = ipToInt(net);
    const mask = (~0 << (32 - Number(bits))) >>> 0;
    const n = (base & mask) >>> 0;
    const subnet = `${n >>> 24}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/${bits}`;
    host.routes!.push({ dest: subnet, dev: name });
    return true;
  }

  createVeth(hostName: string, peerName: string, peerNs: number, bridge: string): void {
    const host = this.host;
    this.iface(host.id, bridge);
    this.add(host.id, { name: hostName, kind: 'veth', mtu: 1500, up: true, addrs: [], peer: { name: peerName, ns: peerNs }, master: bridge });
    this.add(peerNs, { name: peerName, kind: 'veth', mtu: 1500, up: false, addrs: [], peer: { name: hostName, ns: host.id } });
  }

  deleteLink(name: string): void {
    const i = this.iface(this.host.id, name);
    if (i.peer) this.removeIface(i.peer.ns, i.peer.name);
    this.removeIface(this.host.id, name);
  }

  addAddress(nsId: number, dev: string, cidr: string): void {
    const i = this.iface(nsId, dev);
    if (i.addrs.includes(cidr)) throw new SysError('EEXIST');
    i.addrs.push(cidr);
    const ns = this.ns(nsId);
    const [ip, bits] = cidr.split('/');
    const n = ipToInt(ip) & ((~0 << (32 - Number(bits))) >>> 0);
    const net = `${n >>> 24}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/${bits}`;
    ns.routes!.push({ dest: net, dev });
  }

  linkUp(nsId: number, dev: string): void {
    this.iface(nsId, dev).up = true;
  }

  addDefaultRoute(nsId: number, via: string, dev: string): void {
    const ns = this.ns(nsId);
    ns.routes = ns.routes!.filter((r) => r.dest !== 'default');
    ns.routes.push({ dest: 'default', via, dev });
  }

  /** The network namespace holding ip, as seen from nsId (its own loopback first). */
  holder(nsId: number, ip: string): number | undefined {
    if (this.owns(nsId, ip)) return nsId;
    return Object.values(this.st.namespaces).find((n) => n.type === 'net' && this.owns(n.id, ip))?.id;
  }

  private owns(nsId: number, ip: string): boolean {
    return this.ns(nsId).ifaces!.some((i) => i.up && i.addrs.some((a) => a.split('/')[0] === ip || (i.kind === 'loopback' && inSubnet(ip, a))));
  }

  /** Namespaces reachable at layer 2 through iface `dev` of `nsId` (the far side of a veth, and everything on its bridge). */
  private segment(nsId: number, dev: SimIface): number[] {
    if (!dev.up) return [];
    const hostId = this.host.id;
    let bridge: string | undefined;
    if (dev.kind === 'bridge' && nsId === hostId) bridge = dev.name;
    else if (dev.peer) {
      const far = this.st.namespaces[dev.peer.ns]?.ifaces?.find((i) => i.name === dev.peer!.name);
      if (!far?.up) return [];
      if (!far.master) return [dev.peer.ns];
      bridge = far.master;
    }
    if (!bridge) return [];
    const out = [hostId];
    for (const port of this.host.ifaces!) {
      if (port.master !== bridge || !port.up || !port.peer) continue;
      const far = this.st.namespaces[port.peer.ns]?.ifaces?.find((i) => i.name === port.peer!.name);
      if (far?.up) out.push(port.peer.ns);
    }
    return out;
  }

  /** Does a packet from nsId to ip get an answer? Follows connected routes, then the default route. */
  ping(nsId: number, ip: string): { rttMs: number; ttl: number; from: string } | null {
    if (Number.isNaN(ipToInt(ip))) return null;
    if (this.owns(nsId, ip)) return { rttMs: 0.04, ttl: 64, from: ip };
    const ns = this.ns(nsId);
    const routes = ns.routes!;
    const direct = routes.find((r) => r.dest !== 'default' && inSubnet(ip, r.dest));
    const route = direct ?? routes.find((r) => r.dest === 'default');
    if (!route) throw new SysError('ENETUNREACH');
    const dev = ns.ifaces!.find((i) => i.name === route.dev);
    if (!dev?.up) throw new SysError('ENETUNREACH');
    const neighbours = this.segment(nsId, dev);
    if (direct) {
      return neighbours.some((n) => this.owns(n, ip)) ? { rttMs: 0.09, ttl: 64, from: ip } : null;
    }
    // through the gateway: only the host side answers (the simulated machine has no uplink)
    if (route.via && neighbours.some((n) => this.owns(n, route.via!)) && this.owns(this.host.id, ip)) {
      return { rttMs: 0.07, ttl: 64, from: ip };
    }
    return null;
  }
}
