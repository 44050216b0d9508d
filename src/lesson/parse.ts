// Read a lesson file: YAML front matter, Markdown prose, and one fenced step/quiz/task block
// (YAML) under each `## ` heading. Parsing and validating are one pass: every problem becomes
// a FILE:LINE: message, and a lesson with any error is not run.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { Check, Lesson, LessonMode, QuizStep, RunStep, Step, TaskStep } from './types.js';
import {
  BLOCK_KEYS, BLOCK_KINDS, CHECK_KINDS, CHOICE_KEYS, FILE_PATTERN, FRONT_MATTER, ID_PATTERN, INTERACTIVE_FLAGS,
  describeType, matchesType, nearest, type BlockKind,
} from './format.js';
import { splitWords } from './words.js';

export interface LessonError {
  file: string;
  line: number;
  message: string;
}

export interface ParseResult {
  lesson: Lesson | null;
  errors: LessonError[];
}

/** FILE:LINE: message, one a line. */
export function formatErrors(errors: LessonError[]): string {
  return errors.map((e) => `${e.file}:${e.line}: ${e.message}\n`).join('');
}

export class LessonFormatError extends Error {
  constructor(readonly errors: LessonError[]) {
    super(`the lesson has ${errors.length} error(s):\n${formatErrors(errors)}`);
  }
}

export function validateLessonFile(path: string): { errors: LessonError[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { errors: [{ file: path, line: 1, message: `cannot read the file: ${(e as Error).message}` }] };
  }
  return { errors: parseLesson(text, path).errors };
}

/** Parse a lesson file; throws LessonFormatError listing every problem. */
export function loadLesson(path: string): Lesson {
  const r = parseLesson(readFileSync(path, 'utf8'), path);
  if (!r.lesson || r.errors.length) throw new LessonFormatError(r.errors);
  return r.lesson;
}

interface Block {
  kind: BlockKind;
  /** file line of the opening fence */
  line: number;
  body: string;
}

