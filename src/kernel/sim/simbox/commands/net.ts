// simbox network commands: ip (addr, link, route) in busybox/iproute2 layout, and ping with
// busybox's output; both read the calling process's network namespace through SysCtx.
import type { NetIf, Route } from '../../sys.js';
import { errText, getopt, type BlockFn, type CommandFn, type Ctx } from './types.js';

function ipToInt(ip: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return null;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function inSubnet(addr: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = ipToInt(addr);
  const n = ipToInt(net);
  const b = Number(bits ?? 32);
  if (a === null || n === null) return false;
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

function ifName(i: NetIf): string {
  return i.peer ? `${i.name}@${i.peer}` : i.name;
}

// busybox ip as on Debian: no "state" word, qlen 1000 on every device, one line per device (or
// address) with -o, the continuation lines joined by a backslash
function linkLines(i: NetIf): string {
  let flags: string[];
  if (i.kind === 'loopback') flags = i.up ? ['LOOPBACK', 'UP', 'LOWER_UP'] : ['LOOPBACK'];
  else {
    flags = i.up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['BROADCAST', 'MULTICAST'];
    if (i.kind === 'veth') flags.push('M-DOWN');
  }
  const tail = `qdisc ${i.up ? 'noqueue' : 'noop'} qlen 1000`;
  const link = i.kind === 'loopback'
    ? `    link/loopback ${i.mac} brd 00:00:00:00:00:00\n`
    : `    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff\n`;
  return `${i.index}: ${ifName(i)}: <${flags.join(',')}> mtu ${i.mtu} ${tail}\n${link}`;
}

/** an address as `ip addr add CIDR dev DEV` leaves it: no broadcast unless one was given */
function addrLines(i: NetIf, family: '4' | '6' | null): string[] {
  const out: string[] = [];
  for (const a of i.addrs) {
    const v6 = a.includes(':');
    if ((family === '4' && v6) || (family === '6' && !v6)) continue;
    const scope = i.kind === 'loopback' ? 'host' : v6 ? 'link' : 'global';
    out.push(`    ${v6 ? 'inet6' : 'inet'} ${a} scope ${scope} ${v6 ? '' : i.name}\n       valid_lft forever preferred_lft forever\n`);
  }
  return out;
}

const oneline = (text: string) => text.replace(/\n(?=.)/g, '\\').replace(/\n?$/, '\n');

function routeLine(r: Route): string {
  if (r.dest === 'default') return `default via ${r.via} dev ${r.dev} \n`;
  if (r.via) return `${r.dest} via ${r.via} dev ${r.dev} \n`;
  return `${r.dest} dev ${r.dev} scope link ${r.src ? ` src ${r.src} ` : ''}\n`;
}

const OBJECTS: Record<string, string> = {
  a: 'addr', ad: 'addr', add: 'addr', addr: 'addr', addre: 'addr', addres: 'addr', address: 'addr',
  l: 'link', li: 'link', lin: 'link', link: 'link',
  r: 'route', ro: 'route', rou: 'route', rout: 'route', route: 'route',
};

const ip: CommandFn = (c) => {
  const opts = c.argv.slice(1).filter((a) => /^-[46o]+$/.test(a)).join('');
  const family = opts.includes('4') ? '4' : opts.includes('6') ? '6' : null;
  const one = opts.includes('o');
  const args = c.argv.slice(1).filter((a) => !/^-[46o]+$/.test(a));
  const obj = args[0] ? OBJECTS[args[0]] : undefined;
  if (!obj) {
    if (args[0]) c.err(`ip: unknown command '${args[0]}'\n`);
    else c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n');
    return 1;
  }
  const verb = args[1] ?? 'show';
  if (['add', 'del', 'delete', 'set', 'change', 'replace', 'flush'].includes(verb)) {
    c.err(`ip: RTNETLINK answers: Operation not permitted\n`);
    return 2;
  }
  if (!['show', 'list', 'ls', 'lst', 'sh', 'dev'].includes(verb)) {
    c.err(`ip: unknown command '${verb}'\n`);
    return 1;
  }
  const rest = args.slice(2).filter((a) => a !== 'dev');
  const wanted = verb === 'dev' ? args[2] : rest[0];
  if (obj === 'route') {
    // the kernel lists the main table in prefix order: the default route (0.0.0.0/0) first
    const routes = c.sys.routes();
    for (const r of [...routes.filter((x) => x.dest === 'default'), ...routes.filter((x) => x.dest !== 'default')]) c.out(routeLine(r));
    return 0;
  }
  const ifs = c.sys.interfaces().filter((i) => !wanted || i.name === wanted);
  if (wanted && !ifs.length) {
    c.err(`ip: can't find device '${wanted}'\n`);
    return 1;
  }
  for (const i of ifs) {
    if (obj === 'link') c.out(one ? oneline(linkLines(i)) : linkLines(i));
    else if (one) for (const a of addrLines(i, family)) c.out(oneline(`${i.index}: ${i.name}${a}`));
    else {
      const addrs = addrLines(i, family);
      if (family && !addrs.length) continue;
      // with -4 or -6 busybox prints the device's first line, not its link/ether line
      c.out((family ? `${linkLines(i).split('\n')[0]}\n` : linkLines(i)) + addrs.join(''));
    }
  }
  return 0;
};

/** Whether the namespace has a route for addr (so an unanswered ping is loss, not "unreachable"). */
function hasRoute(c: Ctx, addr: string): boolean {
  if (addr.startsWith('127.')) return c.sys.interfaces().some((i) => i.kind === 'loopback' && i.up);
  return c.sys.routes().some((r) => {
    const dev = c.sys.interfaces().find((i) => i.name === r.dev);
    if (dev && !dev.up) return false;
    return r.dest === 'default' || inSubnet(addr, r.dest);
  });
}

const ping: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'cWwisI');
  const host = o.rest[0];
  if (!host) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n');
    return 1;
  }
  const count = o.vals.c !== undefined ? Number(o.vals.c) : 4;
  if (!Number.isInteger(count) || count < 0) {
    c.err(`ping: invalid number '${o.vals.c}'\n`);
    return 1;
  }
  const addr = c.sys.resolve(host);
  if (!addr) {
    c.err(`ping: bad address '${host}'\n`);
    return 1;
  }
  if (!hasRoute(c, addr)) {
    c.err('ping: sendto: Network is unreachable\n');
    return 1;
  }
  const quiet = o.flags.has('q');
  c.out(`PING ${host} (${addr}): 56 data bytes\n`);
  const times: number[] = [];
  const n = count === 0 ? 4 : count;
  for (let seq = 0; seq < n; seq++) {
    const r = c.sys.ping(addr);
    if (!r) continue;
    // a little jitter so the lines look like a real run, deterministic per seq
    const t = Math.max(0.001, r.rttMs * (1 + (((seq * 7) % 5) - 2) * 0.04));
    times.push(t);
    if (!quiet) c.out(`64 bytes from ${r.from}: seq=${seq} ttl=${r.ttl} time=${t.toFixed(3)} ms\n`);
  }
  const lost = Math.round(((n - times.length) * 100) / n);
  c.out(`\n--- ${host} ping statistics ---\n${n} packets transmitted, ${times.length} packets received, ${lost}% packet loss\n`);
  if (times.length) {
    const min = Math.min(...times);
    const max = Math.max(...times);
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    c.out(`round-trip min/avg/max = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)} ms\n`);
  }
  return times.length ? 0 : 1;
};

