// boxlab run, create, start, stop, kill, restart, rm, ps, logs, exec, inspect, wait, top:
// docker's verbs, flags and output, over the engine.
import { cpus } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { parseCpus, parseEnv, parseMemoryFlag, parsePidsLimit } from '../../engine/containers/options.js';
import { findContainer, parsePublish, refreshAll } from '../../engine/containers/lifecycle.js';
import { UsageError, UserError } from '../../engine/errors.js';
import { each, engineFor, exit, io, modeOf, type GlobalArgs } from '../context.js';
import { formatRows, renderTemplate, table } from '../format.js';
import { applyFilters, inspectContainer, psRow } from './views.js';
import { readAllStdin, readlineTerminal, sigintTerminal } from '../terminal.js';
import { volumeInspect } from './volumes.js';
import { imageInspect } from './images.js';
import { findImage } from '../../engine/images/catalog.js';

/** The container's command line, split off before yargs (see split.ts). */
export const containerCommand = { rest: [] as string[] };

type Args = GlobalArgs & Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function runOptions(y: Argv, withDetach: boolean): Argv {
  let b = y
    .positional('image', { type: 'string', describe: 'image to run, e.g. busybox' })
    .option('name', { type: 'string', describe: 'assign a name to the container' })
    .option('env', { alias: 'e', type: 'string', describe: 'set environment variables (KEY=VALUE)' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'working directory inside the container' })
    .option('hostname', { alias: 'h', type: 'string', describe: 'container host name (default: the short id)' })
    .option('volume', { alias: 'v', type: 'string', describe: 'NAME:/path, /host:/path[:ro], or /path' })
    .option('memory', { alias: 'm', type: 'string', describe: 'memory limit, e.g. 64m (cgroup memory.max)' })
    .option('pids-limit', { type: 'string', describe: 'process limit (cgroup pids.max)' })
    .option('cpus', { type: 'string', describe: 'number of CPUs, e.g. 0.5 (cgroup cpu.max)' })
    .option('rm', { type: 'boolean', describe: 'remove the container when it exits' })
    .option('interactive', { alias: 'i', type: 'boolean', describe: 'keep STDIN open' })
    .option('tty', { alias: 't', type: 'boolean', describe: 'allocate a pseudo-TTY' })
    .option('entrypoint', { type: 'string', describe: 'override the image ENTRYPOINT' })
    .option('publish', { alias: 'p', type: 'string', describe: 'publish a port on 127.0.0.1: [127.0.0.1:]HOSTPORT:CONTAINERPORT' })
    .option('network', { alias: 'net', type: 'string', describe: 'bridge (the lab bridge, default) or none (only lo)' });
  if (withDetach) b = b.option('detach', { alias: 'd', type: 'boolean', describe: 'run in the background and print the container id' });
  return b;
}

function createOpts(a: Args) {
  return {
    image: String(a.image),
    cmd: containerCommand.rest,
    name: a.name as string | undefined,
    env: parseEnv(list(a.env)),
    workdir: a.workdir as string | undefined,
    hostname: a.hostname as string | undefined,
    volumes: list(a.volume),
    memory: parseMemoryFlag(a.memory as string | undefined),
    pidsLimit: parsePidsLimit(a['pids-limit'] as string | undefined),
    nanoCpus: parseCpus(a.cpus as string | undefined, cpus().length),
    autoRemove: !!a.rm,
    tty: !!a.tty,
    interactive: !!a.interactive,
    entrypoint: a.entrypoint as string | undefined,
    publish: list(a.publish),
    network: a.network as string | undefined,
  };
}

/** sim mode records -p and shows it in ps, but its kernel has no sockets: say so once */
function simPublishNote(a: Args, publish: string[]): void {
  publish.forEach(parsePublish);
  if (publish.length && modeOf(a) === 'sim') io.err('boxlab: ports are recorded and shown in sim mode, but nothing listens on them (run with --real to serve them).\n');
}

