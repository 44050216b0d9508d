// simbox file commands: ls cat mkdir touch rm rmdir cp mv ln chmod stat readlink pwd basename
// dirname mount umount df — output and error text as busybox prints them.
import { SysError, type Stat, type SysCtx } from '../../sys.js';
import {
  basename, dirname, errText, getopt, human, idNames, isErrno, join, modeString, type CommandFn, type Ctx,
} from './types.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** busybox ls -l time: `Nov 25 10:00` within six months of now, else `Nov 25  2023` (UTC). */
function lsTime(mtime: number, now: number): string {
  const d = new Date(mtime);
  const day = String(d.getUTCDate()).padStart(2);
  const recent = Math.abs(now - mtime) < 182 * 86_400_000;
  const tail = recent
    ? `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
    : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]} ${day} ${tail}`;
}

function blocksKb(st: Stat): number {
  if (st.type === 'dir') return 4;
  if (st.type === 'file') return Math.ceil(st.size / 4096) * 4;
  return 0;
}

function longLine(c: Ctx, name: string, path: string, st: Stat, opts: { h: boolean }, users: Map<number, string>, groups: Map<number, string>): string {
  const user = users.get(st.uid) ?? String(st.uid);
  const group = groups.get(st.gid) ?? String(st.gid);
  let size: string;
  if (st.type === 'chardev' && st.rdev) size = `${String(st.rdev[0]).padStart(4)}, ${String(st.rdev[1]).padStart(4)}`;
  else size = (opts.h ? human(st.size) : String(st.size)).padStart(9);
  let line = `${modeString(st.type, st.mode)} ${String(st.nlink).padStart(4)} ${user.padEnd(8)} ${group.padEnd(8)} ${size} ${lsTime(st.mtime, c.sys.now())} ${name}`;
  if (st.type === 'symlink') {
    let target = st.target;
    if (target === undefined) {
      try {
        target = readlinkOf(c.sys, path);
      } catch {
        target = '?';
      }
    }
    line += ` -> ${target}`;
  }
  return line;
}

function readlinkOf(sys: SysCtx, path: string): string {
  const st = sys.lstat(path);
  if (st.type !== 'symlink' || st.target === undefined) throw new SysError('EINVAL', path);
  return st.target;
}

const ls: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const f = o.flags;
  const long = f.has('l') || f.has('n');
  const all = f.has('a');
  const almost = f.has('A');
  const users = f.has('n') ? new Map<number, string>() : idNames(c.sys, '/etc/passwd');
  const groups = f.has('n') ? new Map<number, string>() : idNames(c.sys, '/etc/group');
  const opts = { h: f.has('h') };
  const targets = o.rest.length ? o.rest : ['.'];
  let status = 0;
  const files: { name: string; path: string; st: Stat }[] = [];
  const dirs: { name: string; path: string }[] = [];
  for (const t of targets) {
    let st: Stat;
    try {
      st = c.sys.lstat(t);
      if (st.type === 'symlink' && !long && !f.has('d')) {
        try {
          const real = c.sys.stat(t);
          if (real.type === 'dir') st = real;
        } catch {
          /* dangling */
        }
      }
      if (st.type === 'symlink' && long && t.endsWith('/')) st = c.sys.stat(t);
    } catch (e) {
      c.err(`ls: ${t}: ${errText(e)}\n`);
      status = 1;
      continue;
    }
    if (st.type === 'dir' && !f.has('d')) dirs.push({ name: t, path: t });
    else files.push({ name: t, path: t, st });
  }
  const sortNames = <T extends { name: string }>(xs: T[]): T[] => {
    const s = xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return f.has('r') ? s.reverse() : s;
  };
  const show = (entries: { name: string; path: string; st: Stat }[]): void => {
    for (const e of entries) c.out(long ? `${longLine(c, e.name, e.path, e.st, opts, users, groups)}\n` : `${e.name}\n`);
  };
  show(sortNames(files));
  const headers = targets.length > 1;
  sortNames(dirs).forEach((d, i) => {
    if (headers) c.out(`${files.length || i > 0 ? '\n' : ''}${d.name}:\n`);
    let names: string[];
    try {
      names = c.sys.readdir(d.path);
    } catch (e) {
      c.err(`ls: can't open '${d.name}': ${errText(e)}\n`);
      status = 1;
      return;
    }
    names = names.filter((n) => all || almost || !n.startsWith('.'));
    if (all) names = ['.', '..', ...names.filter((n) => n !== '.' && n !== '..')];
    const entries: { name: string; path: string; st: Stat }[] = [];
    for (const n of names) {
      const p = join(d.path, n);
      try {
        entries.push({ name: n, path: p, st: c.sys.lstat(p) });
      } catch {
        /* vanished */
      }
    }
    const sorted = sortNames(entries);
    if (long) c.out(`total ${sorted.reduce((s, e) => s + blocksKb(e.st), 0)}\n`);
    show(sorted);
  });
  return status;
};