/** busybox httpd [-f] [-p [IP:]PORT] [-h HOME]: serve HOME (default /www) until killed; -f stays in the foreground. */
const httpd: BlockFn = (argv) => {
  const o = getopt(argv.slice(1), 'phcurmeR');
  if (o.bad) return { error: `httpd: option requires an argument -- '${o.bad}'\n`, code: 1 };
  const portText = (o.vals.p ?? '80').split(':').pop()!;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `httpd: invalid port '${portText}'\n`, code: 1 };
  return { program: { kind: 'serve', port, root: o.vals.h ?? '/www', ms: null, daemon: !o.flags.has('f') } };
};

/** busybox wget [-q] [-O FILE] http://HOST[:PORT]/PATH */
const wget: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'OTUY');
  const url = o.rest[0];
  const m = url ? /^http:\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url) : null;
  if (!m) {
    c.err(url ? `wget: not an http or ftp url: ${url}\n` : 'BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: wget [-q] [-O FILE] URL\n');
    return 1;
  }
  const [, host, portText, path = '/'] = m;
  const port = Number(portText ?? 80);
  const ip = c.sys.resolve(host);
  if (!ip) {
    c.err(`wget: bad address '${host}'\n`);
    return 1;
  }
  const quiet = o.flags.has('q');
  if (!quiet) c.err(`Connecting to ${host} (${ip}:${port})\n`);
  let res: { status: number; body: string };
  try {
    res = c.sys.httpGet(ip, port, path);
  } catch (e) {
    c.err(`wget: can't connect to remote host (${ip}): ${errText(e)}\n`);
    return 1;
  }
  if (res.status !== 200) {
    c.err(`wget: server returned error: HTTP/1.1 ${res.status} Not Found\n`);
    return 1;
  }
  const target = o.vals.O ?? (path.split('/').pop() || 'index.html');
  if (target === '-') {
    if (!quiet) c.err('writing to stdout\n');
    c.out(res.body);
    if (!quiet) c.err('written to stdout\n');
    return 0;
  }
  try {
    c.sys.writeFile(target, res.body);
  } catch (e) {
    c.err(`wget: can't open '${target}': ${errText(e)}\n`);
    return 1;
  }
  if (!quiet) c.err(`saving to '${target}'\n'${target}' saved\n`);
  return 0;
};

export const NET_COMMANDS: Record<string, CommandFn> = { ip, ping, wget };
export const NET_BLOCKERS: Record<string, BlockFn> = { httpd };