interface Section {
  title: string;
  line: number;
  prose: string[];
  blocks: Block[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

export function parseLesson(text: string, file: string): ParseResult {
  const errors: LessonError[] = [];
  const err = (line: number, message: string) => errors.push({ file, line, message });
  const lines = text.split(/\r?\n/);

  // front matter
  let start = 0;
  let front: Record<string, unknown> | null = null;
  let frontLines: Record<string, number> = {};
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'));
    if (end < 0) {
      err(1, 'the front matter has no closing `---` line');
      return { lesson: null, errors };
    }
    const got = readYamlMap(lines.slice(1, end).join('\n'), 2, err, 'front matter', FRONT_MATTER.required, FRONT_MATTER.optional, 1);
    front = got?.values ?? null;
    frontLines = got?.lines ?? {};
    start = end + 1;
  } else {
    err(1, `missing front matter: start the file with a --- line, then ${FRONT_MATTER.required.join(', ')}, then ---`);
  }

  // sections
  const intro: string[] = [];
  const sections: Section[] = [];
  let fence: { marker: string; line: number; kind: BlockKind | null; body: string[] } | null = null;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i];
    const n = i + 1;
    const cur = sections[sections.length - 1];
    if (fence) {
      const close = l.match(/^ {0,3}(`{3,}|~{3,})\s*$/);
      if (close && close[1][0] === fence.marker[0] && close[1].length >= fence.marker.length) {
        if (fence.kind) {
          if (cur) cur.blocks.push({ kind: fence.kind, line: fence.line, body: fence.body.join('\n') });
          else err(fence.line, `a \`${fence.kind}\` block needs a \`## \` heading above it (the step's title)`);
        } else (cur ? cur.prose : intro).push(l);
        fence = null;
      } else if (fence.kind) fence.body.push(l);
      else (cur ? cur.prose : intro).push(l);
      continue;
    }
    const open = l.match(FENCE);
    if (open) {
      const info = open[2].toLowerCase();
      const kind = (BLOCK_KINDS as readonly string[]).includes(info) ? (info as BlockKind) : null;
      if (!kind && info.length >= 3) {
        const near = nearest(info, BLOCK_KINDS);
        if (near && near !== info) err(n, `unknown block kind \`${info}\`; did you mean \`${near}\`? (blocks are ${BLOCK_KINDS.join(', ')})`);
      }
      fence = { marker: open[1], line: n, kind, body: [] };
      if (!kind) (cur ? cur.prose : intro).push(l);
      continue;
    }
    const h = l.match(/^##\s+(.*?)\s*#*\s*$/);
    if (h && !l.startsWith('###')) {
      sections.push({ title: h[1], line: n, prose: [], blocks: [] });
      continue;
    }
    (cur ? cur.prose : intro).push(l);
  }
  if (fence) err(fence.line, 'this fenced block is never closed');

  // front matter fields
  const modes: LessonMode[] = [];
  let id = '';
  if (front) {
    const fl = (k: string) => frontLines[k] ?? 1;
    id = String(front.id ?? '');
    if ('id' in front) {
      if (typeof front.id !== 'string' || !ID_PATTERN.test(front.id)) err(fl('id'), 'id: use lower-case words joined by dashes, e.g. first-container');
      const m = basename(file).match(FILE_PATTERN);
      if (!m) err(1, `the file name should be NN-slug.md (e.g. 01-${id || 'first-container'}.md)`);
      else if (m[2] !== id) err(fl('id'), `id \`${id}\` differs from the file's slug \`${m[2]}\`; make them the same`);
    }
    for (const k of ['title', 'summary'] as const) {
      if (k in front && (typeof front[k] !== 'string' || !String(front[k]).trim())) err(fl(k), `${k}: write it as text`);
    }
    if ('minutes' in front && !(typeof front.minutes === 'number' && front.minutes > 0)) err(fl('minutes'), 'minutes: a positive number (how long the lesson takes)');
    if ('modes' in front) {
      const raw = front.modes === 'both' ? ['sim', 'real'] : Array.isArray(front.modes) ? front.modes : [front.modes];
      for (const m of raw) {
        if (m === 'sim' || m === 'real') modes.push(m);
        else err(fl('modes'), `modes: \`${String(m)}\` is not a mode; use sim, real, or both`);
      }
      if (!raw.length) err(fl('modes'), 'modes: name at least one of sim, real');
    }
    if ('requires' in front && !(Array.isArray(front.requires) && front.requires.every((r) => typeof r === 'string'))) {
      err(fl('requires'), 'requires: a list of words, e.g. [root]');
    }
  }

  // steps
  const steps: Step[] = [];
  const seen = new Map<string, number>();
  for (const s of sections) {
    if (s.blocks.length === 0) {
      err(s.line, `the section "${s.title}" has no \`step\`, \`quiz\` or \`task\` block; each \`## \` heading is a step (use ### for sub-headings)`);
      continue;
    }
    for (const extra of s.blocks.slice(1)) err(extra.line, `a second \`${extra.kind}\` block under "${s.title}"; give each step its own \`## \` heading`);
    const b = s.blocks[0];
    const step = parseBlock(b, s, modes, err);
    if (!step) continue;
    const before = seen.get(step.id);
    if (before !== undefined) err(step.line, `duplicate step id \`${step.id}\` (first used on line ${before})`);
    else seen.set(step.id, step.line);
    steps.push(step);
  }
  if (front && sections.length === 0) err(lines.length, 'the lesson has no steps: add a `## ` heading with a ```step block under it');

  if (!front || errors.length) return { lesson: null, errors: errors.sort((a, b) => a.line - b.line) };
  return {
    lesson: {
      id,
      title: String(front.title),
      summary: String(front.summary),
      minutes: Number(front.minutes),
      modes,
      requires: (front.requires as string[] | undefined) ?? [],
      lang: basename(dirname(file)),
      file,
      intro: intro.join('\n').trim(),
      steps,
    },
    errors,
  };
}