const cat: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  let status = 0;
  const files = o.rest.length ? o.rest : ['-'];
  let n = 0;
  for (const f of files) {
    let text: string;
    if (f === '-') text = c.stdin();
    else {
      try {
        if (c.sys.stat(f).type === 'dir') {
          c.err(`cat: read error: Is a directory\n`);
          status = 1;
          continue;
        }
        text = c.sys.readFile(f);
      } catch (e) {
        c.err(`cat: can't open '${f}': ${errText(e)}\n`);
        status = 1;
        continue;
      }
    }
    if (o.flags.has('n')) {
      const ls = text.split('\n');
      const last = ls.pop();
      text = ls.map((l) => `${String(++n).padStart(6)}\t${l}\n`).join('') + (last ? `${String(++n).padStart(6)}\t${last}` : '');
    }
    c.out(text);
  }
  return status;
};

function mkdirP(sys: SysCtx, path: string, mode?: number): void {
  const abs = path.startsWith('/') ? path : join(sys.cwd(), path);
  const parts = abs.split('/').filter(Boolean);
  let cur = '';
  for (const p of parts) {
    cur += `/${p}`;
    try {
      const st = sys.stat(cur);
      if (st.type !== 'dir') throw new SysError('ENOTDIR', cur);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      sys.mkdir(cur, mode);
    }
  }
}

