// simbox system commands: hostname id whoami uname env printenv true false test/[ which date
// dmesg uptime sync busybox — identity and environment as the calling process sees them.
import { errText, getopt, idNames, type CommandFn } from './types.js';

const hostname: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'F');
  const name = o.rest[0] ?? (o.vals.F !== undefined ? safeRead(c.sys, o.vals.F)?.trim() : undefined);
  if (name !== undefined) {
    try {
      c.sys.setHostname(name);
      return 0;
    } catch (e) {
      c.err(`hostname: sethostname: ${errText(e)}\n`);
      return 1;
    }
  }
  const h = c.sys.hostname();
  if (o.flags.has('i')) {
    const ip = c.sys.resolve(h);
    if (!ip) {
      c.err(`hostname: ${h}: Unknown host\n`);
      return 1;
    }
    c.out(`${ip}\n`);
    return 0;
  }
  c.out(`${o.flags.has('s') ? h.split('.')[0] : h}\n`);
  return 0;
};

function safeRead(sys: { readFile(p: string): string }, p: string): string | null {
  try {
    return sys.readFile(p);
  } catch {
    return null;
  }
}

const id: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const users = idNames(c.sys, '/etc/passwd');
  const groups = idNames(c.sys, '/etc/group');
  const { uid, gid } = c.sys;
  const u = users.get(uid);
  const g = groups.get(gid);
  if (o.flags.has('u') || o.flags.has('g') || o.flags.has('G')) {
    const isU = o.flags.has('u');
    const n = isU ? uid : gid;
    const name = isU ? u : g;
    c.out(`${o.flags.has('n') ? (name ?? String(n)) : n}\n`);
    return 0;
  }
  const fmt = (n: number, name: string | undefined): string => (name ? `${n}(${name})` : String(n));
  // busybox prints groups= only when the process has supplementary groups: a container's root
  // process has none; one started with USER has the user's (or its primary group), as Docker sets them
  const extra = c.sys.groups?.length ? ` groups=${c.sys.groups.map((n) => fmt(n, groups.get(n))).join(',')}` : '';
  c.out(`uid=${fmt(uid, u)} gid=${fmt(gid, g)}${extra}\n`);
  return 0;
};

const whoami: CommandFn = (c) => {
  const name = idNames(c.sys, '/etc/passwd').get(c.sys.uid);
  if (!name) {
    c.err(`whoami: unknown uid ${c.sys.uid}\n`);
    return 1;
  }
  c.out(`${name}\n`);
  return 0;
};

const uname: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const u = c.sys.uname();
  const f = o.flags;
  const all = f.has('a');
  const parts: string[] = [];
  if (all || f.has('s') || f.size === 0) parts.push(u.sysname);
  if (all || f.has('n')) parts.push(u.nodename);
  if (all || f.has('r')) parts.push(u.release);
  if (all || f.has('v')) parts.push(u.version);
  if (all || f.has('m')) parts.push(u.machine);
  if (f.has('p') && !all) parts.push('unknown');
  if (f.has('i') && !all) parts.push('unknown');
  if (all || f.has('o')) parts.push('GNU/Linux');
  c.out(`${parts.join(' ')}\n`);
  return 0;
};

const env: CommandFn = (c) => {
  const args = c.argv.slice(1);
  let vars: Record<string, string> = { ...c.env };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '-i' || a === '-') vars = {};
    else if (a === '-u' && args[i + 1]) delete vars[args[++i]];
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      const eq = a.indexOf('=');
      vars[a.slice(0, eq)] = a.slice(eq + 1);
    } else break;
  }
  const rest = args.slice(i);
  if (rest.length) {
    if (!c.run) {
      c.err(`env: can't execute '${rest[0]}': No such file or directory\n`);
      return 127;
    }
    return c.run(rest, vars);
  }
  c.out(Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
  return 0;
};