type Err = (line: number, message: string) => void;

/** Parse YAML whose first line is file line `base`; check a map's keys; values as JS with each key's file line. */
function readYamlMap(
  src: string, base: number, err: Err, where: string, required: readonly string[], optional: readonly string[], anchorLine: number,
): { values: Record<string, unknown>; lines: Record<string, number>; nodes: Record<string, Node | null>; lc: LineCounter } | null {
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) err(base + (lc.linePos(e.pos[0]).line - 1), `${where}: YAML: ${e.message.split('\n')[0]}`);
    return null;
  }
  if (!isMap(doc.contents)) {
    err(anchorLine, `${where}: expected \`key: value\` lines`);
    return null;
  }
  return checkMap(doc.contents.items as Pair[], base, lc, err, where, required, optional, anchorLine);
}

function lineOfNode(node: unknown, base: number, lc: LineCounter): number {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? base + lc.linePos(r[0]).line - 1 : base;
}

function checkMap(
  items: Pair[], base: number, lc: LineCounter, err: Err, where: string, required: readonly string[], optional: readonly string[], anchorLine: number,
): { values: Record<string, unknown>; lines: Record<string, number>; nodes: Record<string, Node | null>; lc: LineCounter } {
  const values: Record<string, unknown> = {};
  const lines: Record<string, number> = {};
  const nodes: Record<string, Node | null> = {};
  const known = [...required, ...optional];
  for (const p of items) {
    const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
    const line = lineOfNode(p.key, base, lc);
    if (!known.includes(key)) {
      const near = nearest(key, known);
      err(line, `${where}: unknown key \`${key}\`${near ? `; did you mean \`${near}\`?` : ''} (known: ${known.join(', ')})`);
      continue;
    }
    const v = p.value as Node | null;
    values[key] = v && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as unknown as { toJSON(): unknown }).toJSON() : v;
    lines[key] = line;
    nodes[key] = v;
  }
  for (const k of required) if (!(k in values) && !items.some((p) => isScalar(p.key) && String(p.key.value) === k)) err(anchorLine, `${where}: missing \`${k}\`${k === 'hint' ? ' (a hint says what to try, without giving the answer away)' : k === 'solution' ? ' (the commands that solve the task)' : ''}`);
  return { values, lines, nodes, lc };
}

function parseBlock(b: Block, s: Section, modes: LessonMode[], err: Err): Step | null {
  const base = b.line + 1;
  const where = `\`${b.kind}\` block`;
  const spec = BLOCK_KEYS[b.kind];
  const got = readYamlMap(b.body, base, err, where, spec.required, spec.optional, b.line);
  if (!got) return null;
  const { values: v, lines: ln, nodes, lc } = got;
  let ok = true;
  const bad = (line: number, m: string) => {
    ok = false;
    err(line, m);
  };
  const text = (k: string): string => {
    if (!(k in v)) {
      ok = false;
      return '';
    }
    if (typeof v[k] !== 'string' || !String(v[k]).trim()) bad(ln[k], `${where}: \`${k}\` must be non-empty text`);
    return String(v[k] ?? '').trim();
  };
  const id = text('id');
  if (id && !ID_PATTERN.test(id)) bad(ln.id, `${where}: id \`${id}\`: use lower-case words joined by dashes`);
  const hint = text('hint');
  const commands = (k: string): string[] => {
    if (!(k in v)) {
      ok = false;
      return [];
    }
    const raw = typeof v[k] === 'string' ? [v[k]] : v[k];
    if (!Array.isArray(raw) || !raw.length || !raw.every((c) => typeof c === 'string' && c.trim())) {
      bad(ln[k], `${where}: \`${k}\` is a command or a list of commands`);
      return [];
    }
    const list = raw.map((c: string) => c.trim());
    const seqItems = isSeq(nodes[k]) ? (nodes[k] as unknown as { items: unknown[] }).items : [];
    list.forEach((c, i) => {
      const problem = commandProblem(c, modes);
      if (problem) bad(seqItems[i] ? lineOfNode(seqItems[i], base, lc) : ln[k], `${where}: ${problem}`);
    });
    return list;
  };
  const checks = (): Check[] => {
    if (!('checks' in v)) {
      ok = false;
      return [];
    }
    const node = nodes.checks;
    if (!isSeq(node) || !node.items.length) {
      bad(ln.checks, `${where}: \`checks\` is a list of conditions on the lab (at least one)`);
      return [];
    }
    const out: Check[] = [];
    for (const item of node.items) {
      const line = lineOfNode(item, base, lc);
      if (!isMap(item)) {
        bad(line, `${where}: each check is a map, e.g. \`- container: web\``);
        continue;
      }
      const c = parseCheck(item.items as Pair[], base, lc, line, (l, m) => bad(l, `${where}: ${m}`));
      if (c) out.push(c);
    }
    return out;
  };
  const common = { id, title: s.title, text: s.prose.join('\n').trim(), line: b.line, hint };

  if (b.kind === 'step') {
    const cmds = commands('run');
    const notice = 'notice' in v ? text('notice') : '';
    const cs = checks();
    return ok ? ({ ...common, kind: 'run', commands: cmds, notice, checks: cs } satisfies RunStep) : null;
  }
  if (b.kind === 'task') {
    const prompt = text('prompt');
    const solution = commands('solution');
    const cs = checks();
    return ok ? ({ ...common, kind: 'task', prompt, solution, checks: cs } satisfies TaskStep) : null;
  }
  const question = text('question');
  const choices: QuizStep['choices'] = [];
  if ('choices' in v) {
    const node = nodes.choices;
    if (!isSeq(node) || node.items.length < 2) bad(ln.choices, `${where}: \`choices\` is a list of at least two answers`);
    else {
      for (const item of node.items) {
        const line = lineOfNode(item, base, lc);
        if (!isMap(item)) {
          bad(line, `${where}: each choice is a map with text, correct and explain`);
          continue;
        }
        const c = checkMap(item.items as Pair[], base, lc, (l, m) => bad(l, m), `${where}: choice`, CHOICE_KEYS.required, CHOICE_KEYS.optional, line);
        if ('correct' in c.values && typeof c.values.correct !== 'boolean') bad(c.lines.correct, `${where}: choice: \`correct\` is true or false`);
        for (const k of ['text', 'explain']) if (k in c.values && (typeof c.values[k] !== 'string' || !String(c.values[k]).trim())) bad(c.lines[k], `${where}: choice: \`${k}\` must be non-empty text`);
        choices.push({ text: String(c.values.text ?? ''), correct: c.values.correct === true, explain: String(c.values.explain ?? '') });
      }
      if (choices.length >= 2 && !choices.some((c) => c.correct)) bad(ln.choices, `${where}: no choice is marked \`correct: true\`; a quiz needs a right answer`);
    }
  } else ok = false;
  return ok ? ({ ...common, kind: 'quiz', question, choices } satisfies QuizStep) : null;
}

function parseCheck(items: Pair[], base: number, lc: LineCounter, line: number, bad: Err): Check | null {
  const keys = items.map((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)));
  const kinds = keys.filter((k) => k in CHECK_KINDS && k !== 'container');
  let kind: string;
  if (kinds.length > 1) {
    bad(line, `a check has one kind, this one names ${kinds.join(' and ')}; split it into two checks`);
    return null;
  } else if (kinds.length === 1) kind = kinds[0];
  else if (keys.includes('container')) kind = 'container';
  else {
    const first = keys[0] ?? '';
    const near = nearest(first, Object.keys(CHECK_KINDS));
    bad(line, `unknown check kind \`${first}\`${near ? `; did you mean \`${near}\`?` : ''} (kinds: ${Object.keys(CHECK_KINDS).join(', ')})`);
    return null;
  }
  const spec = CHECK_KINDS[kind];
  const required = spec.needsContainer ? [kind, 'container'] : [kind];
  const optional = Object.keys(spec.keys).filter((k) => !required.includes(k));
  let ok = true;
  const m = checkMap(items, base, lc, (l, msg) => {
    ok = false;
    bad(l, msg);
  }, `${kind} check`, required, optional, line);
  const v = m.values;
  if (kind in v && !matchesType(spec.subject, v[kind])) {
    ok = false;
    bad(m.lines[kind], `${kind} check: \`${kind}\` must be ${describeType(spec.subject)}`);
  }
  for (const [k, t] of Object.entries(spec.keys)) {
    if (k in v && !matchesType(t, v[k])) {
      ok = false;
      bad(m.lines[k], `${kind} check: \`${k}\` must be ${describeType(t)}`);
    }
  }
  if (!ok) return null;
  const name = (x: unknown) => String(x);
  switch (kind) {
    case 'container':
      return { kind: 'container', name: name(v.container), status: v.status as 'running' | undefined, exitCode: v.exitCode as number | undefined, oomKilled: v.oomKilled as boolean | undefined, exists: v.exists as boolean | undefined };
    case 'file':
      return { kind: 'file', container: name(v.container), path: name(v.file), contains: v.contains === undefined ? undefined : name(v.contains), absent: v.absent as boolean | undefined, inUpperLayer: v.inUpperLayer as boolean | undefined, whiteout: v.whiteout as boolean | undefined };
    case 'cgroup':
      return { kind: 'cgroup', container: name(v.container), file: name(v.cgroup), equals: v.equals === undefined ? undefined : name(v.equals), atLeast: v.atLeast as number | undefined };
    case 'namespace':
      return { kind: 'namespace', container: name(v.container), type: v.namespace as 'pid', differsFromHost: v.differsFromHost !== false };
    case 'image':
      return { kind: 'image', name: name(v.image), exists: v.exists as boolean | undefined, layers: v.layers as number | undefined };
    case 'volume':
      return { kind: 'volume', name: name(v.volume), exists: v.exists as boolean | undefined };
    default:
      return { kind: 'exit', code: v.exit as number };
  }
}