const mkdir: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'm');
  if (!o.rest.length) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: mkdir [-m MODE] [-p] DIRECTORY...\n');
    return 1;
  }
  const mode = o.vals.m ? parseInt(o.vals.m, 8) : undefined;
  let status = 0;
  for (const d of o.rest) {
    try {
      if (o.flags.has('p')) mkdirP(c.sys, d, mode);
      else c.sys.mkdir(d, mode);
    } catch (e) {
      c.err(`mkdir: can't create directory '${d}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const touch: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'dtr');
  let status = 0;
  for (const f of o.rest) {
    try {
      let exists = true;
      try {
        c.sys.stat(f);
      } catch (e) {
        if (!isErrno(e, 'ENOENT')) throw e;
        exists = false;
      }
      if (!exists && o.flags.has('c')) continue;
      c.sys.writeFile(f, '', { append: true });
    } catch (e) {
      c.err(`touch: ${f}: ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

function removeTree(sys: SysCtx, path: string): void {
  const st = sys.lstat(path);
  if (st.type === 'dir') {
    for (const n of sys.readdir(path)) removeTree(sys, join(path, n));
    sys.rmdir(path);
  } else sys.unlink(path);
}

const rm: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const recursive = o.flags.has('r') || o.flags.has('R');
  const force = o.flags.has('f');
  if (!o.rest.length && !force) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: rm [-irf] FILE...\n');
    return 1;
  }
  let status = 0;
  for (const f of o.rest) {
    try {
      const st = c.sys.lstat(f);
      if (st.type === 'dir') {
        if (!recursive) {
          c.err(`rm: '${f}' is a directory\n`);
          status = 1;
          continue;
        }
        removeTree(c.sys, f);
      } else c.sys.unlink(f);
    } catch (e) {
      if (force && isErrno(e, 'ENOENT')) continue;
      c.err(`rm: can't remove '${f}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const rmdir: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  let status = 0;
  for (const d of o.rest) {
    try {
      c.sys.rmdir(d);
    } catch (e) {
      c.err(`rmdir: '${d}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

function copy(sys: SysCtx, from: string, to: string, recursive: boolean): void {
  const st = sys.stat(from);
  if (st.type === 'dir') {
    if (!recursive) throw Object.assign(new Error(`omitting directory '${from}'`), { omit: true });
    try {
      sys.mkdir(to, st.mode);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    for (const n of sys.readdir(from)) {
      const child = join(from, n);
      const lst = sys.lstat(child);
      if (lst.type === 'symlink' && lst.target !== undefined) sys.symlink(lst.target, join(to, n));
      else copy(sys, child, join(to, n), recursive);
    }
    return;
  }
  sys.writeFile(to, sys.readFile(from), { mode: st.mode });
}

function isDir(sys: SysCtx, p: string): boolean {
  try {
    return sys.stat(p).type === 'dir';
  } catch {
    return false;
  }
}

const cp: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const recursive = o.flags.has('r') || o.flags.has('R') || o.flags.has('a');
  if (o.rest.length < 2) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: cp [-arPLHpfinlsTu] SOURCE... DEST\n');
    return 1;
  }
  const dest = o.rest[o.rest.length - 1];
  const sources = o.rest.slice(0, -1);
  const intoDir = isDir(c.sys, dest);
  if (sources.length > 1 && !intoDir) {
    c.err(`cp: '${dest}' is not a directory\n`);
    return 1;
  }
  let status = 0;
  for (const s of sources) {
    try {
      c.sys.stat(s);
    } catch (e) {
      c.err(`cp: can't stat '${s}': ${errText(e)}\n`);
      status = 1;
      continue;
    }
    try {
      copy(c.sys, s, intoDir ? join(dest, basename(s)) : dest, recursive);
    } catch (e) {
      if ((e as { omit?: boolean }).omit) c.err(`cp: ${(e as Error).message}\n`);
      else c.err(`cp: can't create '${intoDir ? join(dest, basename(s)) : dest}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const mv: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  if (o.rest.length < 2) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: mv [-fin] SOURCE DEST\n');
    return 1;
  }
  const dest = o.rest[o.rest.length - 1];
  const sources = o.rest.slice(0, -1);
  const intoDir = isDir(c.sys, dest);
  let status = 0;
  for (const s of sources) {
    const to = intoDir ? join(dest, basename(s)) : dest;
    try {
      c.sys.lstat(s);
    } catch (e) {
      c.err(`mv: can't rename '${s}': ${errText(e)}\n`);
      status = 1;
      continue;
    }
    try {
      c.sys.rename(s, to);
    } catch (e) {
      if (isErrno(e, 'EXDEV')) {
        try {
          copy(c.sys, s, to, true);
          removeTree(c.sys, s);
          continue;
        } catch (e2) {
          c.err(`mv: can't rename '${s}': ${errText(e2)}\n`);
          status = 1;
          continue;
        }
      }
      c.err(`mv: can't rename '${s}': ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const ln: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  if (!o.flags.has('s')) {
    c.err('ln: hard links are not supported by simbox; use ln -s\n');
    return 1;
  }
  if (!o.rest.length) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: ln [-sfnbtv] [-S SUF] TARGET... LINK|DIR\n');
    return 1;
  }
  const target = o.rest[0];
  let link = o.rest[1] ?? basename(target);
  if (isDir(c.sys, link) && !o.flags.has('n')) link = join(link, basename(target));
  try {
    if (o.flags.has('f')) {
      try {
        c.sys.unlink(link);
      } catch {
        /* not there */
      }
    }
    c.sys.symlink(target, link);
  } catch (e) {
    c.err(`ln: ${link}: ${errText(e)}\n`);
    return 1;
  }
  return 0;
};

const chmod: CommandFn = (c) => {
  const args = c.argv.slice(1).filter((a) => a !== '-R');
  if (args.length < 2) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: chmod [-Rcvf] MODE[,MODE]... FILE...\n');
    return 1;
  }
  const [spec, ...files] = args;
  let status = 0;
  for (const f of files) {
    try {
      const cur = c.sys.stat(f).mode & 0o7777;
      const mode = applyMode(spec, cur);
      if (mode === null) {
        c.err(`chmod: invalid mode '${spec}'\n`);
        return 1;
      }
      c.sys.chmod(f, mode);
    } catch (e) {
      c.err(`chmod: ${f}: ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

function applyMode(spec: string, cur: number): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = cur;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxst]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] || 'a';
    let bits = 0;
    for (const p of m[3]) {
      const v = p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' ? 1 : 0;
      if (who.includes('u') || who.includes('a')) bits |= v << 6;
      if (who.includes('g') || who.includes('a')) bits |= v << 3;
      if (who.includes('o') || who.includes('a')) bits |= v;
      if (p === 's') bits |= (who.includes('u') || who.includes('a') ? 0o4000 : 0) | (who.includes('g') || who.includes('a') ? 0o2000 : 0);
      if (p === 't') bits |= 0o1000;
    }
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= 0o4700;
    if (who.includes('g') || who.includes('a')) mask |= 0o2070;
    if (who.includes('o') || who.includes('a')) mask |= 0o1007;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~mask) | bits;
  }
  return mode;
}

const stat: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'c');
  let status = 0;
  const users = idNames(c.sys, '/etc/passwd');
  const groups = idNames(c.sys, '/etc/group');
  for (const f of o.rest) {
    let st: Stat;
    try {
      st = o.flags.has('L') ? c.sys.stat(f) : c.sys.lstat(f);
    } catch (e) {
      c.err(`stat: can't stat '${f}': ${errText(e)}\n`);
      status = 1;
      continue;
    }
    if (o.vals.c !== undefined) {
      c.out(
        o.vals.c.replace(/%([nsaAUGuFf])/g, (_, k: string) => {
          switch (k) {
            case 'n': return f;
            case 's': return String(st.size);
            case 'a': return (st.mode & 0o7777).toString(8);
            case 'A': return modeString(st.type, st.mode);
            case 'u': return String(st.uid);
            case 'U': return users.get(st.uid) ?? String(st.uid);
            case 'G': return groups.get(st.gid) ?? String(st.gid);
            case 'F': return typeName(st);
            default: return '';
          }
        }) + '\n',
      );
      continue;
    }
    const t = new Date(st.mtime).toISOString().replace('T', ' ').replace('Z', '000000 +0000');
    const name = st.type === 'symlink' ? `'${f}' -> '${st.target ?? ''}'` : `'${f}'`;
    c.out(
      `  File: ${name}\n` +
        `  Size: ${String(st.size).padEnd(10)}\tBlocks: ${String(blocksKb(st) * 2).padEnd(10)} IO Block: 4096   ${typeName(st)}\n` +
        `Device: 0h/0d\tInode: 0           Links: ${st.nlink}\n` +
        `Access: (${(st.mode & 0o7777).toString(8).padStart(4, '0')}/${modeString(st.type, st.mode)})  Uid: (${String(st.uid).padStart(5)}/${(users.get(st.uid) ?? 'UNKNOWN').padStart(8)})   Gid: (${String(st.gid).padStart(5)}/${(groups.get(st.gid) ?? 'UNKNOWN').padStart(8)})\n` +
        `Access: ${t}\nModify: ${t}\nChange: ${t}\n`,
    );
  }
  return status;
};

function typeName(st: Stat): string {
  if (st.type === 'dir') return 'directory';
  if (st.type === 'symlink') return 'symbolic link';
  if (st.type === 'chardev') return 'character special file';
  return st.size === 0 ? 'regular empty file' : 'regular file';
}

const readlink: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  const f = o.rest[0];
  if (!f) return 1;
  try {
    if (o.flags.has('f')) {
      c.out(`${realpath(c.sys, f)}\n`);
      return 0;
    }
    const st = c.sys.lstat(f);
    if (st.type !== 'symlink' || st.target === undefined) return 1;
    c.out(`${st.target}\n`);
    return 0;
  } catch {
    return 1;
  }
}

function realpath(sys: SysCtx, p: string, depth = 0): string {
  if (depth > 40) throw new Error('Symbolic link loop');
  const abs = p.startsWith('/') ? p : join(sys.cwd(), p);
  const out: string[] = [];
  const parts = abs.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '.') continue;
    if (part === '..') {
      out.pop();
      continue;
    }
    const cur = '/' + [...out, part].join('/');
    let st: Stat | null = null;
    try {
      st = sys.lstat(cur);
    } catch {
      st = null;
    }
    if (st?.type === 'symlink' && st.target !== undefined) {
      const t = st.target.startsWith('/') ? st.target : join('/' + out.join('/'), st.target);
      const resolved = realpath(sys, t, depth + 1);
      out.length = 0;
      out.push(...resolved.split('/').filter(Boolean));
    } else out.push(part);
  }
  return '/' + out.join('/');
}