const printenv: CommandFn = (c) => {
  const names = c.argv.slice(1);
  if (!names.length) {
    c.out(Object.entries(c.env).map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  }
  let status = 0;
  for (const n of names) {
    if (c.env[n] === undefined) status = 1;
    else c.out(`${c.env[n]}\n`);
  }
  return status;
};

/** test / [ : file tests, string and integer comparisons, ! -a -o and parentheses. */
const test: CommandFn = (c) => {
  let args = c.argv.slice(1);
  if (c.argv[0] === '[') {
    if (args[args.length - 1] !== ']') {
      c.err('[: missing ]\n');
      return 2;
    }
    args = args.slice(0, -1);
  }
  const fileTest = (op: string, p: string): boolean => {
    let st;
    try {
      st = op === '-L' || op === '-h' ? c.sys.lstat(p) : c.sys.stat(p);
    } catch {
      return false;
    }
    switch (op) {
      case '-e': return true;
      case '-f': return st.type === 'file';
      case '-d': return st.type === 'dir';
      case '-L': case '-h': return st.type === 'symlink';
      case '-c': return st.type === 'chardev';
      case '-s': return st.size > 0;
      case '-r': return c.sys.uid === 0 || (st.mode & 0o444) !== 0;
      case '-w': return c.sys.uid === 0 || (st.mode & 0o222) !== 0;
      case '-x': return (st.mode & 0o111) !== 0 || st.type === 'dir';
    }
    return false;
  };
  const UNARY = ['-e', '-f', '-d', '-L', '-h', '-c', '-s', '-r', '-w', '-x', '-z', '-n', '-b', '-p', '-S', '-t'];
  const BINARY = ['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '<', '>'];
  let i = 0;
  const int = (s: string): number => {
    if (!/^\s*-?\d+\s*$/.test(s)) throw new Error(`invalid number '${s}'`);
    return Number(s);
  };
  const primary = (): boolean => {
    const a = args[i];
    if (a === undefined) throw new Error('argument expected');
    if (a === '!') {
      i++;
      return !primary();
    }
    if (a === '(' && args.slice(i).includes(')')) {
      i++;
      const v = or();
      if (args[i] !== ')') throw new Error("missing ')'");
      i++;
      return v;
    }
    if (BINARY.includes(args[i + 1] ?? '') && args[i + 2] !== undefined) {
      const [l, op, r] = [args[i], args[i + 1], args[i + 2]];
      i += 3;
      switch (op) {
        case '=': case '==': return l === r;
        case '!=': return l !== r;
        case '<': return l < r;
        case '>': return l > r;
        case '-eq': return int(l) === int(r);
        case '-ne': return int(l) !== int(r);
        case '-lt': return int(l) < int(r);
        case '-le': return int(l) <= int(r);
        case '-gt': return int(l) > int(r);
        case '-ge': return int(l) >= int(r);
      }
    }
    if (UNARY.includes(a) && args[i + 1] !== undefined) {
      const v = args[i + 1];
      i += 2;
      if (a === '-z') return v === '';
      if (a === '-n') return v !== '';
      if (a === '-t') return false;
      return fileTest(a, v);
    }
    i++;
    return a !== '';
  };
  const and = (): boolean => {
    let v = primary();
    while (args[i] === '-a') {
      i++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (args[i] === '-o') {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  if (!args.length) return 1;
  try {
    const v = or();
    if (i < args.length) throw new Error(`unexpected operator`);
    return v ? 0 : 1;
  } catch (e) {
    c.err(`sh: ${c.argv[0] === '[' ? '[' : 'test'}: ${errText(e)}\n`);
    return 2;
  }
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const date: CommandFn = (c) => {
  const fmtArg = c.argv.slice(1).find((a) => a.startsWith('+'));
  const d = new Date(c.sys.now());
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const fmt = fmtArg ? fmtArg.slice(1) : '%a %b %e %H:%M:%S %Z %Y';
  const out = fmt.replace(/%([a-zA-Z%])/g, (m, k: string) => {
    switch (k) {
      case 'a': return DAYS[d.getUTCDay()];
      case 'b': case 'h': return MONTHS[d.getUTCMonth()];
      case 'd': return p2(d.getUTCDate());
      case 'e': return String(d.getUTCDate()).padStart(2);
      case 'H': return p2(d.getUTCHours());
      case 'M': return p2(d.getUTCMinutes());
      case 'S': return p2(d.getUTCSeconds());
      case 'm': return p2(d.getUTCMonth() + 1);
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return p2(d.getUTCFullYear() % 100);
      case 'Z': return 'UTC';
      case 'z': return '+0000';
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'T': return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case 'F': return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case 'N': return String(d.getUTCMilliseconds() * 1_000_000).padStart(9, '0');
      case '%': return '%';
      default: return m;
    }
  });
  c.out(`${out}\n`);
  return 0;
};

const uptime: CommandFn = (c) => {
  const d = new Date(c.sys.now());
  const p2 = (n: number): string => String(n).padStart(2, '0');
  let up = 0;
  const raw = (() => {
    try {
      return c.sys.readFile('/proc/uptime');
    } catch {
      return '';
    }
  })();
  if (raw) up = Math.floor(Number(raw.split(' ')[0]) / 60) || 0;
  const upText = up >= 60 ? `${Math.floor(up / 60)}:${p2(up % 60)}` : `${up} min`;
  c.out(` ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} up ${upText},  0 users,  load average: 0.00, 0.00, 0.00\n`);
  return 0;
};

export function systemCommands(names: () => string[], has: (n: string) => boolean): Record<string, CommandFn> {
  const which: CommandFn = (c) => {
    const args = c.argv.slice(1).filter((a) => a !== '-a');
    let status = 0;
    for (const a of args) {
      if (has(a)) c.out(`/bin/${a}\n`);
      else status = 1;
    }
    return args.length ? status : 1;
  };
  const busybox: CommandFn = (c) => {
    const args = c.argv.slice(1);
    if (!args.length || args[0] === '--help' || args[0] === '--list') {
      if (args[0] === '--list') {
        c.out(names().map((n) => `${n}\n`).join(''));
        return 0;
      }
      c.out(
        'BusyBox v1.36.1 (simbox) multi-call binary.\n' +
          'simbox: the small busybox of the boxlab simulated kernel (ls /bin lists them).\n\n' +
          'Usage: busybox [function [arguments]...]\n\nCurrently defined functions:\n' +
          wrap(names().join(', '), 76).map((l) => `\t${l}\n`).join(''),
      );
      return 0;
    }
    if (!has(args[0]) || !c.run) {
      c.err(`${args[0]}: applet not found\n`);
      return 127;
    }
    return c.run(args, c.env);
  };
  return { which, busybox };
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

export const SYSTEM_COMMANDS: Record<string, CommandFn> = {
  hostname, id, whoami, uname, env, printenv, test, '[': test, date, uptime,
  true: () => 0,
  false: () => 1,
  dmesg: () => 0,
  sync: () => 0,
  clear: () => 0,
};
