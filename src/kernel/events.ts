// KernelEvent: one thing a kernel did, with the shell command a person would type to do it by
// hand. The simulated kernel fills the facts from its model; the real kernel observes them
// (/proc/PID/ns/*, mountinfo, cgroup files). The explain layer turns events into words.

export const NAMESPACE_TYPES = ['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup'] as const;
export type NsType = (typeof NAMESPACE_TYPES)[number];
export type NsIds = Record<NsType, number>;

interface Base {
  /** the equivalent command, copyable into a root shell */
  command: string;
  /** milliseconds since the epoch */
  at: number;
  durationMs?: number;
  /** exit status of the command, when one ran */
  status?: number;
}

export type KernelEvent = Base &
  (
    | { kind: 'namespace.create'; nsType: NsType; id: number; hostId: number; pid: number }
    | { kind: 'namespace.join'; nsTypes: NsType[]; targetPid: number; pid: number }
    | { kind: 'process.spawn'; pid: number; nsPid: number; argv: string[]; cgroup?: string; hostname?: string }
    | { kind: 'process.exit'; pid: number; nsPid: number; exitCode: number; signal?: string; argv: string[] }
    | { kind: 'process.signal'; pid: number; signal: string; delivered: boolean; note?: string }
    | { kind: 'process.oom-kill'; pid: number; nsPid: number; cgroup: string; usage: number; limit: number }
    | { kind: 'process.fork-failed'; pid: number; cgroup: string; current: number; limit: number }
    | { kind: 'mount'; fstype: string; source: string; target: string; options: string[] }
    | { kind: 'unmount'; target: string }
    | { kind: 'pivot-root'; newRoot: string; pid: number }
    | { kind: 'uts.hostname'; hostname: string; pid: number }
    | { kind: 'cgroup.create'; path: string }
    | { kind: 'cgroup.write'; path: string; file: string; value: string }
    | { kind: 'cgroup.remove'; path: string }
    | { kind: 'net.netns-create'; name: string; id: number }
    | { kind: 'net.netns-delete'; name: string }
    | { kind: 'net.bridge-create'; name: string }
    | { kind: 'net.veth-create'; host: string; peer: string }
    | { kind: 'net.link-netns'; link: string; netns: string }
    | { kind: 'net.link-master'; link: string; bridge: string }
    | { kind: 'net.link-up'; link: string; netns?: string }
    | { kind: 'net.link-delete'; link: string }
    | { kind: 'net.addr-add'; link: string; cidr: string; netns?: string }
    | { kind: 'net.route-add'; dest: string; via?: string; dev: string; netns?: string }
    | { kind: 'fs.mkdir'; path: string }
    | { kind: 'fs.remove'; path: string }
    | { kind: 'fs.populate'; path: string; files: number; bytes: number }
  );

export type KernelEventKind = KernelEvent['kind'];
/** An event before the kernel stamps its time. */
export type KernelEventInput = KernelEvent extends infer E ? (E extends KernelEvent ? Omit<E, 'at'> & { at?: number } : never) : never;
export type EventListener = (e: KernelEvent) => void;

/** Quote one argument the way a POSIX shell would need it. */
export function shq(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join argv into a command line a person could paste. */
export function cmdline(argv: readonly string[]): string {
  return argv.map(shq).join(' ');
}

/** The event command for a container's root overlay: the mount, made in its new mount namespace */
export function overlayInNs(mountCommand: string): string {
  return `${mountCommand}  # in the container's mount namespace, by boxlab-init`;
}

/**
 * The event command for the end of a container's root overlay: nothing runs umount; the kernel
 * takes the mount down with the container's mount namespace when its last process ends.
 */
export function overlayGone(target: string): string {
  return `# ${target}: unmounted by the kernel with the container's mount namespace, when its last process ended`;
}

/** The event command for a container's hostname: what hostname(1) does, as boxlab-init does it */
export function hostnameCommand(name: string): string {
  return `printf '%s\\n' ${shq(name)} > /proc/sys/kernel/hostname  # hostname ${shq(name)}, in its UTS namespace`;
}
