// boxlab doctor, reset, tour: what this machine can do, a clean lab, and where to start.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { defaultHome } from '../../engine/lab.js';
import { StateFile } from '../../engine/store.js';
import { probe } from '../../kernel/real/probe.js';
import { UserError } from '../../engine/errors.js';
import { exit, io, modeOf, type GlobalArgs } from '../context.js';

type Args = GlobalArgs & Record<string, unknown>;

export const doctor: CommandModule<GlobalArgs, Args> = {
  command: 'doctor',
  describe: 'Check what this machine can do: root, kernel, overlayfs, cgroups, tools',
  builder: (y) => y.option('json', { type: 'boolean' }).example('$0 doctor', '') as Argv<Args>,
  handler: async (a) => {
    const r = await probe();
    if (a.json) return io.out(JSON.stringify({ ...r, simHome: defaultHome('sim') }, null, 2) + '\n');
    for (const c of r.checks) io.out(`${c.ok ? 'ok ' : '-- '} ${c.name.padEnd(20)} ${c.detail}\n`);
    io.out(`\nsim mode: ready (state in ${defaultHome('sim')})\n`);
    io.out(`real mode: ${r.realReady ? 'ready' : `not available: ${r.why.join('; ')}`}\n`);
  },
};

export const reset: CommandModule<GlobalArgs, Args> = {
  command: 'reset',
  describe: 'Wipe the simulated lab: containers, volumes, images, kernel state',
  builder: (y) =>
    y
      .option('restore', { type: 'boolean', describe: 'put back the last good copy of a damaged state file instead' })
      .example('$0 reset', 'start over with a clean lab') as Argv<Args>,
  handler: async (a) => {
    const mode = modeOf(a);
    const home = defaultHome(mode);
    if (mode !== 'sim') {
      io.err('boxlab: reset wipes the simulated lab only; in real mode, `boxlab cleanup` removes what boxlab left in the kernel.\n');
      exit.code = 1;
      return;
    }
    const file = new StateFile(home);
    await file.lock();
    try {
      if (a.restore) {
        file.restore();
        io.out(`Restored ${file.path} from ${file.backup}.\n`);
        return;
      }
      const had = existsSync(home) ? readdirSync(home).filter((n) => n !== 'lab.lock') : [];
      for (const n of had) rmSync(join(home, n), { recursive: true, force: true });
      io.out(had.length ? `Removed the simulated lab at ${home}.\n` : `The simulated lab at ${home} was already empty.\n`);
    } finally {
      await file.unlock();
    }
  },
};

export const TOUR_STEPS: [string, string][] = [
  ['run -d --name web busybox sleep 600', 'a container in the background'],
  ['ps', 'web is Up'],
  ['exec web ps', 'inside, the sleep is PID 1'],
  ['top web', 'outside, the same process has another PID'],
  ['exec web hostname', 'its own hostname (UTS namespace)'],
  ["run --rm --pids-limit 5 busybox sh -c 'spawn 10'", 'the fifth child is refused: pids.max'],
  ['run --rm --memory 16m busybox alloc 64', 'past memory.max: OOM-killed, exit 137'],
  ['rm -f web', ''],
  ['run -it --rm busybox sh', 'a shell in a container (exit leaves)'],
];

export function TOUR(b: string): string {
  const cmds = TOUR_STEPS.map(([c, note]) => [`${b} ${c}`, note]);
  const width = Math.max(...cmds.map(([c]) => c.length)) + 3;
  const steps = cmds.map(([c, note]) => `  ${note ? c.padEnd(width) + '# ' + note : c}`).join('\n');
  return `boxlab: a container lab for the terminal.

Containers are ordinary processes that the kernel isolates (namespaces), limits (cgroups)
and gives a root filesystem (overlayfs over image layers). boxlab lets you do each of those
things and see what changed. It runs on a simulated kernel by default: no root needed.

A short tour (paste these one at a time):

${steps}

Add --events to any command to see every kernel action and the command you would type to
do it by hand. '${b} doctor' tells what this machine can do; '${b} --help' lists all verbs.
`;
}

export const tour: CommandModule<GlobalArgs, Args> = {
  command: 'tour',
  describe: 'A short tour of boxlab',
  handler: () => void io.out(TOUR(process.env.npm_lifecycle_event ? 'npx boxlab' : 'boxlab')),
};

export const cleanupCmd: CommandModule<GlobalArgs, Args> = {
  command: 'cleanup',
  describe: 'Real mode: find and remove everything boxlab made in the kernel (processes, mounts, cgroups, veths, namespaces)',
  builder: (y) => y.option('json', { type: 'boolean' }).example('$0 cleanup', 'after a crash or a SIGKILL of boxlab') as Argv<Args>,
  handler: async (a) => {
    if (process.platform !== 'linux' || (typeof process.getuid === 'function' && process.getuid() !== 0)) {
      throw new UserError('cleanup removes real kernel objects and needs root on Linux.', 'Run it as root (sudo boxlab cleanup); sim mode has nothing to clean (boxlab reset wipes it).');
    }
    const { cleanup } = await import('../../kernel/real/cleanup.js');
    const hostNetns = process.env.BOXLAB_HOST_NETNS;
    const r = await cleanup({ extraNetns: hostNetns ? [hostNetns] : [] });
    if (a.json) return io.out(JSON.stringify(r, null, 2) + '\n');
    const parts: [string, unknown[]][] = [['processes killed', r.killed], ['mounts removed', r.unmounted], ['cgroups removed', r.cgroups], ['links removed', r.links], ['network namespaces removed', r.netns]];
    const any = parts.some(([, l]) => l.length);
    for (const [what, l] of parts) if (l.length) io.out(`${what}: ${l.join(' ')}\n`);
    if (!any) io.out('Nothing of boxlab was left in the kernel.\n');
    if (r.labs.length) io.out(`files of labs whose home is gone, removed: ${r.labs.join(' ')}\n`);
    for (const e of r.errors) io.err(`boxlab: could not remove: ${e}\n`);
    if (r.errors.length) exit.code = 1;
  },
};
