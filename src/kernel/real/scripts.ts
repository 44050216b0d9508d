// The three small programs a real container runs through, written to /run/boxlab/bin so a
// student can read them: boxlab-shim (the supervisor that outlives the CLI, as containerd-shim
// does), boxlab-init (PID 1's first moments: mounts, hostname, pivot_root, dropped privileges,
// then exec of the user's command) and boxlab-log.mjs (stdout/stderr → Docker json-file lines).

/**
 * boxlab-shim DIR CMD...: run CMD (its own stderr to DIR/runner.err, the container's on fd 4) (nsenter/unshare ...) detached from the CLI. It starts the log
 * writer, has CMD join the container's cgroup (DIR/cgroup.procs lists the files), waits for
 * boxlab-init's "ready" on fd 9, records PID 1's host pid in DIR/pid, moves the unshare process
 * itself back to the CLI's cgroup (DIR/home.procs) so only the container's processes count,
 * and at the end writes the exit status to DIR/exit (its mtime is the finish time).
 */
export const SHIM = `#!/bin/sh
# boxlab-shim DIR CMD...: supervise one container process from outside it (see boxlab-init)
dir=$1; shift
cd /
exec </dev/null >/dev/null 2>>"$dir/shim.err"
mkfifo "$dir/out" "$dir/err" "$dir/ready" || exit 125
node "$(dirname "$0")/boxlab-log.mjs" "$dir" &
logger=$!
in=/dev/null; [ -f "$dir/stdin" ] && in=$dir/stdin
/bin/sh -c 'while read -r f; do echo $$ > "$f" || exit 125; done < "$0/cgroup.procs"; exec "$@"' "$dir" "$@" \\
  <"$in" >"$dir/out" 4>"$dir/err" 2>>"$dir/runner.err" 9>"$dir/ready" &
child=$!
echo "$child" > "$dir/child"
state=
read -r state < "$dir/ready" || true
if [ "$state" = ready ]; then
  pid1=
  for t in /proc/$child/task/*/children; do read -r pid1 rest < "$t" && [ -n "$pid1" ] && break; done
  echo "$pid1" > "$dir/pid"
  # best effort (a subshell: a failed write must not end the shim, as dash does for builtins)
  [ -f "$dir/home.procs" ] && while read -r f; do (echo "$child" > "$f") 2>/dev/null; done < "$dir/home.procs"
else
  echo "\${state:-error}" > "$dir/failed"
fi
wait "$child"
code=$?
# the container's published ports go with it (boxlab-forward.mjs)
[ -f "$dir/forward.pid" ] && kill "$(cat "$dir/forward.pid")" 2>/dev/null
# util-linux 2.38 unshare/nsenter cannot re-raise SIGKILL on themselves and exit 1 instead;
# PID 1 of a PID namespace dies of no other signal from outside, so that is a SIGKILL (137)
[ "$code" = 1 ] && grep -q 'sigprocmask unblock failed' "$dir/runner.err" 2>/dev/null && code=137
wait "$logger"
echo "$code" > "$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
`;

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap',
  'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
];

/** Where the host's setpriv, its libraries and a static busybox appear inside a container. */
export const CONTAINER_TOOLS = '/dev/.boxlab';

/**
 * boxlab-init DIR --root R [--hostname H] [--wd W] [--bind SRC:DST[:ro]]... -- setpriv OPTS -- env -i K=V... CMD ARGS
 * Runs (the host's /bin/sh) as PID 1 in the new namespaces, before the container's root exists.
 */
