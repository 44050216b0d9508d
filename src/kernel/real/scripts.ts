// The small programs a real container runs through, written to /run/boxlab/bin so a student
// can read them: boxlab-shim (the supervisor that outlives the CLI, as containerd-shim does),
// boxlab-log (stdout/stderr → Docker json-file lines), boxlab-init (PID 1's first moments:
// mounts, hostname, pivot_root, dropped privileges, then exec of the user's command) and
// boxlab-forward.mjs (the TCP proxy of `-p`). The shim and its log-writing fork run under the
// static busybox's ash, so a container costs a few hundred KiB of processes beside its own.

/** The control characters JSON escapes (all below 0x20 but the newline that ends a line). */
const CONTROL = Array.from({ length: 31 }, (_, i) => i + 1).filter((c) => c !== 10);
const SHORT: Record<number, string> = { 8: 'b', 9: 't', 12: 'f', 13: 'r' };
const CONTROL_CHARS = CONTROL.map((c) => `\\${c.toString(8).padStart(3, '0')}`).join('');
const CONTROL_ESCAPES = CONTROL.map((c) => `      line=\${line//$'\\${c.toString(8).padStart(3, '0')}'/\\\\${SHORT[c] ?? `u${c.toString(16).padStart(4, '0')}`}}`).join('\n') + ' ;;';

/**
 * boxlab-log DIR STREAM: the container's output on stdin as Docker json-file lines
 * {log, stream, time} appended to the log file named in DIR/log. The shim sources it, writes
 * stdout itself and stderr in a fork of itself (no new program), so a container costs one
 * small process for its logs; it also runs alone (busybox ash boxlab-log DIR STREAM).
 */
export const LOG_WRITER = `#!/bin/sh
# boxlab-log DIR STREAM: stdin → the container's json-file log (sourced by boxlab-shim: log_open, log_lines)
log_open() {
  dir=$1
  IFS= read -r log < "$dir/log" || [ -n "$log" ] || return 1
  exec 7>>"$log"
  # the wall clock (ms) and /proc/uptime (1/100 s) when the record was made: a line's time is
  # the first plus the uptime since, so no process runs per line to tell the time
  read -r ms0 up0 < "$dir/clock" || return 1
  ctl=$'${CONTROL_CHARS}'
}
# lines of stdin → {"log":"...\\n","stream":"$1","time":"2006-01-02T15:04:05.000Z"} on fd 7
log_lines() {
  nl='\\n' day=
  while :; do
    line=
    IFS= read -r line || { [ -n "$line" ] || break; nl=; }
    line=\${line//\\\\/\\\\\\\\}; line=\${line//\\"/\\\\\\"}
    case $line in *[$ctl]*)
${CONTROL_ESCAPES}
    esac
    read -r up rest < /proc/uptime
    t=$(( ms0 + (\${up%.*}\${up#*.} - up0) * 10 )); s=$(( t / 1000 ))
    if [ "$day" != $(( s / 86400 )) ]; then
      day=$(( s / 86400 )); z=$(( day + 719468 )); era=$(( z / 146097 )); doe=$(( z - era * 146097 ))
      yoe=$(( (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365 )); doy=$(( doe - (365 * yoe + yoe / 4 - yoe / 100) ))
      mp=$(( (5 * doy + 2) / 153 )); d=$(( doy - (153 * mp + 2) / 5 + 1 )); m=$(( mp < 10 ? mp + 3 : mp - 9 ))
      y=$(( yoe + era * 400 + (m <= 2) ))
    fi
    printf '{"log":"%s%s","stream":"%s","time":"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"}\\n' "$line" "$nl" "$1" \\
      $y $m $d $(( s % 86400 / 3600 )) $(( s % 3600 / 60 )) $(( s % 60 )) $(( t % 1000 )) >&7
    [ -n "$nl" ] || break
  done
}
case $0 in */boxlab-log) log_open "$1" || exit 125; log_lines "$2" ;; esac
`;

/**
 * boxlab-shim DIR CMD...: run CMD (its own stderr to DIR/runner.err, the container's on fd 4)
 * (env --default-signal, nsenter/unshare ...) detached from the CLI, under the static busybox's
 * ash. A new container's PID 1 joins its cgroup itself (boxlab-init, DIR/pid1.join); an exec's
 * CMD joins it by writing 0 into the files DIR/join lists (v1's tasks: the writing thread
 * itself, without the machine-wide lock a write of a pid takes), and the waiting nsenter moves
 * back to the CLI's cgroup (DIR/home.procs), in the background, so only the container's
 * processes count. boxlab-init's "ready HOSTPID" on fd 9 gives PID 1's host pid (DIR/pid). A
 * fork of the shim writes the container's stderr as Docker json-file lines (boxlab-log's
 * functions), and the shim the stdout: a container costs the shim, that fork and the waiting
 * unshare beside its own processes. At the end it writes the exit status to DIR/exit (its
 * mtime is the finish time). With DIR/tty (run -it, exec -it on a terminal) it runs in the CLI's foreground instead: the
 * container's stdio is the CLI's terminal, unlogged.
 */
