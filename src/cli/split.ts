// `boxlab run [OPTIONS] IMAGE [COMMAND] [ARG...]`: everything after IMAGE belongs to the
// container (`sh -c ...` must not be read as boxlab's own -c). Split the command line there
// before yargs sees it, as docker does.

/** Options of run/create/exec that take a value (the next word, unless written --opt=value). */
export const VALUE_FLAGS: Record<string, Set<string>> = {
  run: new Set(['-e', '--env', '-w', '--workdir', '-h', '--hostname', '-v', '--volume', '--name', '-m', '--memory', '--pids-limit', '--cpus', '--entrypoint', '-u', '--user', '--stop-signal', '--stop-timeout', '--mode', '-p', '--publish', '--network', '--net']),
  exec: new Set(['-e', '--env', '-w', '--workdir', '-u', '--user', '--mode']),
};
VALUE_FLAGS.create = VALUE_FLAGS.run;

const GLOBAL_VALUE = new Set(['--mode']);

/**
 * Find the verb (run/create/exec, also as `container run` ...) and its first positional word;
 * return the words up to and including it, and the container's command after it.
 */
export function splitContainerCommand(args: string[]): { head: string[]; rest: string[] } | null {
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += GLOBAL_VALUE.has(args[i]) ? 2 : 1;
  if (args[i] === 'container') i++;
  const verb = args[i];
  const flags = VALUE_FLAGS[verb];
  if (!flags) return null;
  for (let j = i + 1; j < args.length; j++) {
    const a = args[j];
    if (a === '--') return { head: [...args.slice(0, j), ...args.slice(j + 1, j + 2)], rest: args.slice(j + 2) };
    if (a.startsWith('-') && a !== '-') {
      if (!a.includes('=') && flags.has(a)) j++;
      continue;
    }
    return { head: args.slice(0, j + 1), rest: args.slice(j + 1) };
  }
  return { head: args, rest: [] };
}
