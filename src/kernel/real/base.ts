// The base image from the host's static busybox (Debian busybox-static), and the host tools a
// container uses before and during its switch of root (setpriv with its libraries, a static
// busybox for `umount -l` after pivot_root, the device nodes of a minimal /dev).
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { KernelError } from '../kernel.js';
import { realDu } from './fs.js';
import { run } from './run.js';
import { FORWARDER, INIT, LOG_WRITER, SHIM } from './scripts.js';

export const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

const DIRS: [string, number][] = [
  ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o555], ['root', 0o700],
  ['sys', 0o555], ['tmp', 0o1777], ['usr', 0o755], ['usr/sbin', 0o755], ['usr/local', 0o755], ['usr/local/bin', 0o755],
  ['var', 0o755], ['var/spool', 0o755], ['var/www', 0o755],
];

const FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
  'etc/group': 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nwheel:x:10:root\nmail:x:8:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n',
  'etc/hostname': 'localhost\n',
  'etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  'etc/resolv.conf': 'nameserver 10.0.2.3\n',
  'etc/shells': '/bin/sh\n',
};

/** sandbox/base in boxlab's own files */
export function sandboxBase(): string {
  const p = join(packageRoot(), 'sandbox/base');
  if (existsSync(join(p, 'alloc'))) return p;
  throw new KernelError('sandbox/base (alloc, spawn) not found next to boxlab', 'ENOENT');
}

export function hostBusybox(): string | null {
  return BUSYBOX_PATHS.find((p) => existsSync(p)) ?? null;
}

/** Lay the busybox base root filesystem into path. */
export async function populateBusybox(path: string): Promise<{ files: number; bytes: number; description: string; command: string }> {
  const bb = hostBusybox();
  if (!bb) throw new KernelError('no static busybox on this host (apt-get install busybox-static)', 'ENOENT');
  for (const [d, mode] of DIRS) {
    mkdirSync(join(path, d), { recursive: true });
    chmodSync(join(path, d), mode);
  }
  copyFileSync(bb, join(path, 'bin/busybox'));
  chmodSync(join(path, 'bin/busybox'), 0o755);
  const list = await run([bb, '--list']);
  const applets = list.stdout.split('\n').map((s) => s.trim()).filter((a) => a && a !== 'busybox');
  for (const a of applets) {
    const p = join(path, 'bin', a);
    rmSync(p, { force: true });
    symlinkSync('busybox', p);
  }
  for (const [rel, data] of Object.entries(FILES)) writeFileSync(join(path, rel), data, { mode: 0o644 });
  const sb = sandboxBase();
  for (const s of ['alloc', 'spawn']) {
    copyFileSync(join(sb, s), join(path, 'usr/local/bin', s));
    chmodSync(join(path, 'usr/local/bin', s), 0o755);
  }
  const ver = /BusyBox v([\d.]+)/.exec((await run([bb])).stdout)?.[1] ?? '';
  return {
    files: applets.length + Object.keys(FILES).length + DIRS.length + 3,
    bytes: realDu(path),
    description: `busybox ${ver} (static, from ${bb}; ${applets.length} applets) + alloc, spawn`,
    command: `cp ${bb} ${path}/bin/ && for a in $(${bb} --list); do ln -s busybox ${path}/bin/$a; done`,
  };
}

const DEVICES: [string, number, number][] = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];

/**
 * /run/boxlab/{bin,tools}: the shim, the log writer, init and the port forwarder; setpriv with the libraries `ldd` lists
 * and the loader; a static busybox; a template /dev. Built once per boot (/run is a tmpfs).
 */
export async function ensureTools(runDir: string): Promise<void> {
  const bin = join(runDir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of [['boxlab-shim', SHIM], ['boxlab-log', LOG_WRITER], ['boxlab-init', INIT], ['boxlab-forward.mjs', FORWARDER]] as const) {
    const p = join(bin, name);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== text) {
      writeFileSync(`${p}.tmp`, text, { mode: 0o755 });
      renameSync(`${p}.tmp`, p);
    }
  }
  const tools = join(runDir, 'tools');
  if (existsSync(join(tools, '.ready'))) return;
  const tmp = `${tools}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'bin'), { recursive: true });
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  if (!setpriv) throw new KernelError('setpriv (util-linux) is not installed', 'ENOENT');
  const ldd = await run(['ldd', setpriv]);
  if (ldd.exitCode !== 0) throw new KernelError(`ldd ${setpriv}: ${ldd.stderr}`, 'EIO', `ldd ${setpriv}`);
  copyFileSync(setpriv, join(tmp, 'bin/setpriv'));
  for (const line of ldd.stdout.split('\n')) {
    const lib = /=>\s*(\/\S+)/.exec(line)?.[1];
    const loader = /^\s*(\/\S*ld[-.]\S+)\s/.exec(line)?.[1];
    if (lib) copyFileSync(lib, join(tmp, 'bin', basename(lib)));
    if (loader) copyFileSync(loader, join(tmp, 'bin/ld.so'));
  }
  if (!existsSync(join(tmp, 'bin/ld.so'))) throw new KernelError(`no loader in ldd ${setpriv}`, 'ENOENT');
  const bb = hostBusybox();
  if (!bb) throw new KernelError('no static busybox on this host (apt-get install busybox-static)', 'ENOENT');
  copyFileSync(bb, join(tmp, 'bin/busybox'));
  for (const f of ['setpriv', 'ld.so', 'busybox']) chmodSync(join(tmp, 'bin', f), 0o755);
  const dev = join(tmp, 'dev');
  for (const d of ['pts', 'shm', '.boxlab']) mkdirSync(join(dev, d), { recursive: true });
  for (const [name, maj, min] of DEVICES) {
    const r = await run(['mknod', '-m', '666', join(dev, name), 'c', String(maj), String(min)]);
    if (r.exitCode !== 0) throw new KernelError(`mknod ${name}: ${r.stderr}`, 'EPERM', r.argv.join(' '));
  }
  for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']]) {
    symlinkSync(target, join(dev, name));
  }
  writeFileSync(join(tmp, '.ready'), '');
  try {
    renameSync(tmp, tools);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another boxlab made it first
  }
}