export const SHIM = `#!/bin/sh
# boxlab-shim DIR CMD...: supervise one container process from outside it (see boxlab-init)
dir=$1; shift
cd /
bin=\${0%/*}
# an exec's waiting nsenter (pid $1) goes back to the CLI's cgroups, so only the container's
# own processes count in its group; in the background: moving another process by its pid takes
# a machine-wide lock that can wait out an RCU grace period, and nothing needs to wait for it
# (a fork of a fork, which init reaps: the shim waits on only the first, which ends at once)
home_procs() {
  [ -f "$dir/home.procs" ] && ( ( while read -r f; do echo "$1" > "$f"; done < "$dir/home.procs" ) 2>/dev/null & )
}
if [ -f "$dir/tty" ]; then
  # run -it / exec -it on a terminal: the container's stdin, stdout and stderr are the CLI's own
  # terminal, and it runs in the foreground as a job of its own (set -m), as a shell runs a
  # command typed at its prompt; nothing is logged. The terminal's modes are put back after it.
  exec 3>&2 2>>"$dir/shim.err"
  mkfifo "$dir/ready" || exit 125
  modes=$("\${bin%/bin}/tools/bin/busybox" stty -g)
  (
    state= pid1=
    read -r state pid1 < "$dir/ready" || true
    read -r child < "$dir/child" || true
    if [ "$state" = ready ] && [ -n "$child" ]; then
      [ -n "$pid1" ] || for t in /proc/$child/task/*/children; do read -r pid1 rest < "$t" && [ -n "$pid1" ] && break; done
      if [ -n "$pid1" ]; then echo "$pid1" > "$dir/pid"; else echo gone > "$dir/failed"; fi
      home_procs "$child"
    else
      echo "\${state:-error}" > "$dir/failed"
    fi
  ) </dev/null >/dev/null &
  watcher=$!
  # a Ctrl-C that reaches this shell (no job control) must not end it; its child gets the default
  trap : INT QUIT
  set -m
  (
    read -r self rest < /proc/self/stat
    echo "$self" > "$dir/child"
    while read -r f; do echo 0 > "$f" || exit 125; done < "$dir/join"
    exec 3>&- "$@"
  ) 4>&3 2>>"$dir/runner.err" 9>"$dir/ready"
  code=$?
  set +m
  [ -n "$modes" ] && "\${bin%/bin}/tools/bin/busybox" stty "$modes"
  wait "$watcher"
else
exec </dev/null >/dev/null 2>>"$dir/shim.err"
mkfifo "$dir/out" "$dir/err" "$dir/ready" || exit 125
# the log writer: a process of its own for stderr; this shell writes stdout (sourced functions)
. "$bin/boxlab-log"
log_open "$dir" || exit 125
( log_lines stderr ) < "$dir/err" &
logger=$!
in=/dev/null; [ -f "$dir/stdin" ] && in=$dir/stdin
(
  while read -r f; do echo 0 > "$f" || exit 125; done < "$dir/join"
  exec 7>&- "$@"
) <"$in" >"$dir/out" 4>"$dir/err" 2>>"$dir/runner.err" 9>"$dir/ready" &
child=$!
echo "$child" > "$dir/child"
exec 5<"$dir/out"
state= pid1=
read -r state pid1 < "$dir/ready" || true
if [ "$state" = ready ]; then
  # boxlab-init says its host pid; an exec's shell cannot, so look among the children
  [ -n "$pid1" ] || for t in /proc/$child/task/*/children; do read -r pid1 rest < "$t" && [ -n "$pid1" ] && break; done
  if [ -n "$pid1" ]; then echo "$pid1" > "$dir/pid"; else echo gone > "$dir/failed"; fi
  # best effort: a failed write must not end the shim
  home_procs "$child"
else
  echo "\${state:-error}" > "$dir/failed"
fi
log_lines stdout <&5
exec 5<&-
wait "$child"
code=$?
wait "$logger"
fi
# the container's published ports go with it (boxlab-forward.mjs)
[ -f "$dir/forward.pid" ] && read -r fwd < "$dir/forward.pid" && kill "$fwd" 2>/dev/null
# util-linux 2.38 unshare/nsenter cannot re-raise SIGKILL on themselves and exit 1 instead;
# PID 1 of a PID namespace dies of no other signal from outside, so that is a SIGKILL (137)
[ "$code" = 1 ] && grep -q 'sigprocmask unblock failed' "$dir/runner.err" 2>/dev/null && code=137
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
 * boxlab-init DIR --root R [--overlay OPTIONS] [--hostname H] [--wd W] [--bind SRC:DST[:ro]]... -- setpriv OPTS -- env -i K=V... CMD ARGS
 * Runs (the host's /bin/sh) as PID 1 in the new namespaces, before the container's root exists.
 * With --overlay it mounts the root's overlay at R itself, in the container's mount namespace:
 * the host's mount table never holds it, and it goes with that namespace when the container
 * ends (a host mount per container would make every later start copy and read them all).
 */
export const INIT = `#!/bin/sh
# boxlab-init: PID 1's first moments in a new container (man 2 pivot_root, man 7 namespaces)
set -e
dir=$1; shift
# PID 1 joins its cgroup itself (0: this thread; v1's tasks file then takes no machine-wide lock),
# then makes its cgroup namespace there and starts again: the unshare waiting outside never
# belongs to the group, so nothing has to move it out (a move by pid holds the cgroup lock
# through an RCU grace period, and every cgroup mkdir and rmdir on the machine waits for it)
if [ "$1" = --joined ]; then
  shift
