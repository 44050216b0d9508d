// The fidelity scenarios: short sequences of boxlab commands that each show one thing a container
// is (PID 1 inside, its own hostname and mounts, copy-up, whiteouts, limits, a network), run once
// on the simulated kernel and once on the real one. What each command showed is reduced to what
// must not differ between kernels (exit code, output with ids, PIDs and addresses masked, the
// kinds of kernel events and the engine's steps) so the two runs can be compared line by line.
import type { LabEvent } from '../../src/engine/events.js';

export interface Step {
  args: string[];
  /** stdout is a number the kernels choose differently (a host PID): only its shape is compared */
  number?: boolean;
  /** what Linux shows here, checked on both kernels (so two equal failures do not pass) */
  want?: { exitCode?: number; stdout?: RegExp; stderr?: RegExp };
}

export interface Scenario {
  name: string;
  steps: Step[];
}

const s = (...args: string[]): Step => ({ args });
const want = (step: Step, w: Step['want']): Step => ({ ...step, want: w });
const sh = (script: string, ...opts: string[]): Step => s('run', '--rm', ...opts, 'busybox', 'sh', '-c', script);

/** Names are prefixed `f` so the scenarios can share one lab home without meeting each other. */
export const SCENARIOS: Scenario[] = [
  { name: 'the first process is PID 1 inside', steps: [want(sh('echo $$; cat /proc/1/cmdline | tr "\\0" " "; echo'), { exitCode: 0, stdout: /^1\nsh -c echo/ })] },
  {
    name: 'the host sees another PID for it, in other namespaces',
    steps: [
      s('run', '-d', '--name', 'fhost', 'busybox', 'sleep', '600'),
      { args: ['inspect', '-f', '{{.State.Pid}}', 'fhost'], number: true, want: { stdout: /^<NUMBER>\n$/ } },
      want(s('exec', 'fhost', 'sh', '-c', 'echo $PPID; cat /proc/1/cmdline | tr "\\0" " "; echo'), { stdout: /^0\nsleep 600 \n$/ }),
      s('rm', '-f', 'fhost'),
    ],
  },
  { name: 'ps inside shows only the container\'s processes', steps: [s('run', '--rm', 'busybox', 'ps'), sh('ps; true')] },
  {
    name: 'a container cannot see or signal host processes',
    steps: [
      s('run', '-d', '--name', 'fiso', 'busybox', 'sleep', '600'),
      want(s('exec', 'fiso', 'ps', '-o', 'pid,comm'), { stdout: /^PID +COMMAND\n +1 sleep\n<PID> ps\n$/ }),
      // /proc lists the two processes of its PID namespace: sleep (1) and this shell
      want(s('exec', 'fiso', 'sh', '-c', 'kill -0 1 && echo pid1 ok; set -- /proc/[0-9]*; echo $#'), { stdout: /^pid1 ok\n2\n$/ }),
      s('rm', '-f', 'fiso'),
    ],
  },
  {
    name: 'hostname isolation: its own hostname, changeable inside only',
    steps: [
      want(s('run', '--rm', '--hostname', 'fbox', 'busybox', 'hostname'), { stdout: /^fbox\n$/ }),
      s('run', '--rm', '--hostname', 'fbox', 'busybox', 'cat', '/etc/hostname'),
      s('run', '--rm', '--name', 'fdefault', 'busybox', 'hostname'),
      want(sh('hostname changed 2>&1; echo $?; hostname'), { stdout: /Operation not permitted\n1\n<ID>\n$/ }),
    ],
  },
  {
    name: 'separate mount tables: root is overlay, /proc its own',
    steps: [
      sh("mount | grep -E ' on /(proc|sys|dev)? ' | cut -d' ' -f1-5"),
      sh("cut -d' ' -f5,8,9 /proc/self/mountinfo | grep -v '^/proc/'"),
      want(sh('mount -t tmpfs none /tmp; echo $?'), { stdout: /^1\n$/ }),
    ],
  },
  {
    name: 'copy-up on write: the changed file moves into the writable layer',
    steps: [
      want(s('run', '--name', 'fcopy', 'busybox', 'sh', '-c', 'echo extra >> /etc/passwd; tail -n 1 /etc/passwd'), { stdout: /^extra\n$/ }),
      s('commit', 'fcopy', 'fcopy:v1'),
      s('history', '--format', '{{.CreatedBy}} {{.Size}}', 'fcopy:v1'),
      want(s('run', '--rm', 'fcopy:v1', 'tail', '-n', '1', '/etc/passwd'), { stdout: /^extra\n$/ }),
      s('rm', 'fcopy'),
      s('rmi', 'fcopy:v1'),
    ],
  },
  {
    name: 'whiteout on delete: a removed image file is hidden, not erased',
    steps: [
      s('run', '--name', 'fwhite', 'busybox', 'sh', '-c', 'rm /etc/shells; cat /etc/shells; echo $?'),
      s('commit', 'fwhite', 'fwhite:v1'),
      want(s('run', '--rm', 'fwhite:v1', 'ls', '/etc/shells'), { exitCode: 1, stderr: /No such file or directory/ }),
      s('rm', 'fwhite'),
      s('rmi', 'fwhite:v1'),
    ],
  },
  {
    name: 'opaque dir: a directory removed and made again hides the image\'s contents',
    steps: [
      s('run', '--name', 'fopaque', 'busybox', 'sh', '-c', 'rm -rf /var/www && mkdir /var/www && echo new > /var/www/index.html && ls /var/www'),
      s('commit', 'fopaque', 'fopaque:v1'),
      want(s('run', '--rm', 'fopaque:v1', 'ls', '-a', '/var/www'), { stdout: /^\.\n\.\.\nindex\.html\n$/ }),
      s('rm', 'fopaque'),
      s('rmi', 'fopaque:v1'),
    ],
  },
  {
    name: 'the writable layer goes with rm',
    steps: [
      s('run', '--name', 'fgone', 'busybox', 'sh', '-c', 'echo hi > /tmp/note'),
      s('start', '-a', 'fgone'),
      s('rm', 'fgone'),
      want(s('run', '--rm', 'busybox', 'cat', '/tmp/note'), { exitCode: 1 }),
      want(s('inspect', 'fgone'), { exitCode: 1 }),
    ],
  },
  {
    name: 'a volume survives rm',
    steps: [
      s('volume', 'create', 'fvol'),
      s('run', '--name', 'fwriter', '-v', 'fvol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/note'),
      s('rm', 'fwriter'),
      want(s('run', '--rm', '-v', 'fvol:/data', 'busybox', 'cat', '/data/note'), { stdout: /^kept\n$/ }),
      s('volume', 'rm', 'fvol'),
    ],
  },
  {
    name: 'pids limit stops a fork loop',
    steps: [want(s('run', '--rm', '--pids-limit', '5', 'busybox', 'sh', '-c', 'spawn 10'), { exitCode: 1, stderr: /Resource temporarily unavailable/ })],
  },
  {
    name: 'OOM kill at the memory limit',
    steps: [
      want(s('run', '--name', 'foom', '--memory', '20m', 'busybox', 'alloc', '64'), { exitCode: 137 }),
      want(s('inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'foom'), { stdout: /^true 137\n$/ }),
      s('rm', 'foom'),
    ],
  },
  {
    name: 'two containers ping each other',
    steps: [
      s('run', '-d', '--name', 'fping1', 'busybox', 'sleep', '600'),
      s('run', '-d', '--name', 'fping2', 'busybox', 'sleep', '600'),
      want(s('exec', 'fping1', 'sh', '-c', 'ping -c 1 -W 2 {ip:fping2} >/dev/null; echo $?'), { stdout: /^0\n$/ }),
      want(s('exec', 'fping2', 'sh', '-c', 'ping -c 1 -W 2 {ip:fping1} | grep -c "bytes from"'), { stdout: /^1\n$/ }),
      s('rm', '-f', 'fping1', 'fping2'),
    ],
  },
  {
    name: 'commit captures exactly the writable layer\'s changes',
    steps: [
      s('run', '--name', 'fcommit', 'busybox', 'sh', '-c', 'mkdir -p /app && echo v1 > /app/version && rm /etc/hostname'),
      s('commit', 'fcommit', 'fcommit:v1'),
      s('history', '--format', '{{.CreatedBy}} {{.Size}}', 'fcommit:v1'),
      want(s('run', '--rm', 'fcommit:v1', 'sh', '-c', 'cat /app/version; ls /etc/hostname /etc/shells'), { exitCode: 1, stdout: /^v1\n\/etc\/shells\n$/, stderr: /hostname: No such file/ }),
      s('run', '--name', 'fcommit2', 'fcommit:v1', 'true'),
      s('commit', 'fcommit2', 'fcommit:v2'),
      s('history', '--format', '{{.CreatedBy}} {{.Size}}', 'fcommit:v2'),
      s('rm', 'fcommit', 'fcommit2'),
      s('rmi', 'fcommit:v2', 'fcommit:v1'),
    ],
  },
  {
    name: 'exec joins the container\'s namespaces',
    steps: [
      s('run', '-d', '--name', 'fexec', '--hostname', 'fexec-host', 'busybox', 'sleep', '600'),
      s('exec', 'fexec', 'hostname'),
      s('exec', 'fexec', 'sh', '-c', 'echo made > /tmp/by-exec'),
      s('exec', 'fexec', 'cat', '/tmp/by-exec'),
      want(s('exec', 'fexec', 'sh', '-c', 'exit 7'), { exitCode: 7 }),
      s('rm', '-f', 'fexec'),
    ],
  },
  {
    name: 'exit codes pass through',
    steps: [want(sh('exit 3'), { exitCode: 3 }), want(s('run', '--rm', 'busybox', 'false'), { exitCode: 1 }), want(s('run', '--rm', 'busybox', 'nosuchcommand'), { exitCode: 127 })],
  },
  {
    name: 'kill and stop end the process with a signal',
    steps: [
      s('run', '-d', '--name', 'fkill', 'busybox', 'sleep', '600'),
      s('kill', 'fkill'),
      want(s('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'fkill'), { stdout: /^exited 137\n$/ }),
      s('start', 'fkill'),
      s('stop', '-t', '1', 'fkill'),
      want(s('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'fkill'), { stdout: /^exited 137\n$/ }),
      s('rm', 'fkill'),
    ],
  },
  {
    name: 'logs keep a detached container\'s output',
    steps: [
      s('run', '-d', '--name', 'flogs', 'busybox', 'sh', '-c', 'echo out; echo err >&2; sleep 1; exit 2'),
      want(s('wait', 'flogs'), { stdout: /^2\n$/ }),
      want(s('logs', 'flogs'), { stdout: /^out\n$/, stderr: /^err\n$/ }),
      s('rm', 'flogs'),
    ],
  },
  {
    name: 'the user inside is root, and the filesystem is the image\'s',
    steps: [want(sh('id; whoami; pwd; echo $HOME'), { stdout: /^uid=0\(root\) gid=0\(root\)\nroot\n\/\n\/root\n$/ }), sh('ls /; cat /etc/hostname'), s('run', '--rm', '-w', '/tmp', 'busybox', 'pwd')],
  },
  {
    name: 'a container has its own network interfaces',
    steps: [
      sh('ip -o link'),
      sh('ip -o -4 addr; ip route'),
      sh('ip -4 addr show dev eth0'),
      s('run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link'),
    ],
  },
  {
    name: 'a cgroup namespace: the container\'s cgroup is / inside',
    steps: [
      sh('tail -n 1 /proc/self/cgroup; readlink /proc/1/ns/cgroup | cut -d: -f1', '--memory', '20m', '--pids-limit', '7'),
    ],
  },
  {
    name: 'files: write, read, list in the writable layer',
    steps: [sh('echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f; wc -l < /tmp/f; ls -ld /tmp | cut -c1-10; mkdir /tmp/d; ls /tmp')],
  },
];

// ----- normalising -----

/** Placeholders like {ip:NAME} in a step's args, resolved in each mode before the step runs. */
export function placeholders(args: string[]): string[] {
  return [...new Set(args.join(' ').match(/\{ip:[\w-]+\}/g) ?? [])];
}

export interface Shown {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** kernel event kinds, each once, sorted */
  kernel: string[];
  /** engine steps in order */
  steps: string[];
  /** what the process.exit and commit steps said (how it ended; how many entries the writable layer had) */
  texts: string[];
}

/**
 * Mask what the two kernels choose differently and nothing else: container and image ids
 * (12 or 64 hex digits, sha256 digests), PIDs in ps output other than 1, namespace inode
 * numbers, IPv4 addresses on the lab bridge. Each rule matches a shape, never free text.
 */
export function normalise(text: string): string {
  let t = text
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<DIGEST>')
    .replace(/\b[0-9a-f]{64}\b/g, '<ID>')
    // a short id is random hex: now and then all digits, so any 12 hex digits (no output here has such numbers)
    .replace(/\b[0-9a-f]{12}\b/g, '<ID>')
    .replace(/\b(pid|mnt|uts|ipc|net|user|cgroup|time):\[\d+\]/g, '$1:[<NS>]')
    .replace(/\b172\.(1[6-9]|2\d|3[01])\.\d+\.\d+\b/g, '<IP>')
    // a veth's peer index lies in the host's namespace; its MAC address is random
    .replace(/@if\d+:/g, '@if<N>:')
    .replace(/link\/ether ([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'link/ether <MAC>');
  // ps output (a PID heading): every PID but 1 in the first column
  if (/^\s*PID\s/m.test(t)) t = t.replace(/^\s*([2-9]|\d{2,})(?= )/gm, '<PID>');
  return t;
}

export function shownOf(r: { exitCode: number; stdout: string; stderr: string; events: LabEvent[] }, step: Step): Shown {
  const kernel = [...new Set(r.events.filter((e) => e.kind !== 'engine.step').map((e) => e.kind))].sort();
  const steps = r.events.flatMap((e) => (e.kind === 'engine.step' ? [e.step] : []));
  // the facts two step texts carry: how a process ended, how many entries a commit took
  const texts = r.events.flatMap((e) => {
    if (e.kind !== 'engine.step') return [];
    if (e.step === 'process.exit') return [normalise(e.text).replace(/^\S+ exited/, '<NAME> exited')];
    if (e.step === 'layer.add' && e.text.startsWith('Committed')) return [normalise(e.text).replace(/^Committed \S+'s/, "Committed <NAME>'s")];
    return [];
  });
  let stdout = normalise(r.stdout);
  // a host PID: any number but 1 (1 is what it is inside, so 1 here would be wrong)
  if (step.number) stdout = stdout.replace(/^([2-9]|\d{2,})\n$/, '<NUMBER>\n');
  return { exitCode: r.exitCode, stdout, stderr: normalise(r.stderr), kernel, steps, texts };
}