const run: CommandModule<GlobalArgs, Args> = {
  command: 'run <image> [command..]',
  describe: 'Create and start a container from an image',
  builder: (y) =>
    runOptions(y, true)
      .example('$0 run --rm busybox echo hello', 'print hello from a new container, then remove it')
      .example('$0 run -d --name web busybox sleep 600', 'start a container in the background')
      .example("$0 run --rm --pids-limit 5 busybox sh -c 'spawn 10'", 'pids.max refuses the fifth process (sh is the first)') as Argv<Args>,
  handler: async (a) => {
    const opts = createOpts(a);
    if (opts.tty && !a.detach && !(process.stdin.isTTY && process.stdout.isTTY)) {
      throw new UserError('the input device is not a TTY', 'Leave out -t when input or output is not a terminal.', 1);
    }
    const engine = engineFor(a);
    simPublishNote(a, opts.publish);
    const stdin = opts.interactive && !opts.tty && !process.stdin.isTTY ? await readAllStdin() : undefined;
    const real = modeOf(a) === 'real';
    // real mode: the container gets this terminal itself (as `unshare ... sh` typed by hand would)
    const handover = real && opts.tty && opts.interactive && !a.detach;
    const guard = real ? realInterrupts(engine, handover) : null;
    const term = handover ? handedOver(guard!) : opts.tty && opts.interactive && !a.detach ? readlineTerminal() : undefined;
    try {
      const r = await engine.run({ ...opts, detach: !!a.detach, stdin }, io, term, guard?.interrupts ?? (term ? undefined : sigintTerminal()));
      exit.code = r.exitCode;
      if (guard?.aborted) {
        // Ctrl-C during the start: take down what it set up, as a foreground run's end would
        await engine.kill(r.id, 'SIGKILL').catch(() => undefined);
        await engine.waitExit(r.id, 10_000);
        exit.code = 130;
      }
    } finally {
      guard?.off();
      term?.close();
    }
  },
};

/** The terminal of a real-mode `run -it`: the container reads it; this process only waits. */
function handedOver(guard: ReturnType<typeof realInterrupts>) {
  return { readLine: async () => null, onInterrupt: guard.interrupts.onInterrupt, close: () => undefined };
}

/**
 * Ctrl-C in a real-mode `run` (no terminal): nothing it set up may stay behind. During the start
 * the press is held until the start is done, then the container is killed and its mounts, cgroup
 * and network taken down; while following the output, the first press is passed to the
 * container as SIGINT (docker's sig-proxy) and the second kills it, with the same teardown.
 * With `terminal` (run -it) the container has the terminal once started: Ctrl-C is then its own.
 */
function realInterrupts(engine: ReturnType<typeof engineFor>, terminal = false) {
  const st = { aborted: false, attached: false, presses: 0 };
  const ours = () => engine.tx(async (tx) => Object.values(tx.state.containers).find((c) => c.attachedBy === process.pid && c.state.status === 'running')?.name);
  const act = async () => {
    const name = await ours();
    if (!name) return;
    if (st.presses === 1 && !st.aborted) {
      await engine.kill(name, 'SIGINT').catch(() => undefined);
      io.err(`boxlab: sent SIGINT to ${name}; press Ctrl-C again to stop it and take down what this run set up.\n`);
      return;
    }
    st.aborted = true;
    io.err(`boxlab: interrupted: stopping ${name} and taking down its mounts, cgroup and network.\n`);
    await engine.kill(name, 'SIGKILL').catch(() => undefined);
  };
  const onSigint = () => {
    // the container has the terminal: Ctrl-C is its own (what runs in its foreground hears it)
    if (terminal && st.attached) return;
    if (!st.attached) {
      if (!st.aborted) io.err('boxlab: interrupted: taking down what this run set up once its start is done.\n');
      st.aborted = true;
      return;
    }
    st.presses++;
    void act();
  };
  process.on('SIGINT', onSigint);
  return {
    get aborted() {
      return st.aborted;
    },
    interrupts: {
      onInterrupt: () => {
        st.attached = true;
        if (st.aborted) void act();
        return () => void (st.attached = false);
      },
    },
    off: () => void process.off('SIGINT', onSigint),
  };
}

const create: CommandModule<GlobalArgs, Args> = {
  command: 'create <image> [command..]',
  describe: 'Create a container without starting it',
  builder: (y) => runOptions(y, false).example('$0 create --name job busybox echo done', 'create, then `boxlab start -a job`') as Argv<Args>,
  handler: async (a) => {
    const opts = createOpts(a);
    simPublishNote(a, opts.publish);
    const c = await engineFor(a).create(opts, io);
    io.out(`${c.id}\n`);
  },
};

const names = (y: Argv, what = 'container'): Argv => y.positional('containers', { type: 'string', describe: `${what} names or ids` });

const start: CommandModule<GlobalArgs, Args> = {
  command: 'start <containers..>',
  describe: 'Start one or more stopped containers',
  builder: (y) => names(y).option('attach', { alias: 'a', type: 'boolean', describe: 'attach and follow output' }).example('$0 start web', '') as Argv<Args>,
  handler: async (a) => {
    exit.code = await engineFor(a).start(list(a.containers), io, !!a.attach);
  },
};

