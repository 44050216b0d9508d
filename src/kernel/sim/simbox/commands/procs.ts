// simbox process and memory commands: ps kill free spawn nproc, and the blocking ones the kernel
// runs as processes of their own: sleep (a timer) and alloc (memory held, for memory.max demos).
import { SysError } from '../../sys.js';
import { SIGNALS, normSignal } from '../signals.js';
import { errText, getopt, human, parseDuration, parseSize, type BlockFn, type CommandFn } from './types.js';

const USAGE = 'BusyBox v1.36.1 (simbox) multi-call binary.\n\n';

const ps: CommandFn = (c) => {
  const args = c.argv.slice(1);
  const oi = args.indexOf('-o');
  const fields = oi >= 0 && args[oi + 1] ? args[oi + 1].split(',') : null;
  // ash forks for ps unless it is the whole `sh -c` (then it execs): the forked child, a copy of
  // the shell whose comm is ps, lists itself as `{ps} <the shell's command line>`
  const rows: (ReturnType<typeof c.sys.processes>[number] & { comm?: string })[] = c.sys.processes();
  const self = rows.find((r) => r.state === 'R');
  if (self && (self.argv[0] ?? '').split('/').pop() !== 'ps') {
    self.state = 'S';
    rows.push({ ...self, pid: Math.max(...rows.map((r) => r.pid)) + 1, ppid: self.pid, state: 'R', startedAt: Date.now(), comm: 'ps' });
  }
  const commOf = (r: (typeof rows)[number]) => r.comm ?? (r.argv[0] ?? '').split('/').pop() ?? '';
  const argsOf = (r: (typeof rows)[number]) => (r.comm ? `{${r.comm}} ${r.argv.join(' ')}` : r.argv.join(' '));
  if (fields) {
    const cols: Record<string, { head: string; w: number; get: (r: (typeof rows)[number]) => string }> = {
      pid: { head: 'PID', w: 5, get: (r) => String(r.pid) },
      ppid: { head: 'PPID', w: 5, get: (r) => String(r.ppid) },
      user: { head: 'USER', w: -8, get: (r) => r.user },
      comm: { head: 'COMMAND', w: -16, get: commOf },
      args: { head: 'COMMAND', w: 0, get: argsOf },
      rss: { head: 'RSS', w: 5, get: (r) => String(r.rssKb) },
      vsz: { head: 'VSZ', w: 5, get: (r) => String(r.vszKb) },
      stat: { head: 'STAT', w: -4, get: (r) => r.state },
      time: { head: 'TIME', w: 5, get: () => '0:00' },
    };
    const bad = fields.find((f) => !cols[f]);
    if (bad) {
      c.err(`ps: bad -o argument '${bad}', supported arguments: user,group,comm,args,pid,ppid,pgid,etime,nice,rgroup,ruser,time,tty,vsz,sid,stat,rss\n`);
      return 1;
    }
    const fmt = (f: string, v: string, last: boolean): string => {
      const col = cols[f];
      if (last || col.w === 0) return v;
      return col.w > 0 ? v.padStart(col.w) : v.padEnd(-col.w);
    };
    // busybox left-aligns every heading, whatever the column's values do
    const head = (f: string, last: boolean) => (last || cols[f].w === 0 ? cols[f].head : cols[f].head.padEnd(Math.abs(cols[f].w)));
    c.out(fields.map((f, i) => head(f, i === fields.length - 1)).join(' ') + '\n');
    for (const r of rows) c.out(fields.map((f, i) => fmt(f, cols[f].get(r), i === fields.length - 1)).join(' ') + '\n');
    return 0;
  }
  // busybox as Debian builds it (no FEATURE_PS_TIME): PID, USER, COMMAND
  let out = 'PID   USER     COMMAND\n';
  for (const r of rows) {
    out += `${String(r.pid).padStart(5)} ${r.user.padEnd(8).slice(0, 8)} ${argsOf(r)}\n`;
  }
  c.out(out);
  return 0;
};

