// A student's progress: per lesson, the steps completed, the quiz answers given, and where they
// stopped. One JSON file in the state dir, written atomically; export/import move it between
// machines (imports merge: completed steps add up, the newer position wins).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { stateBase } from './runner.js';

export interface LessonProgress {
  completed: string[];
  /** quiz step id → the choice given (0-based) and whether it was right */
  answers: Record<string, { choice: number; correct: boolean }>;
  /** the step index to come back to */
  position: number;
  updatedAt: string;
}

export interface ProgressFile {
  format: 'boxlab-progress';
  version: 1;
  lessons: Record<string, LessonProgress>;
}

export class ProgressError extends Error {}

export function progressPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateBase(env), 'progress.json');
}

function empty(): ProgressFile {
  return { format: 'boxlab-progress', version: 1, lessons: {} };
}

function blank(): LessonProgress {
  return { completed: [], answers: {}, position: 0, updatedAt: new Date(0).toISOString() };
}

/** Check a parsed file's shape; throws ProgressError saying what is wrong. */
export function checkProgress(data: unknown, source: string): ProgressFile {
  const d = data as ProgressFile;
  if (!d || typeof d !== 'object' || d.format !== 'boxlab-progress') throw new ProgressError(`${source} is not a boxlab progress file (no "format": "boxlab-progress")`);
  if (d.version !== 1) throw new ProgressError(`${source} has progress format version ${String(d.version)}; this boxlab reads version 1`);
  if (!d.lessons || typeof d.lessons !== 'object') throw new ProgressError(`${source} has no "lessons" map`);
  for (const [id, p] of Object.entries(d.lessons)) {
    const ok =
      p && Array.isArray(p.completed) && p.completed.every((s) => typeof s === 'string') &&
      p.answers && typeof p.answers === 'object' &&
      Object.values(p.answers).every((a) => a && Number.isInteger(a.choice) && typeof a.correct === 'boolean') &&
      Number.isInteger(p.position) && p.position >= 0 && typeof p.updatedAt === 'string';
    if (!ok) throw new ProgressError(`${source}: the progress of lesson ${id} is malformed`);
  }
  return d;
}

export class ProgressStore {
  constructor(readonly file: string = progressPath()) {}

  load(): ProgressFile {
    if (!existsSync(this.file)) return empty();
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new ProgressError(`${this.file} is not valid JSON (${(e as Error).message}); move it away to start over`);
    }
    return checkProgress(data, this.file);
  }

  private save(p: ProgressFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic.sync(this.file, JSON.stringify(p, null, 2) + '\n', { mode: 0o644 });
  }

  private update(id: string, fn: (l: LessonProgress) => void): LessonProgress {
    const p = this.load();
    const l = p.lessons[id] ?? blank();
    fn(l);
    l.updatedAt = new Date().toISOString();
    p.lessons[id] = l;
    this.save(p);
    return l;
  }

  get(id: string): LessonProgress {
    return this.load().lessons[id] ?? blank();
  }

  complete(id: string, stepId: string): LessonProgress {
    return this.update(id, (l) => {
      if (!l.completed.includes(stepId)) l.completed.push(stepId);
    });
  }

  answer(id: string, stepId: string, choice: number, correct: boolean): LessonProgress {
    return this.update(id, (l) => {
      l.answers[stepId] = { choice, correct };
    });
  }

  setPosition(id: string, position: number): LessonProgress {
    return this.update(id, (l) => {
      l.position = position;
    });
  }

  /** forget one lesson; true when there was something to forget */
  reset(id: string): boolean {
    const p = this.load();
    if (!p.lessons[id]) return false;
    delete p.lessons[id];
    this.save(p);
    return true;
  }

  exportTo(file: string): ProgressFile {
    const p = this.load();
    writeFileAtomic.sync(file, JSON.stringify(p, null, 2) + '\n');
    return p;
  }

  /** merge a file made by exportTo; returns the ids of the lessons it held */
  importFrom(file: string): string[] {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ProgressError(`cannot read ${file}: ${(e as Error).message}`);
    }
    const incoming = checkProgress(data, file);
    const p = this.load();
    for (const [id, theirs] of Object.entries(incoming.lessons)) {
      const mine = p.lessons[id];
      if (!mine) {
        p.lessons[id] = structuredClone(theirs);
        continue;
      }
      const newer = theirs.updatedAt > mine.updatedAt ? theirs : mine;
      p.lessons[id] = {
        completed: [...new Set([...mine.completed, ...theirs.completed])],
        answers: newer === theirs ? { ...mine.answers, ...theirs.answers } : { ...theirs.answers, ...mine.answers },
        position: newer.position,
        updatedAt: newer.updatedAt,
      };
    }
    this.save(p);
    return Object.keys(incoming.lessons);
  }
}