const stop: CommandModule<GlobalArgs, Args> = {
  command: 'stop <containers..>',
  describe: 'Stop containers: SIGTERM, then SIGKILL after the timeout',
  builder: (y) => names(y).option('time', { alias: 't', type: 'number', describe: 'seconds to wait before SIGKILL (default 10)' }).example('$0 stop -t 2 web', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.containers), async (n) => {
      if (a.time !== undefined && (!Number.isFinite(a.time as number) || (a.time as number) < 0)) throw new UsageError('invalid value for -t/--time: give the seconds to wait, e.g. -t 2', 'See `boxlab stop --help`.');
      await engine.stop(n, a.time as number | undefined);
      io.out(`${n}\n`);
    });
  },
};

const kill: CommandModule<GlobalArgs, Args> = {
  command: 'kill <containers..>',
  describe: 'Send a signal (default SIGKILL) to containers',
  builder: (y) => names(y).option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'signal to send' }).example('$0 kill -s TERM web', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.containers), async (n) => {
      await engine.kill(n, String(a.signal));
      io.out(`${n}\n`);
    });
  },
};

const restart: CommandModule<GlobalArgs, Args> = {
  command: 'restart <containers..>',
  describe: 'Stop and start containers again',
  builder: (y) => names(y).option('time', { alias: 't', type: 'number', describe: 'seconds to wait before SIGKILL' }).example('$0 restart web', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.containers), async (n) => {
      await engine.restart(n, a.time as number | undefined);
      io.out(`${n}\n`);
    });
  },
};

const rm: CommandModule<GlobalArgs, Args> = {
  command: 'rm <containers..>',
  describe: 'Remove containers (their writable layer goes with them)',
  builder: (y) =>
    names(y)
      .option('force', { alias: 'f', type: 'boolean', describe: 'kill a running container first' })
      .option('volumes', { alias: 'v', type: 'boolean', describe: 'remove its anonymous volumes too' })
      .example('$0 rm -f web', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.containers), async (n) => {
      await engine.rm(n, { force: !!a.force, volumes: !!a.volumes });
      io.out(`${n}\n`);
    });
  },
};

const PS_HEADERS = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];

const ps: CommandModule<GlobalArgs, Args> = {
  command: 'ps',
  aliases: ['ls'],
  describe: 'List containers',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'show all containers (default: just running)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only ids' })
      .option('filter', { alias: 'f', type: 'string', describe: 'status=, name=, id=, ancestor=, exited=' })
      .option('format', { type: 'string', describe: 'Go template, e.g. "{{.Names}}\\t{{.Status}}"' })
      .option('no-trunc', { type: 'boolean', describe: 'do not truncate output' })
      .option('last', { alias: 'n', type: 'number', describe: 'show n last created containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'show the latest created container' })
      .option('json', { type: 'boolean', describe: 'print JSON' })
      .example('$0 ps -a --filter status=exited', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    const rows = await engine.view((tx) => {
      let all = Object.values(tx.state.containers).sort((x, y) => y.created - x.created);
      const filters = list(a.filter);
      const lastN = a.latest ? 1 : (a.last as number | undefined);
      if (!a.all && !filters.length && lastN === undefined) all = all.filter((c) => c.state.status === 'running');
      all = applyFilters(all, filters);
      if (lastN !== undefined && lastN >= 0) all = all.slice(0, lastN);
      const now = tx.kernel.clock.now();
      return all.map((c) => psRow(c, tx.state, now, !!a['no-trunc']));
    });
    if (a.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    if (a.quiet) return io.out(rows.map((r) => `${r.ID}\n`).join(''));
    if (a.format) {
      return io.out(formatRows(String(a.format), rows, { ID: 'CONTAINER ID', RunningFor: 'CREATED', CreatedAt: 'CREATED AT' }));
    }
    io.out(table(PS_HEADERS, rows.map((r) => [r.ID, r.Image, r.Command, r.RunningFor, r.Status, r.Ports, r.Names])));
  },
};

const logs: CommandModule<GlobalArgs, Args> = {
  command: 'logs <container>',
  describe: "Show a container's output",
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'follow new output' })
      .option('tail', { alias: 'n', type: 'string', describe: 'number of lines from the end (or "all")' })
      .option('timestamps', { alias: 't', type: 'boolean', describe: 'show timestamps' })
      .example('$0 logs --tail 5 web', '') as Argv<Args>,
  handler: async (a) => {
    const tailText = a.tail === undefined || a.tail === 'all' ? undefined : String(a.tail);
    if (tailText !== undefined && !/^\d+$/.test(tailText)) throw new UserError(`invalid value for --tail: ${tailText}`, 'Give a number of lines or "all".');
    await engineFor(a).logs(String(a.container), { follow: !!a.follow, tail: tailText === undefined ? undefined : Number(tailText), timestamps: !!a.timestamps }, io);
  },
};

