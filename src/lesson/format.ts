// The lesson format's vocabulary: which front matter fields, step blocks, keys and check kinds
// exist. The parser checks files against these tables; lessons/README.md documents them.
import { NAMESPACE_TYPES } from '../kernel/events.js';

export const FRONT_MATTER = {
  required: ['id', 'title', 'summary', 'minutes', 'modes'],
  optional: ['requires'],
} as const;

/** The info strings of fenced blocks the runner understands. */
export const BLOCK_KINDS = ['step', 'quiz', 'task'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export const BLOCK_KEYS: Record<BlockKind, { required: string[]; optional: string[] }> = {
  step: { required: ['id', 'run', 'hint', 'checks'], optional: ['notice'] },
  quiz: { required: ['id', 'question', 'choices', 'hint'], optional: [] },
  task: { required: ['id', 'prompt', 'solution', 'hint', 'checks'], optional: [] },
};

export const CHOICE_KEYS = { required: ['text', 'explain'], optional: ['correct'] };

type ValueType = 'string' | 'integer' | 'number' | 'boolean' | 'path' | readonly string[];

/**
 * A check is a YAML map whose subject key names its kind (`file: /hello.txt`); a map with only
 * `container:` as subject is a container check. Keys list what else the kind takes.
 */
export const CHECK_KINDS: Record<string, { subject: ValueType; keys: Record<string, ValueType>; needsContainer: boolean }> = {
  container: { subject: 'string', keys: { status: ['created', 'running', 'exited'], exitCode: 'integer', oomKilled: 'boolean', exists: 'boolean' }, needsContainer: false },
  file: { subject: 'path', keys: { container: 'string', contains: 'string', absent: 'boolean', inUpperLayer: 'boolean', whiteout: 'boolean' }, needsContainer: true },
  cgroup: { subject: 'string', keys: { container: 'string', equals: 'string', atLeast: 'number' }, needsContainer: true },
  namespace: { subject: NAMESPACE_TYPES, keys: { container: 'string', differsFromHost: 'boolean' }, needsContainer: true },
  image: { subject: 'string', keys: { exists: 'boolean', layers: 'integer' }, needsContainer: false },
  volume: { subject: 'string', keys: { exists: 'boolean' }, needsContainer: false },
  exit: { subject: 'integer', keys: {}, needsContainer: false },
};

export function describeType(t: ValueType): string {
  if (Array.isArray(t)) return `one of ${t.join(', ')}`;
  return t === 'path' ? 'an absolute path' : t === 'integer' ? 'a whole number' : `a ${t}`;
}

export function matchesType(t: ValueType, v: unknown): boolean {
  if (Array.isArray(t)) return typeof v === 'string' && t.includes(v);
  switch (t) {
    case 'string':
      return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    case 'path':
      return typeof v === 'string' && v.startsWith('/');
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
  }
  return false;
}

/** Step and lesson ids: lower case words joined by dashes. */
export const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** lessons/<lang>/NN-slug.md */
export const FILE_PATTERN = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;
/** docker flags that need a terminal, which a lesson's headless run does not have */
export const INTERACTIVE_FLAGS = ['-i', '-t', '-it', '-ti', '--interactive', '--tty'];

/** Suggest the nearest known word for a typo (edit distance ≤ 2). */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: { w: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { w: k, d };
  }
  return best?.w;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