export const INIT = `#!/bin/sh
# boxlab-init: PID 1's first moments in a new container (man 2 pivot_root, man 7 namespaces)
set -e
dir=$1; shift
exec 3>&4 4>&- 2>>"$dir/init.err"
fail() { echo "boxlab-init: $*" >&2; echo error >&9; exit 125; }
root= host= wd=/ binds=
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --hostname) host=$2; shift 2 ;;
    --wd) wd=$2; shift 2 ;;
    --bind) binds="$binds $2"; shift 2 ;;
    --) shift; break ;;
    *) fail "unknown option $1" ;;
  esac
done
tools=$(dirname "$0")/../tools
[ -d "$root" ] || fail "no root filesystem at $root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc" || fail "mount proc"
mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs "$root/dev" || fail "mount /dev"
cp -a "$tools/dev/." "$root/dev/"
mount -t devpts -o newinstance,nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts "$root/dev/pts"
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm "$root/dev/shm"
mount --bind -o ro,nosuid,nodev "$tools/bin" "$root${CONTAINER_TOOLS}"
[ -d "$root/sys" ] && mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount --bind -o ro "$root/proc/sys" "$root/proc/sys"
[ -e "$root/proc/sysrq-trigger" ] && mount --bind -o ro "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
for p in kcore keys timer_list; do [ -e "$root/proc/$p" ] && mount --bind "$root/dev/null" "$root/proc/$p"; done
for b in $binds; do
  src=\${b%%:*}; rest=\${b#*:}; dst=\${rest%%:*}; mode=\${rest#"$dst"}
  mkdir -p "$root$dst"
  mount --rbind "$src" "$root$dst" || fail "bind $src"
  [ "$mode" = ":ro" ] && mount -o remount,bind,ro "$root$dst"
done
[ -n "$host" ] && hostname "$host"
cd "$root"
pivot_root . .
${CONTAINER_TOOLS}/busybox umount -l .
cd /
cd "$wd" 2>/dev/null || fail "chdir $wd"
cpath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
seen=0 cmd=
for a in "$@"; do
  if [ $seen = 0 ]; then [ "$a" = -- ] && seen=1; continue; fi
  case $a in env|-i) continue ;; PATH=*) cpath=\${a#PATH=}; continue ;; *=*) continue ;; esac
  cmd=$a; break
done
PATH=$cpath
command -v "$cmd" >/dev/null 2>&1 || { echo enoent >&9; exit 127; }
[ "$1" = setpriv ] && shift
echo ready >&9
exec 2>&3 3>&- 9>&-
exec ${CONTAINER_TOOLS}/ld.so --library-path ${CONTAINER_TOOLS} ${CONTAINER_TOOLS}/setpriv "$@"
`;

/** boxlab-log.mjs DIR: copy DIR/out and DIR/err into the log file named in DIR/log, one JSON line per line. */
export const LOGGER = `// boxlab-log.mjs DIR: the container's stdout and stderr as Docker json-file lines {log, stream, time}
import { appendFileSync, createReadStream, readFileSync } from 'node:fs';
const dir = process.argv[2];
const log = readFileSync(dir + '/log', 'utf8');
const write = (lines, stream) => {
  if (!lines.length) return;
  const time = new Date().toISOString();
  appendFileSync(log, lines.map((l) => JSON.stringify({ log: l, stream, time }) + '\\n').join(''));
};
for (const [file, stream] of [['out', 'stdout'], ['err', 'stderr']]) {
  let buf = '';
  const s = createReadStream(dir + '/' + file, { encoding: 'utf8' });
  s.on('data', (d) => {
    buf += d;
    const lines = [];
    for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
      lines.push(buf.slice(0, i + 1));
      buf = buf.slice(i + 1);
    }
    write(lines, stream);
  });
  s.on('end', () => write(buf ? [buf] : [], stream));
}
`;

/**
 * boxlab-forward.mjs DIR PID1 HOSTIP:HOSTPORT:CONTAINERIP:CONTAINERPORT...: `-p` as a small TCP
 * proxy (Docker runs docker-proxy for the same job). It listens on the host side (the machine's
 * network namespace, or the one holding the lab bridge), writes its pid to DIR/forward.pid once
 * every port listens (DIR/forward.err says why one could not), and ends with the container: the
 * shim kills it when PID 1 exits, and it looks for itself every half second in case the shim died.
 */
export const FORWARDER = `// boxlab-forward.mjs: publish container ports on the host side (docker-proxy's job)
import { createConnection, createServer } from 'node:net';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
const [dir, pid1, ...specs] = process.argv.slice(2);
const servers = [];
let listening = 0;
const fail = (why) => {
  writeFileSync(dir + '/forward.err', why + '\\n');
  process.exit(1);
};
for (const spec of specs) {
  const [hostIp, hostPort, ip, port] = spec.split(':');
  const server = createServer((client) => {
    const upstream = createConnection({ host: ip, port: Number(port) });
    client.pipe(upstream).pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
  });
  server.on('error', (e) => fail('listen ' + hostIp + ':' + hostPort + ': ' + e.message));
  server.listen({ host: hostIp, port: Number(hostPort), exclusive: true }, () => {
    if (++listening === specs.length) {
      writeFileSync(dir + '/forward.pid.tmp', process.pid + '\\n');
      renameSync(dir + '/forward.pid.tmp', dir + '/forward.pid');
    }
  });
  servers.push(server);
}
setInterval(() => {
  let alive = true;
  try {
    process.kill(Number(pid1), 0);
  } catch {
    alive = false;
  }
  if (!alive || existsSync(dir + '/exit') || !existsSync(dir)) process.exit(0);
}, 500);
`;
