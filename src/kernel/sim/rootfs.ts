// The simulated busybox root filesystem: one /bin/busybox and a symlink per applet, as the
// busybox image lays it out, plus the few files in /etc a shell expects.
import type { Vfs } from './fs/vfs.js';
import * as simbox from './simbox/index.js';

const DIRS: [string, number][] = [
  ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o555], ['root', 0o700],
  ['sys', 0o555], ['tmp', 0o1777], ['usr', 0o755], ['usr/sbin', 0o755], ['var', 0o755], ['var/spool', 0o755],
  ['var/www', 0o755],
];

const FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
  'etc/group': 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nwheel:x:10:root\nmail:x:8:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n',
  'etc/hostname': 'localhost\n',
  'etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  'etc/resolv.conf': 'nameserver 10.0.2.3\n',
  'etc/shells': '/bin/sh\n',
};

export function populateSimbox(vfs: Vfs, path: string, now: number): { files: number; bytes: number; description: string } {
  const at = (rel: string) => `${path.replace(/\/$/, '')}/${rel}`;
  vfs.hostMkdirp(path);
  for (const [d, mode] of DIRS) {
    vfs.hostMkdirp(at(d));
    const node = vfs.hostGet(at(d));
    if (node) {
      node.mode = mode;
      node.mtime = now;
    }
  }
  vfs.hostWriteFile(at('bin/busybox'), `simbox: the simulated busybox (${simbox.commandNames().length} applets)\n`, 0o755);
  for (const name of simbox.commandNames()) {
    if (name === 'busybox') continue;
    vfs.hostSymlink('busybox', at(`bin/${name}`));
  }
  for (const [rel, data] of Object.entries(FILES)) vfs.hostWriteFile(at(rel), data, 0o644);
  return {
    files: vfs.hostCount(path),
    bytes: vfs.hostDu(path),
    description: `simbox (simulated busybox, ${simbox.commandNames().length} applets)`,
  };
}