const pwd: CommandFn = (c) => {
  c.out(`${c.sys.cwd()}\n`);
  return 0;
};

const basenameCmd: CommandFn = (c) => {
  const [p, suffix] = c.argv.slice(1);
  if (p === undefined) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: basename FILE [SUFFIX]\n');
    return 1;
  }
  let b = basename(p);
  if (suffix && b.endsWith(suffix) && b !== suffix) b = b.slice(0, -suffix.length);
  c.out(`${b}\n`);
  return 0;
};

const dirnameCmd: CommandFn = (c) => {
  const p = c.argv[1];
  if (p === undefined) {
    c.err('BusyBox v1.36.1 (simbox) multi-call binary.\n\nUsage: dirname FILENAME\n');
    return 1;
  }
  c.out(`${dirname(p)}\n`);
  return 0;
};

const mount: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 'to');
  if (!o.rest.length) {
    for (const m of c.sys.mounts()) {
      if (o.vals.t && m.fstype !== o.vals.t) continue;
      c.out(`${m.source} on ${m.target} type ${m.fstype} (${m.options.join(',') || 'rw'})\n`);
    }
    return 0;
  }
  let [source, target] = o.rest;
  if (target === undefined) {
    target = source;
    source = o.vals.t ?? 'none';
  }
  const fstype = o.vals.t ?? (source === 'proc' ? 'proc' : source === 'tmpfs' ? 'tmpfs' : '');
  if (!fstype) {
    c.err(`mount: ${source}: can't find in /etc/fstab\n`);
    return 1;
  }
  try {
    c.sys.mount({ source, target, fstype, options: o.vals.o ? o.vals.o.split(',') : [] });
  } catch (e) {
    // busybox says EPERM its own way (a container's root has no CAP_SYS_ADMIN)
    if (e instanceof SysError && e.errno === 'EPERM') c.err('mount: permission denied (are you root?)\n');
    else c.err(`mount: mounting ${source} on ${target} failed: ${errText(e)}\n`);
    return 1;
  }
  return 0;
};

