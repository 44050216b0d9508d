// The lab's IP pool: each container gets the lowest free address of the bridge's subnet (the
// gateway, .0 and broadcast excluded) and gives it back when it is removed.
import { UserError } from '../errors.js';
import type { EngineState } from '../state.js';

function toInt(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}
function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function prefixOf(subnet: string): number {
  return Number(subnet.split('/')[1]);
}

export function allocate(ipam: EngineState['ipam'], owner: string): string {
  const [net, bits] = ipam.subnet.split('/');
  const size = 2 ** (32 - Number(bits));
  const base = toInt(net);
  const gw = toInt(ipam.gateway);
  for (let i = 1; i < size - 1; i++) {
    const n = base + i;
    if (n === gw) continue;
    const ip = toIp(n);
    if (!(ip in ipam.allocated)) {
      ipam.allocated[ip] = owner;
      return ip;
    }
  }
  throw new UserError(`No free address left in the lab network ${ipam.subnet}.`, "Remove containers you no longer need ('boxlab rm').");
}

export function release(ipam: EngineState['ipam'], ip: string | null): boolean {
  if (!ip || !(ip in ipam.allocated)) return false;
  delete ipam.allocated[ip];
  return true;
}