const exec: CommandModule<GlobalArgs, Args> = {
  command: 'exec <container> [command..]',
  describe: 'Run a command in a running container (a new process in its namespaces)',
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .option('env', { alias: 'e', type: 'string', describe: 'set environment variables' })
      .option('workdir', { alias: 'w', type: 'string', describe: 'working directory' })
      .option('interactive', { alias: 'i', type: 'boolean', describe: 'pass STDIN to the command' })
      .option('tty', { alias: 't', type: 'boolean', describe: 'allocate a pseudo-TTY' })
      .example('$0 exec web ps', 'the container\'s processes: its first one is PID 1')
      .example('$0 exec web hostname', '') as Argv<Args>,
  handler: async (a) => {
    const argv = containerCommand.rest;
    if (!argv.length) throw new UserError('exec needs a command to run.', `For example: boxlab exec ${String(a.container)} ps`, 2);
    const stdin = a.interactive && !process.stdin.isTTY ? await readAllStdin() : undefined;
    // real mode, -it on a terminal: the command gets this terminal; Ctrl-C is its, not this process's
    const tty = modeOf(a) === 'real' && !!a.tty && !!a.interactive && !!process.stdin.isTTY && !!process.stdout.isTTY;
    const keep = () => undefined;
    if (tty) process.on('SIGINT', keep);
    try {
      exit.code = await engineFor(a).exec(String(a.container), argv, { env: parseEnv(list(a.env)), workdir: a.workdir as string | undefined, stdin, tty }, io);
    } finally {
      process.off('SIGINT', keep);
    }
  },
};

const inspect: CommandModule<GlobalArgs, Args> = {
  command: 'inspect <names..>',
  describe: 'Show low-level information on containers, images or volumes (JSON)',
  builder: (y) =>
    y
      .positional('names', { type: 'string', array: true })
      .option('format', { alias: 'f', type: 'string', describe: 'Go template, e.g. {{.State.Status}}' })
      .option('type', { type: 'string', choices: ['container', 'image', 'volume'], describe: 'what to look for' })
      .option('json', { type: 'boolean', describe: 'JSON (the default)' })
      .example("$0 inspect -f '{{.State.Pid}}' web", 'the host PID of the container\'s first process') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    const found = await engine.view(async (tx) => {
      const out: unknown[] = [];
      const missing: string[] = [];
      for (const n of list(a.names)) {
        if (a.type !== 'volume' && a.type !== 'image') {
          try {
            const c = findContainer(tx, n);
            // a running container: its namespace ids and root mount, as the kernel shows them
            const seen = c.state.status === 'running' || c.state.status === 'paused' ? await tx.kernel.observe(c.state.pid).catch(() => undefined) : undefined;
            out.push(inspectContainer(c, tx.state, seen));
            continue;
          } catch (e) {
            if (!(e instanceof UserError) || a.type === 'container') {
              missing.push(n);
              continue;
            }
          }
        }
        const img = a.type === 'volume' ? undefined : findImage(tx, n);
        const v = tx.state.volumes[n];
        if (img) out.push(imageInspect(tx, img));
        else if (v && a.type !== 'image') out.push(volumeInspect(v));
        else missing.push(n);
      }
      return { out, missing };
    });
    if (a.format) for (const o of found.out) io.out(renderTemplate(String(a.format), o) + '\n');
    else io.out(JSON.stringify(found.out, null, 4) + '\n');
    if (found.missing.length) throw new UserError(`No such object: ${found.missing.join(', ')}`, "List them with 'boxlab ps -a' or 'boxlab volume ls'.");
  },
};

const wait: CommandModule<GlobalArgs, Args> = {
  command: 'wait <containers..>',
  describe: 'Block until containers stop, then print their exit codes',
  builder: (y) => names(y).example('$0 wait job', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    await each(list(a.containers), async (n) => io.out(`${await engine.wait(n)}\n`));
  },
};

