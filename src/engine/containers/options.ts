// Flag values as Docker reads them: sizes like 64m or 1.5g (units.RAMInBytes), CPU counts,
// -e KEY=VALUE, -v SOURCE:DEST[:ro]. Each bad value is one clear error with exit code 125.
import { UserError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "64m" → 67108864; throws on anything Docker would refuse. */
export function parseSize(text: string, flag = '--memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) {
    throw new UserError(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`, 'Use a number with an optional unit: b, k, m, g (e.g. 64m).', 125);
  }
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export const MIN_MEMORY = 6 * 1024 * 1024;

export function parseMemoryFlag(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = parseSize(text);
  if (n === 0) return null;
  if (n < MIN_MEMORY) throw new UserError('Minimum memory limit allowed is 6MB', 'Give --memory 6m or more.', 125);
  return n;
}

export function parseCpus(text: string | number | undefined, available: number): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`invalid argument "${text}" for "--cpus" flag: failed to parse ${text} as a rational number`, 'Use a decimal like 0.5 or 2.', 125);
  if (n === 0) return null;
  if (n < 0.01 || n > available) {
    throw new UserError(`range of CPUs is from 0.01 to ${available.toFixed(2)}, as there are only ${available} CPUs available`, `Give --cpus between 0.01 and ${available}.`, 125);
  }
  return Math.round(n * 1e9);
}

export function parsePidsLimit(text: string | number | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!/^-?\d{1,9}$/.test(String(text).trim())) throw new UserError(`invalid argument "${text}" for "--pids-limit" flag: strconv.ParseInt: parsing "${text}": invalid syntax`, 'Give a whole number of processes, e.g. --pids-limit 50.', 125);
  return n <= 0 ? null : n;
}

export function parseEnv(items: string[], lookup: (k: string) => string | undefined = (k) => process.env[k]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!key || /\s/.test(key)) throw new UserError(`invalid argument "${item}" for "-e, --env" flag: variable '${item}' contains whitespaces`, 'Use -e KEY=VALUE.', 125);
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) out.push(`${key}=${v}`);
    } else out.push(item);
  }
  return out;
}

export interface VolumeSpec {
  kind: 'named' | 'bind' | 'anonymous';
  source: string;
  destination: string;
  readonly: boolean;
}

/** -v NAME:/path, -v /host:/path[:ro], -v /path (an anonymous volume) */
export function parseVolume(text: string): VolumeSpec {
  const parts = text.split(':');
  const bad = () => new UserError(`invalid volume specification: '${text}'`, 'Use -v NAME:/path, -v /host/path:/path, or -v /path; add :ro for read-only.', 125);
  if (parts.length === 1) {
    if (!parts[0].startsWith('/')) throw bad();
    return { kind: 'anonymous', source: '', destination: parts[0], readonly: false };
  }
  if (parts.length > 3) throw bad();
  const [source, destination, mode = 'rw'] = parts;
  if (!destination?.startsWith('/') || !['ro', 'rw'].includes(mode) || !source) throw bad();
  if (destination === '/') throw new UserError(`invalid volume specification: '${text}': invalid mount config: destination can't be '/'`, 'Mount a volume on a directory below /.', 125);
  if (source.startsWith('/')) return { kind: 'bind', source, destination, readonly: mode === 'ro' };
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(source)) {
    throw new UserError(`"${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed.`, 'If you meant a host path, start it with /.', 125);
  }
  return { kind: 'named', source, destination, readonly: mode === 'ro' };
}