const VALUE_FLAGS = new Set(['-e', '--env', '-w', '--workdir', '-h', '--hostname', '-v', '--volume', '--name', '-m', '--memory', '--pids-limit', '--cpus', '--entrypoint', '-u', '--user', '--mode']);

/** Why a lesson command cannot run, or null. */
export function commandProblem(command: string, modes: LessonMode[]): string | null {
  if (command.startsWith('$ ')) {
    return modes.includes('sim') ? `\`${command}\` is a raw command; a lesson that runs in sim mode uses only \`boxlab ...\` commands` : null;
  }
  if (!/^boxlab(\s|$)/.test(command)) {
    return `\`${command}\` is not a boxlab command; write \`boxlab ...\`${modes.includes('sim') ? '' : ' (or `$ ...` for a raw command in a real-only lesson)'}`;
  }
  let words: string[];
  try {
    words = splitWords(command);
  } catch (e) {
    return (e as Error).message;
  }
  const verbAt = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
  if (verbAt < 0) return `\`${command}\` names no boxlab verb`;
  const verb = words[verbAt] === 'container' ? words[verbAt + 1] : words[verbAt];
  if (verb === 'run' || verb === 'create' || verb === 'exec') {
    for (let i = verbAt + 1; i < words.length; i++) {
      const w = words[i];
      if (w === verb || !w.startsWith('-')) {
        if (w === verb) continue;
        break;
      }
      if (INTERACTIVE_FLAGS.includes(w)) return `\`${w}\` needs a terminal, which a lesson's command does not have; leave it out`;
      if (VALUE_FLAGS.has(w)) i++;
    }
  }
  return null;
}
