// The simbox command table: every applet by name, which of them block (run as a process of their
// own), and which are ash builtins (run without a fork, so they work even at pids.max).
import { FILE_COMMANDS } from './files.js';
import { NET_BLOCKERS, NET_COMMANDS } from './net.js';
import { PROC_BLOCKERS, PROC_COMMANDS } from './procs.js';
import { SYSTEM_COMMANDS, systemCommands } from './system.js';
import { TEXT_COMMANDS } from './text.js';
import { PROGRAMS } from './programs.js';
import type { BlockFn, CommandFn } from './types.js';

export const COMMANDS: Record<string, CommandFn> = {
  ...FILE_COMMANDS,
  ...PROC_COMMANDS,
  ...NET_COMMANDS,
  ...TEXT_COMMANDS,
  ...SYSTEM_COMMANDS,
  ...PROGRAMS,
};

export { PROGRAMS };

export const BLOCKERS: Record<string, BlockFn> = { ...PROC_BLOCKERS, ...NET_BLOCKERS };

/** ash runs these inside the shell process: no fork, so no pids.max charge */
export const NO_FORK = new Set(['echo', 'printf', 'test', '[', 'kill', 'pwd', 'true', 'false']);

/** shell builtins that also exist as /bin applets */
const SHELL_APPLETS = ['sh', 'ash'];

/** busybox's applets: every command but the programs of other images */
export function appletNames(): string[] {
  return [...new Set([...Object.keys(COMMANDS), ...Object.keys(BLOCKERS), ...SHELL_APPLETS])].filter((n) => !(n in PROGRAMS)).sort();
}

Object.assign(COMMANDS, systemCommands(appletNames, (n) => appletNames().includes(n) || n === 'which' || n === 'busybox'));