const umount: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1));
  let status = 0;
  for (const t of o.rest) {
    try {
      c.sys.umount(t);
    } catch (e) {
      c.err(`umount: can't unmount ${t}: ${errText(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const df: CommandFn = (c) => {
  const o = getopt(c.argv.slice(1), 't');
  const h = o.flags.has('h');
  const k = (bytes: number): string => (h ? human(bytes) : String(Math.round(bytes / 1024)));
  const head = h
    ? 'Filesystem                Size      Used Available Use% Mounted on\n'
    : 'Filesystem           1K-blocks      Used Available Use% Mounted on\n';
  let mounts = c.sys.mounts();
  let status = 0;
  if (o.rest.length) {
    const picked: typeof mounts = [];
    for (const p of o.rest) {
      try {
        c.sys.stat(p);
      } catch (e) {
        c.err(`df: ${p}: ${errText(e)}\n`);
        status = 1;
        continue;
      }
      const abs = realpath(c.sys, p);
      const hit = [...mounts].reverse().find((m) => abs === m.target || abs.startsWith(m.target === '/' ? '/' : m.target + '/'));
      if (hit) picked.push(hit);
    }
    mounts = picked;
  }
  let out = head;
  for (const m of mounts) {
    if (o.vals.t && m.fstype !== o.vals.t) continue;
    let fs: { size: number; used: number; avail: number };
    try {
      fs = c.sys.statfs(m.target);
    } catch {
      continue;
    }
    if (fs.size === 0 && !o.flags.has('a') && !o.rest.length) continue;
    const pct = fs.size ? Math.ceil((fs.used * 100) / (fs.used + fs.avail || 1)) : 0;
    const src = m.source.length > 20 ? `${m.source}\n${' '.repeat(20)}` : m.source.padEnd(20);
    out += `${src} ${k(fs.size).padStart(9)} ${k(fs.used).padStart(9)} ${k(fs.avail).padStart(9)} ${String(pct).padStart(3)}% ${m.target}\n`;
  }
  c.out(out);
  return status;
};

export const FILE_COMMANDS: Record<string, CommandFn> = {
  ls, cat, mkdir, touch, rm, rmdir, cp, mv, ln, chmod, stat, readlink, pwd,
  basename: basenameCmd, dirname: dirnameCmd, mount, umount, df,
  realpath: (c) => {
    let status = 0;
    for (const p of c.argv.slice(1)) {
      try {
        c.sys.stat(p);
        c.out(`${realpath(c.sys, p)}\n`);
      } catch (e) {
        c.err(`realpath: ${p}: ${errText(e)}\n`);
        status = 1;
      }
    }
    return status;
  },
};