const top: CommandModule<GlobalArgs, Args> = {
  command: 'top <container>',
  describe: "Show a container's processes, with their host PIDs",
  builder: (y) => y.positional('container', { type: 'string' }).option('json', { type: 'boolean', describe: 'print JSON' }).example('$0 top web', '') as Argv<Args>,
  handler: async (a) => {
    const engine = engineFor(a);
    const rows = await engine.view(async (tx) => {
      const c = findContainer(tx, String(a.container));
      if (c.state.status !== 'running') throw new UserError(`Container ${c.id} is not running`, `Start it first: boxlab start ${c.name}`);
      const procs = await tx.kernel.processes(c.state.pid);
      const host = await tx.kernel.processes(1);
      const hostPid = new Map(procs.map((p) => [p.nsPid, p.pid]));
      const hostPpid = (p: (typeof procs)[number]) => host.find((h) => h.pid === p.pid)?.ppid ?? hostPid.get(p.ppid) ?? 0;
      return procs.map((p) => [p.user, String(p.pid), String(hostPpid(p)), '0', new Date(p.startedAt).toISOString().slice(11, 16), '?', '00:00:00', p.argv.join(' ')]);
    });
    const headers = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];
    if (a.json) return io.out(JSON.stringify({ Titles: headers, Processes: rows }, null, 2) + '\n');
    io.out(table(headers, rows));
  },
};

export const containerCommands = [run, create, start, stop, kill, restart, rm, ps, logs, exec, inspect, wait, top];

/**
 * Real mode, before each container command: did a boxlab that was SIGKILLed leave kernel objects
 * no running container uses (an overlay mount, a cgroup, a network namespace, a veth, a process
 * record whose shim is gone)? Say so in one line; with --yes or BOXLAB_YES=1, remove just those.
 * It looks with the lab locked, so no command of this lab is half-way through a start meanwhile.
 */
async function noticeLeftovers(a: Args): Promise<void> {
  if (modeOf(a) !== 'real' || process.platform !== 'linux' || process.getuid?.() !== 0) return;
  const { realUnavailable } = await import('../../kernel/real/ready.js');
  if (realUnavailable()) return; // the command itself says why
  const { breakStaleLock, countLeftovers, describeLeftovers, findLeftovers, removeLeftovers } = await import('../../kernel/real/leftovers.js');
  const { defaultHome } = await import('../../engine/lab.js');
  const hostNetns = process.env.BOXLAB_HOST_NETNS || undefined;
  // a SIGKILL in the middle of a command leaves the lab's lock taken by nobody
  const unlocked = breakStaleLock(defaultHome('real'));
  await engineFor({ ...a, events: false }).tx(async (tx) => {
    // a container whose process ended since the last command is not left behind: bring the
    // lab's records up to date first (its overlay, cgroup and netns go the usual way)
    await refreshAll(tx);
    const found = await findLeftovers({ hostNetns });
    if (!countLeftovers(found)) {
      if (unlocked) io.err('boxlab: removed the lab lock of a boxlab that is gone (killed part-way through a command).\n');
      return;
    }
    const what = `${describeLeftovers(found)}${unlocked ? ', a lab lock (removed)' : ''}`;
    if (a.yes || process.env.BOXLAB_YES === '1') {
      const errors = await removeLeftovers(found, { hostNetns });
      io.err(`boxlab: removed what an interrupted boxlab left behind: ${what}.\n`);
      for (const e of errors) io.err(`boxlab: could not remove: ${e}\n`);
    } else {
      io.err(`boxlab: found what an interrupted boxlab left behind (${what}), used by no running container; 'boxlab cleanup' removes it (and every other boxlab container), or add --yes (or BOXLAB_YES=1) to have this command remove just that.\n`);
    }
  });
}

for (const c of containerCommands) {
  const { handler, builder } = c;
  c.handler = async (a) => {
    await noticeLeftovers(a);
    return handler(a);
  };
  c.builder = (y: Argv<GlobalArgs>) =>
    (typeof builder === 'function' ? (builder(y) as Argv<Args>) : y).option('yes', { type: 'boolean', describe: 'real mode: remove what an interrupted boxlab left behind without asking' }) as Argv<Args>;
}

export function containerGroup(): CommandModule<GlobalArgs, Args> {
  return {
    command: 'container <command>',
    describe: 'Manage containers (run, ls, rm, ... as above)',
    builder: (y) => {
      for (const c of containerCommands) y.command(c as CommandModule);
      return y.demandCommand(1, 'Name a container command, e.g. boxlab container ls') as Argv<Args>;
    },
    handler: () => undefined,
  };
}

