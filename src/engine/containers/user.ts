// USER (and a container's user) as Docker resolves it when the process starts: `name|uid[:group|gid]`
// looked up in the container's own /etc/passwd and /etc/group (runc's user.GetExecUser). A number
// needs no entry; a name must have one. Supplementary groups are the groups that list the user,
// or just its primary group; HOME comes from the passwd entry.
import type { ProcUser } from '../../kernel/kernel.js';
import { readRoot } from '../build/copy.js';
import { UserError } from '../errors.js';
import type { Tx } from '../lab.js';

/** The user or group named does not exist in the container's files. */
export class UnknownUser extends UserError {
  constructor(message: string, tryNext: string) {
    super(message, tryNext, 125);
    this.name = 'UnknownUser';
  }
}

export interface ExecUser extends ProcUser {
  home: string;
}

const numeric = (s: string) => /^\d+$/.test(s);

function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** `spec` against the text of /etc/passwd and /etc/group; throws UnknownUser for a name with no entry. */
export function resolveUser(spec: string, passwd: string, group: string): ExecUser {
  const [userPart, groupPart] = spec.split(':', 2);
  const users = rows(passwd).filter((f) => f.length >= 6);
  const groups = rows(group).filter((f) => f.length >= 3);
  const pw = users.find((f) => f[0] === userPart) ?? (numeric(userPart) ? users.find((f) => f[2] === userPart) : undefined);
  if (!pw && !numeric(userPart)) {
    throw new UnknownUser(
      `unable to find user ${userPart}: no matching entries in passwd file`,
      `The image's /etc/passwd has no ${userPart}: add a line for it first (RUN echo '${userPart}:x:1000:1000::/home/${userPart}:/bin/sh' >> /etc/passwd), or give a number (USER 1000).`,
    );
  }
  const uid = pw ? Number(pw[2]) : Number(userPart);
  let gid = pw ? Number(pw[3]) : 0;
  let extra: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    const gr = groups.find((f) => f[0] === groupPart) ?? (numeric(groupPart) ? groups.find((f) => f[2] === groupPart) : undefined);
    if (!gr && !numeric(groupPart)) {
      throw new UnknownUser(
        `unable to find group ${groupPart}: no matching entries in group file`,
        `The image's /etc/group has no ${groupPart}: add a line for it first (RUN echo '${groupPart}:x:1000:' >> /etc/group), or give a number (USER ${userPart}:1000).`,
      );
    }
    gid = gr ? Number(gr[2]) : Number(groupPart);
  } else if (pw) {
    extra = groups.filter((f) => (f[3] ?? '').split(',').includes(pw[0])).map((f) => Number(f[2]));
  }
  const all = extra.length ? extra : [gid];
  return { uid, gid, groups: [...new Set(all)].sort((a, b) => a - b), home: pw?.[5] || '/' };
}

/**
 * The user a container's process runs as: `spec` resolved in the root filesystem its layers make
 * (bottom first, read without following symlinks, so only the container's own files count).
 */
export async function containerUser(tx: Tx, spec: string, layerDirs: string[]): Promise<ExecUser> {
  const root = await readRoot(tx, layerDirs);
  const text = (p: string) => (root.get(p)?.type === 'file' ? root.get(p)!.data?.toString('utf8') ?? '' : '');
  return resolveUser(spec, text('etc/passwd'), text('etc/group'));
}
