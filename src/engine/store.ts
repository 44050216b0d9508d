// The lab's state file: read and verified at the start of each command, written atomically at
// the end (temp file + fsync + rename, by write-file-atomic), with the previous good copy kept as
// a .bak beside it. A lock keeps two boxlab commands from interleaving their writes.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { LabBusy, UserError } from './errors.js';

export const STATE_VERSION = 1;

export interface StoredLab<E, K> {
  version: number;
  engine: E;
  kernel: K;
}

/** what tells one version of the file from another: a save makes a new inode (rename) */
function fileKey(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return null;
  }
}

export class StateFile<E, K> {
  readonly path: string;
  readonly backup: string;
  private release: (() => Promise<void>) | null = null;
  /**
   * The lab as this process last loaded or saved it, and the file version that holds it: while
   * the file is that version (no other command wrote it), the next command takes the object
   * from here instead of reading and parsing the whole file again, and the backup is a hard
   * link to that version instead of a checked copy. A lab with a thousand containers would
   * otherwise read, check and copy megabytes for every command.
   */
  private last: { key: string; data: StoredLab<E, K>; text: string } | null = null;

  constructor(readonly dir: string) {
    this.path = join(dir, 'lab.json');
    this.backup = join(dir, 'lab.json.bak');
  }

  /** Take the lab's lock; wait up to ~waitMs for another command to finish. */
  async lock(waitMs = 15_000): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const retries = Math.max(1, Math.round(waitMs / 100));
    try {
      this.release = await lockfile.lock(this.dir, {
        lockfilePath: join(this.dir, 'lab.lock'),
        stale: 30_000,
        update: 5_000,
        retries: { retries, factor: 1, minTimeout: 100, maxTimeout: 100 },
        realpath: false,
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') throw new LabBusy(this.dir);
      throw e;
    }
  }

  async unlock(): Promise<void> {
    const r = this.release;
    this.release = null;
    if (r) await r().catch(() => undefined);
  }

  /** The stored lab, or null when there is none yet. A damaged file is reported, never overwritten. */
  load(): StoredLab<E, K> | null {
    const key = fileKey(this.path);
    if (key === null) return null;
    if (this.last?.key === key) return this.last.data;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      throw new UserError(`Cannot read the lab state ${this.path}: ${(e as Error).message}.`, 'Check the file\'s permissions.');
    }
    let data: StoredLab<E, K>;
    try {
      data = JSON.parse(text) as StoredLab<E, K>;
    } catch (e) {
      throw this.corrupt((e as Error).message);
    }
    // the real kernel keeps no state of its own: kernel is null there
    if (!data || typeof data !== 'object' || data.version !== STATE_VERSION || !data.engine || !('kernel' in data)) {
      throw this.corrupt(data && typeof data === 'object' && 'version' in data ? `unknown state version ${String(data.version)}` : 'not a boxlab state file');
    }
    this.last = fileKey(this.path) === key ? { key, data, text } : null;
    return data;
  }

  private corrupt(why: string): UserError {
    const bak = existsSync(this.backup)
      ? `The previous good copy is ${this.backup}: 'boxlab reset --restore' puts it back; 'boxlab reset' starts a clean lab.`
      : `There is no backup: 'boxlab reset' starts a clean lab.`;
    return new UserError(`The lab state ${this.path} is damaged (${why}).`, bak, 1);
  }

  /**
   * Write the lab, unless it is what the file holds already (a command that only looked): then
   * nothing is written, and the backup stays the version before the last change.
   */
  save(data: StoredLab<E, K>): void {
    mkdirSync(this.dir, { recursive: true });
    const text = JSON.stringify(data);
    const known = this.last !== null && fileKey(this.path) === this.last.key;
    if (known && this.last!.text === text) {
      this.last!.data = data;
      return;
    }
    this.last = null;
    if (known) {
      // the current file is the version this process loaded cleanly or wrote: keep it as the
      // backup by a second name (the save below gives lab.json a new inode)
      rmSync(this.backup, { force: true });
      linkSync(this.path, this.backup);
    } else if (existsSync(this.path)) {
      // keep the last copy that loaded cleanly
      try {
        JSON.parse(readFileSync(this.path, 'utf8'));
        copyFileSync(this.path, this.backup);
      } catch {
        /* the current file is damaged: keep the older backup */
      }
    }
    writeFileAtomic.sync(this.path, text, { fsync: true });
    const key = fileKey(this.path);
    if (key !== null) this.last = { key, data, text };
  }

  /** Put the backup back in place (for a damaged state file). */
  restore(): void {
    this.last = null;
    if (!existsSync(this.backup)) throw new UserError(`There is no backup at ${this.backup}.`, "Start a clean lab with 'boxlab reset'.");
    JSON.parse(readFileSync(this.backup, 'utf8'));
    writeFileAtomic.sync(this.path, readFileSync(this.backup), { fsync: true });
  }

  wipe(): void {
    this.last = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
