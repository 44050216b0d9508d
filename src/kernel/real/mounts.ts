// Mounts: overlayfs stacks read-only lower dirs under a writable upper dir and shows the union
// at the target (Documentation/filesystems/overlayfs.rst); /proc/PID/mountinfo is each mount
// namespace's table (man 5 proc).
import { readFileSync } from 'node:fs';
import type { Mount, OverlaySpec } from '../kernel.js';

export function overlayOptions(spec: OverlaySpec): string[] {
  return [`lowerdir=${spec.lower.join(':')}`, `upperdir=${spec.upper}`, `workdir=${spec.work}`];
}

export function overlayArgv(spec: OverlaySpec): string[] {
  return ['mount', '-t', 'overlay', 'overlay', '-o', overlayOptions(spec).join(','), spec.target];
}

export function umountArgv(target: string, lazy = false): string[] {
  return lazy ? ['umount', '-l', target] : ['umount', target];
}

/** mountinfo's octal escapes (\040 for a space) */
function unescape(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/PID/mountinfo: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fstype, source, superOpts] = right.split(' ');
    const opts = [...new Set([...(f[5] ?? '').split(','), ...(superOpts ?? '').split(',')])].filter(Boolean);
    out.push({ source: unescape(source ?? ''), target: unescape(f[4] ?? ''), fstype: fstype ?? '', options: opts });
  }
  return out;
}

export function readMountinfo(pid: number | 'self' = 'self'): Mount[] {
  try {
    return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  } catch {
    return [];
  }
}

/** "not mounted" → EINVAL, "No such file" → ENOENT, "busy" → EBUSY, else EIO */
export function mountErrno(stderr: string): string {
  if (/not mounted|no mount point/i.test(stderr)) return 'EINVAL';
  if (/No such file|does not exist|can't find/i.test(stderr)) return 'ENOENT';
  if (/busy/i.test(stderr)) return 'EBUSY';
  if (/permission denied|must be superuser/i.test(stderr)) return 'EPERM';
  return 'EIO';
}
