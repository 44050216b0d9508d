// Where lessons are: lessons/<lang>/NN-slug.md in the package. Find one by id, number or file.
import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { packageRoot } from '../paths.js';
import { FILE_PATTERN } from './format.js';
import { loadLesson } from './parse.js';
import type { Lesson } from './types.js';

/** the package's lessons/ folder (from src/lesson or dist/lesson alike) */
export const LESSONS_DIR = join(packageRoot(), 'lessons') + sep;

export function lessonFiles(lang = 'en', dir = LESSONS_DIR): string[] {
  const d = join(dir, lang);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => FILE_PATTERN.test(f))
    .sort()
    .map((f) => join(d, f));
}

/** A lesson by id (first-container), number (1 or 01) or path; falls back to English when lang lacks it. */
export function findLessonFile(ref: string, lang = 'en', dir = LESSONS_DIR): string | null {
  if (ref.endsWith('.md') && existsSync(ref)) return ref;
  for (const l of lang === 'en' ? ['en'] : [lang, 'en']) {
    for (const f of lessonFiles(l, dir)) {
      const m = f.split(/[\\/]/).pop()!.match(FILE_PATTERN)!;
      // the id (first-container), the file's stem (01-first-container) or its number (1)
      if (m[2] === ref || `${m[1]}-${m[2]}` === ref || (/^\d+$/.test(ref) && Number(m[1]) === Number(ref))) return f;
    }
  }
  return null;
}

export function loadLessons(lang = 'en', dir = LESSONS_DIR): Lesson[] {
  return lessonFiles(lang, dir).map((f) => loadLesson(f));
}
