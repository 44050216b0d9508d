// The checks Docker makes on each parsed instruction before it builds anything, after BuildKit's
// frontend/dockerfile/instructions (parse.go, bflag.go): known keywords, known --flags, argument
// counts, stage names, HEALTHCHECK and SHELL forms. Plus build stages, as instructions.Parse groups them.
import { DockerfileParseError, INSTRUCTIONS, LineError, parseHeredoc, type Instruction, type ParsedDockerfile, type ParsedNode } from './parser.js';

type FlagKind = 'bool' | 'string' | 'strings';

/** The flags each instruction accepts (stable and labs syntax); the rest take none. */
const FLAGS: Record<string, Record<string, FlagKind>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'strings', network: 'string', security: 'string', device: 'strings' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'strings' },
  ADD: { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', exclude: 'strings', unpack: 'bool' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** BuildKit's suggest.WrapError: the closest option under distance 3, in the value's case. */
export function suggest(message: string, value: string, options: readonly string[], caseSensitive: boolean): string {
  const val = caseSensitive ? value : value.toLowerCase();
  let match = '';
  let min = 3;
  for (const o of options) {
    const opt = caseSensitive ? o : o.toLowerCase();
    if (opt === val) return message;
    const dist = distance(val, opt);
    if (dist < min) {
      min = dist;
      match = caseSensitive || value === value.toLowerCase() ? opt : value === value.toUpperCase() ? opt.toUpperCase() : opt;
    }
  }
  return match ? `${message} (did you mean ${match}?)` : message;
}

/** bflag.go Parse: every flag must be one the instruction defines, with a value of its kind. */
export function parseFlags(instruction: string, flags: string[]): Record<string, string | string[]> {
  const defined = FLAGS[instruction] ?? {};
  const out: Record<string, string | string[]> = {};
  for (const a of flags) {
    if (!a.startsWith('--')) throw new LineError(`arg should start with -- : ${a}`);
    if (a === '--') break;
    const body = a.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? '' : body.slice(eq + 1);
    const kind = defined[name];
    if (!kind) throw new LineError(suggest(`unknown flag: ${name}`, name, Object.keys(defined), true));
    if (name in out && kind !== 'strings') throw new LineError(`duplicate flag specified: ${name}`);
    if (kind === 'bool') {
      if (eq >= 0 && value === '') throw new LineError(`missing a value on flag: ${name}`);
      const v = value.toLowerCase();
      if (v !== '' && v !== 'true' && v !== 'false') throw new LineError(`expecting boolean value for flag ${name}, not: ${value}`);
      out[name] = v === 'false' ? 'false' : 'true';
    } else {
      if (eq < 0) throw new LineError(`missing a value on flag: ${name}`);
      out[name] = kind === 'strings' ? [...((out[name] as string[] | undefined) ?? []), value] : value;
    }
  }
  return out;
}

const atLeastOne = (c: string) => new LineError(`${c} requires at least one argument`);
const exactlyOne = (c: string) => new LineError(`${c} requires exactly one argument`);

/** Go's time.ParseDuration, for HEALTHCHECK's intervals; milliseconds. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(s);
  if (!m) throw new LineError(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  for (const [, n, u] of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(n) * units[u];
  return m[1] === '-' ? -total : total;
}

function checkInterval(name: string, value: string | undefined): void {
  if (!value) return;
  const ms = parseDuration(value);
  if (ms !== 0 && ms < 1) throw new LineError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
}

function checkKeyValues(c: string, args: string[]): void {
  if (args.length === 0) throw atLeastOne(c);
  for (let j = 0; j < args.length; j += 2) if (args[j].length === 0) throw new LineError(`${c} names can not be blank`);
}

function checkSourcesAndDest(c: string, args: string[]): void {
  if (args.length < 2) throw new LineError(`${c} requires at least two arguments, but only one was provided. Destination could not be determined`);
  if (parseHeredoc(args[args.length - 1])) throw new LineError(`${c} cannot accept a heredoc as a destination`);
}

/** FROM image [AS name]: the stage name, lower-cased, or '' (parseBuildStageName). */
export function stageName(args: string[]): string {
  if (args.length === 3 && args[1].toLowerCase() === 'as') {
    const name = args[2].toLowerCase();
    if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw new LineError(`invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`);
    return name;
  }
  if (args.length !== 1) throw new LineError('FROM requires either one or three arguments');
  return '';
}

function notJSON(c: string, original: string): LineError {
  const o = original.toLowerCase();
  const hint =
    /"[a-z]:\\/.test(o) && !o.includes('\\\\') && o.includes('[') && o.includes(']')
      ? `. It looks like '${o}' includes a file path without an escaped back-slash. JSON requires back-slashes to be escaped such as ["c:\\\\path\\\\to\\\\file.exe", "/parameter"]`
      : '';
  return new LineError(`${c} requires the arguments to be in JSON form${hint}`);
}

/** instructions.ParseInstruction: throws LineError for what Docker refuses. */
export function checkInstruction(n: { cmd: string; flags: string[]; args: string[]; json: boolean; original: string; sub?: { cmd: string } }): void {
  const c = n.cmd.toUpperCase();
  const args = n.args;
  if (!INSTRUCTIONS.includes(c)) throw new LineError(suggest(`unknown instruction: ${n.cmd}`, n.cmd, INSTRUCTIONS, false));
  // STOPSIGNAL, ARG and HEALTHCHECK NONE do not look at their flags; the rest refuse unknown ones.
  if (c !== 'STOPSIGNAL' && c !== 'ARG' && !(c === 'HEALTHCHECK' && args[0]?.toUpperCase() === 'NONE')) parseFlags(c, n.flags);
  switch (c) {
    case 'ENV':
    case 'LABEL':
      return checkKeyValues(c, args);
    case 'MAINTAINER':
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      if (args.length !== 1) throw exactlyOne(c);
      return;
    case 'ADD':
    case 'COPY':
      return checkSourcesAndDest(c, args);
    case 'FROM':
      stageName(args);
      return;
    case 'ONBUILD': {
      if (!n.sub) throw atLeastOne(c);
      const trigger = n.sub.cmd.trim().toUpperCase();
      if (trigger === 'ONBUILD') throw new LineError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new LineError(`${trigger} isn't allowed as an ONBUILD trigger`);
      return;
    }
    case 'HEALTHCHECK': {
      if (args.length === 0) throw atLeastOne(c);
      const typ = args[0].toUpperCase();
      if (typ === 'NONE') {
        if (args.length !== 1) throw new LineError('HEALTHCHECK NONE takes no arguments');
        return;
      }
      const f = parseFlags(c, n.flags) as Record<string, string>;
      if (typ !== 'CMD') throw new LineError(`Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
      if (args.length === 1) throw new LineError('Missing command after HEALTHCHECK CMD');
      for (const k of ['interval', 'timeout', 'start-period', 'start-interval']) checkInterval(k, f[k]);
      if (f.retries !== undefined && f.retries !== '') {
        if (!/^[-+]?\d+$/.test(f.retries)) throw new LineError(`strconv.ParseInt: parsing ${JSON.stringify(f.retries)}: invalid syntax`);
        if (Number(f.retries) < 0) throw new LineError(`--retries cannot be negative (${Number(f.retries)})`);
      }
      return;
    }
    case 'EXPOSE':
      if (args.length === 0) throw atLeastOne(c);
      return;
    case 'VOLUME':
      if (args.length === 0) throw atLeastOne(c);
      if (args.some((v) => v.trim() === '')) throw new LineError('VOLUME specified can not be an empty string');
      return;
    case 'ARG':
      if (args.length === 0) throw atLeastOne(c);
      if (args.some((a) => a.startsWith('='))) throw new LineError('ARG names can not be blank');
      return;
    case 'SHELL':
      if (args.length === 0) throw atLeastOne(c);
      if (!n.json) throw notJSON(c, n.original);
      return;
  }
}

/** The whole file's instruction checks and lint warnings, on top of parseNodes. */
export function toInstructions(nodes: ParsedNode[], warnings: string[]): Instruction[] {
  return nodes.map((n) => {
    try {
      checkInstruction(n);
    } catch (e) {
      if (e instanceof LineError) throw new DockerfileParseError(n.line, e.message, n.endLine);
      throw e;
    }
    const c = n.cmd.toUpperCase();
    if (c === 'MAINTAINER') warnings.push(`MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line ${n.line})`);
    if (n.legacyKeyValue) warnings.push(`LegacyKeyValueFormat: "${c} key=value" should be used instead of legacy "${c} key value" format (line ${n.line})`);
    const ins: Instruction = { line: n.line, endLine: n.endLine, instruction: c, flags: n.flags, args: n.args, json: n.json, original: n.original };
    if (n.heredocs.length) ins.heredocs = n.heredocs;
    if (c === 'ONBUILD') ins.args = [n.original.replace(/^\s*ONBUILD\s*/i, '')];
    if (n.sub) {
      const s = n.sub;
      ins.sub = { line: n.line, endLine: n.endLine, instruction: s.cmd.toUpperCase(), flags: s.flags, args: s.args, json: s.json, original: s.original };
      if (n.heredocs.length) ins.sub.heredocs = n.heredocs;
    }
    return ins;
  });
}

export interface BuildArg {
  name: string;
  /** the default as written (quotes kept; expand() removes them), or undefined when none is given */
  value?: string;
  line: number;
}

export interface Stage {
  index: number;
  /** the `AS` name, lower-cased, if any */
  name?: string;
  /** the image or stage it starts from, as written (not yet expanded) */
  baseName: string;
  platform?: string;
  /** the FROM instruction */
  from: Instruction;
  /** the instructions after FROM, up to the next FROM */
  instructions: Instruction[];
}

export function argsOf(ins: Instruction): BuildArg[] {
  return ins.args.map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? { name: a, line: ins.line } : { name: a.slice(0, i), value: a.slice(i + 1), line: ins.line };
  });
}

/** Build stages (FROM up to the next FROM) and the global ARGs before the first FROM (instructions.Parse). */
export function stages(parsed: Pick<ParsedDockerfile, 'instructions'>): { globalArgs: BuildArg[]; stages: Stage[] } {
  const globalArgs: BuildArg[] = [];
  const out: Stage[] = [];
  for (const ins of parsed.instructions) {
    if (ins.instruction === 'FROM') {
      const name = stageName(ins.args);
      const platform = ins.flags.find((f) => f.startsWith('--platform='))?.slice('--platform='.length);
      const stage: Stage = { index: out.length, baseName: ins.args[0], from: ins, instructions: [] };
      if (name) stage.name = name;
      if (platform !== undefined) stage.platform = platform;
      out.push(stage);
    } else if (out.length === 0) {
      if (ins.instruction !== 'ARG') throw new DockerfileParseError(ins.line, 'no build stage in current context', ins.endLine);
      globalArgs.push(...argsOf(ins));
    } else out[out.length - 1].instructions.push(ins);
  }
  return { globalArgs, stages: out };
}