elif [ -f "$dir/pid1.join" ]; then
  while read -r f; do echo 0 > "$f" || { echo "boxlab-init: cannot join the cgroup ($f)" >&2; echo error >&9; exit 125; }; done < "$dir/pid1.join"
  exec unshare --cgroup -- /bin/sh "$0" "$dir" --joined "$@"
fi
exec 3>&4 4>&- 2>>"$dir/init.err"
fail() { echo "boxlab-init: $*" >&2; echo error >&9; exit 125; }
root= ovl= host= wd=/ binds=
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --overlay) ovl=$2; shift 2 ;;
    --hostname) host=$2; shift 2 ;;
    --wd) wd=$2; shift 2 ;;
    --bind) binds="$binds $2"; shift 2 ;;
    --) shift; break ;;
    *) fail "unknown option $1" ;;
  esac
done
tools=\${0%/*}/../tools
[ -d "$root" ] || fail "no root filesystem at $root"
# this shell's pid on the host, from the host's /proc (still mounted here): the shim records it
read -r hostpid rest < /proc/self/stat
# the mounts go into a table, one "mount -a" per batch: fewer programs to start than a mount(8)
# each. A path with a blank or a backslash cannot be written in such a table: then each mount
# has a mount(8) of its own.
case "$root$tools$ovl" in *[[:space:]\\\\]*) table= ;; *) table=$dir/fstab; : > "$table" ;; esac
m() {
  if [ -n "$table" ]; then echo "$1 $2 $3 $4 0 0" >> "$table"
  elif [ "$3" = none ]; then mount -o "$4" "$1" "$2"
  else mount -t "$3" -o "$4" "$1" "$2"; fi
}
flush() { [ -z "$table" ] || { mount -a -T "$table" && : > "$table"; }; }
# the root's overlay first (what follows is mounted on it); "mount" on fd 9 says that one failed
# (DIR/overlay.up: it was mounted, for the events of a start that fails after it)
[ -z "$ovl" ] || m overlay "$root" overlay "$ovl" || { echo mount >&9; exit 125; }
m proc "$root/proc" proc nosuid,nodev,noexec
m tmpfs "$root/dev" tmpfs nosuid,strictatime,mode=755,size=65536k
if ! flush; then
  [ -z "$ovl" ] || mountpoint -q "$root" || { echo mount >&9; exit 125; }
  [ -z "$ovl" ] || : > "$dir/overlay.up"
  fail "mount proc, /dev"
fi
[ -z "$ovl" ] || : > "$dir/overlay.up"
cp -a "$tools/dev/." "$root/dev/"
m devpts "$root/dev/pts" devpts newinstance,nosuid,noexec,gid=5,mode=620,ptmxmode=666
m shm "$root/dev/shm" tmpfs nosuid,nodev,noexec,mode=1777,size=65536k
m "$tools/bin" "$root${CONTAINER_TOOLS}" none bind,ro,nosuid,nodev
[ -d "$root/sys" ] && m sysfs "$root/sys" sysfs ro,nosuid,nodev,noexec
m "$root/proc/sys" "$root/proc/sys" none bind,ro
[ -e "$root/proc/sysrq-trigger" ] && m "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger" none bind,ro
for p in kcore keys timer_list; do [ -e "$root/proc/$p" ] && m "$root/dev/null" "$root/proc/$p" none bind; done
flush || fail "mount /dev/pts, /dev/shm, /sys, a read-only /proc/sys"
for b in $binds; do
  src=\${b%%:*}; rest=\${b#*:}; dst=\${rest%%:*}; mode=\${rest#"$dst"}
  mkdir -p "$root$dst"
  mount --rbind "$src" "$root$dst" || fail "bind $src"
  [ "$mode" = ":ro" ] && mount -o remount,bind,ro "$root$dst"
done
# the hostname of its UTS namespace (what hostname(1) writes), without a program to start
[ -n "$host" ] && printf '%s\n' "$host" > /proc/sys/kernel/hostname
# a network namespace of its own starts with lo down (--network none; a joined one has it up)
"$tools/bin/busybox" ip link set lo up 2>/dev/null || true
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
echo "ready $hostpid" >&9
exec 2>&3 3>&- 9>&-
exec ${CONTAINER_TOOLS}/ld.so --library-path ${CONTAINER_TOOLS} ${CONTAINER_TOOLS}/setpriv "$@"
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
