// Can real mode run on this machine? The first reason it cannot, in words, or null.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { cgroupLayout } from './probe.js';

export function realUnavailable(cgroupRoot = '/sys/fs/cgroup'): { reason: string; errno: string } | null {
  if (process.platform !== 'linux') return { reason: `real mode needs Linux (this is ${process.platform})`, errno: 'ENOSYS' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { reason: 'not root (real mode needs root: sudo)', errno: 'EPERM' };
  let fss = '';
  try {
    fss = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    /* no /proc */
  }
  if (!/\boverlay\b/.test(fss)) return { reason: 'no overlayfs in this kernel (/proc/filesystems)', errno: 'ENODEV' };
  const layout = cgroupLayout(cgroupRoot);
  if (layout === 'none') return { reason: `no cgroup filesystem at ${cgroupRoot}`, errno: 'ENOENT' };
  const probeDir = layout === 'v2' ? cgroupRoot : `${cgroupRoot}/pids`;
  try {
    accessSync(probeDir, constants.W_OK);
  } catch {
    return { reason: `the cgroup filesystem is read-only (${probeDir})`, errno: 'EROFS' };
  }
  for (const tool of ['unshare', 'nsenter', 'setpriv', 'pivot_root', 'mount', 'mountpoint', 'ip', 'setsid']) {
    if (!['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(`${d}/${tool}`))) return { reason: `${tool} is not installed`, errno: 'ENOENT' };
  }
  // overlayfs marks an opaque directory with an xattr; commit and image unpack read and set it
  for (const tool of ['getfattr', 'setfattr']) {
    if (!['/usr/bin', '/bin'].some((d) => existsSync(`${d}/${tool}`))) return { reason: `${tool} is not installed (apt-get install attr: overlayfs opaque directories are xattrs)`, errno: 'ENOENT' };
  }
  if (!['/bin/busybox', '/usr/bin/busybox'].some((p) => existsSync(p))) return { reason: 'no static busybox for the base image (apt-get install busybox-static)', errno: 'ENOENT' };
  return null;
}