const kill: CommandFn = (c) => {
  const args = c.argv.slice(1);
  let sig = 'TERM';
  if (args[0] === '-l' || args[0] === '-L') {
    if (args[1]) {
      const n = Number(args[1]);
      const name = Number.isInteger(n) ? Object.keys(SIGNALS).find((k) => SIGNALS[k] === (n > 128 ? n - 128 : n)) : normSignal(args[1]);
      if (!name || name === 'EXIT') {
        c.err(`kill: bad signal name '${args[1]}'\n`);
        return 1;
      }
      c.out(Number.isInteger(n) ? `${name}\n` : `${SIGNALS[name]}\n`);
      return 0;
    }
    c.out(Object.entries(SIGNALS).map(([k, n]) => `${String(n).padStart(2)}) ${k}\n`).join(''));
    return 0;
  }
  let i = 0;
  if (args[0] === '-s' || args[0] === '-n') {
    if (!args[1]) {
      c.err(`${USAGE}Usage: kill [-l] [-SIG] PID...\n`);
      return 1;
    }
    sig = args[1];
    i = 2;
  } else if (args[0]?.startsWith('-') && args[0] !== '--') {
    sig = args[0].slice(1);
    i = 1;
  } else if (args[0] === '--') i = 1;
  const name = normSignal(sig);
  if (!name || name === 'EXIT') {
    if (sig === '0') return 0;
    c.err(`kill: bad signal name '${sig}'\n`);
    return 1;
  }
  const pids = args.slice(i);
  if (!pids.length) {
    c.err(`${USAGE}Usage: kill [-l] [-SIG] PID...\n`);
    return 1;
  }
  let status = 0;
  for (const p of pids) {
    const pid = Number(p);
    if (!/^-?\d+$/.test(p)) {
      c.err(`kill: invalid number '${p}'\n`);
      status = 1;
      continue;
    }
    try {
      c.sys.kill(pid, `SIG${name}`);
    } catch (e) {
      c.err(`kill: can't kill pid ${p}: ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const free: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const m = c.sys.meminfo();
  const f = o.flags;
  const fmt = (kb: number): string => {
    if (f.has('h')) return human(kb * 1024);
    if (f.has('b')) return String(kb * 1024);
    if (f.has('m')) return String(Math.floor(kb / 1024));
    if (f.has('g')) return String(Math.floor(kb / 1024 / 1024));
    return String(kb);
  };
  const row = (label: string, vals: number[]): string => label.padEnd(7) + vals.map((v) => fmt(v).padStart(12)).join('') + '\n';
  let out = '       ' + ['total', 'used', 'free', 'shared', 'buff/cache', 'available'].map((h) => h.padStart(12)).join('') + '\n';
  out += row('Mem:', [m.totalKb, m.usedKb, m.freeKb, m.sharedKb, m.buffCacheKb, m.availableKb]);
  out += row('Swap:', [m.swapTotalKb, 0, m.swapTotalKb]);
  c.out(out);
  return 0;
};

const spawn: CommandFn = (c) => {
  const [nText, secText] = c.argv.slice(1);
  const n = Number(nText);
  if (nText === undefined || !Number.isInteger(n) || n < 0) {
    c.err(`${USAGE}Usage: spawn N [SECONDS]\n\nFork N children that each sleep SECONDS (default 3600)\n`);
    return 1;
  }
  const seconds = secText ?? '3600';
  const d = parseDuration(seconds);
  if (!d) {
    c.err(`spawn: invalid number '${seconds}'\n`);
    return 1;
  }
  for (let i = 0; i < n; i++) {
    try {
      c.sys.spawnChild(['sleep', seconds], { kind: 'sleep', ms: d.ms });
    } catch (e) {
      if (e instanceof SysError && e.errno === 'EAGAIN') {
        c.err(`spawn: can't fork: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
  return 0;
};

const nproc: CommandFn = (c) => {
  let n = 0;
  try {
    n = c.sys.readFile('/proc/cpuinfo').split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  } catch {
    /* no /proc */
  }
  c.out(`${n || 1}\n`);
  return 0;
};

export const PROC_COMMANDS: Record<string, CommandFn> = { ps, kill, free, spawn, nproc };

const sleep: BlockFn = (argv) => {
  const args = argv.slice(1);
  if (!args.length) return { error: `${USAGE}Usage: sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\nhave an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays\n`, code: 1 };
  let total = 0;
  for (const a of args) {
    const d = parseDuration(a);
    if (!d) return { error: `sleep: invalid number '${a}'\n`, code: 1 };
    if (d.ms === null) return { program: { kind: 'sleep', ms: null } };
    total += d.ms;
  }
  return { program: { kind: 'sleep', ms: total } };
};

const alloc: BlockFn = (argv) => {
  const [size, secs] = argv.slice(1);
  if (size === undefined) {
    return { error: `${USAGE}Usage: alloc N[K|M|G] [SECONDS]\n\nAllocate N MiB (or the given unit) and hold it for SECONDS (default: forever)\n`, code: 1 };
  }
  const bytes = parseSize(size);
  if (bytes === null) return { error: `alloc: invalid size '${size}'\n`, code: 1 };
  let ms: number | null = null;
  if (secs !== undefined) {
    const d = parseDuration(secs);
    if (!d) return { error: `alloc: invalid number '${secs}'\n`, code: 1 };
    ms = d.ms;
  }
  return { program: { kind: 'hold', bytes, ms } };
};

export const PROC_BLOCKERS: Record<string, BlockFn> = { sleep, alloc };
