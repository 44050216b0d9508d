// boxlab lesson list|run|validate|reset and boxlab progress export|import: the lessons without
// the full-screen UI — plain text to read (screen readers, handouts), JSON lines for tools, and
// an exit code CI can trust (non-zero when a check fails).
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Argv, CommandModule } from 'yargs';
import { lessonHost } from '../run-in-process.js';
import { UserError } from '../../engine/errors.js';
import type { LabEvent } from '../../engine/events.js';
import { explainEvent, uiWords, LANGS } from '../../explain/events.js';
import { findLessonFile, lessonFiles } from '../../lesson/catalog.js';
import { formatErrors, loadLesson, parseLesson, validateLessonFile, LessonFormatError } from '../../lesson/parse.js';
import { ProgressError, ProgressStore } from '../../lesson/progress.js';
import { createRunner, lessonHome } from '../../lesson/runner.js';
import type { CheckResult, CommandResult, Lesson, LessonMode, Step } from '../../lesson/types.js';
import { exit, io, modeOf, type GlobalArgs } from '../context.js';
import { readFileSync } from 'node:fs';

type Args = GlobalArgs & Record<string, unknown>;

function color(): boolean {
  return !!process.stdout.isTTY && !process.env.NO_COLOR;
}

/** Markdown as text: rendered with marked-terminal on a colour terminal, else as written (already readable). */
async function markdown(text: string): Promise<string> {
  if (!text) return '';
  if (!color()) return `${text}\n`;
  try {
    const name = 'marked-terminal';
    const { markedTerminal } = (await import(name)) as { markedTerminal: (o?: object) => object };
    const { Marked } = await import('marked');
    const m = new Marked(markedTerminal() as never);
    return String(await m.parse(text));
  } catch {
    return `${text}\n`;
  }
}

function openLesson(ref: string, lang: string): Lesson {
  const file = findLessonFile(ref, lang);
  if (!file) {
    const known = lessonFiles(lang).map((f) => f.split(/[\\/]/).pop()).join(', ');
    throw new UserError(`No lesson ${ref}`, `List them with 'boxlab lesson list'${known ? ` (${known})` : ''}.`);
  }
  try {
    return loadLesson(file);
  } catch (e) {
    if (e instanceof LessonFormatError) throw new UserError(`${file} has errors:\n${formatErrors(e.errors).trimEnd()}`, `Fix them, then: boxlab lesson validate ${file}`);
    throw e;
  }
}

const langOption = { type: 'string', choices: LANGS, default: 'en', describe: 'the language of the lesson and its screens' } as const;

const list: CommandModule<GlobalArgs, Args> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List the lessons, with your progress',
  builder: (y) => y.option('json', { type: 'boolean' }).option('lang', langOption).example('$0 lesson list', '') as Argv<Args>,
  handler: (a) => {
    const w = uiWords(String(a.lang));
    const store = new ProgressStore();
    const rows = lessonFiles(String(a.lang)).map((file) => {
      const r = parseLesson(readFileSync(file, 'utf8'), file);
      const l = r.lesson;
      const p = l ? store.get(l.id) : null;
      return { file, id: l?.id ?? null, title: l?.title ?? null, summary: l?.summary ?? null, minutes: l?.minutes ?? null, modes: l?.modes ?? [], steps: l?.steps.length ?? 0, completed: p?.completed.length ?? 0, position: p?.position ?? 0, errors: r.errors.length };
    });
    if (a.json) {
      for (const r of rows) io.out(JSON.stringify(r) + '\n');
      return;
    }
    if (!rows.length) return void io.out(`${w.noLessons}\n`);
    rows.forEach((r, i) => {
      if (!r.id) return void io.out(`${String(i + 1).padStart(2)}. ${r.file}: ${r.errors} error(s); boxlab lesson validate ${r.file}\n`);
      io.out(`${String(i + 1).padStart(2)}. ${r.id.padEnd(24)} ${r.title}  (${w.minutes(r.minutes ?? 0)}, ${w.progress(r.completed, r.steps)})\n    ${r.summary}\n`);
    });
  },
};

function checkLine(c: CheckResult, w: ReturnType<typeof uiWords>): string {
  return `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.message}${c.ok ? '' : ` (${w.failed})`}\n`;
}

const run: CommandModule<GlobalArgs, Args> = {
  command: 'run <lesson>',
  describe: 'Run a lesson start to end in its own lab: text, commands, output, what changed, checks',
  builder: (y) =>
    y
      .positional('lesson', { type: 'string', describe: 'id (first-container), number (1) or file' })
      .option('json', { type: 'boolean', describe: 'JSON lines, one per lesson, step, command, quiz, check and result' })
      .option('pause', { type: 'boolean', describe: 'wait for Enter between steps (presenting)' })
      .option('lang', langOption)
      .example('$0 lesson run first-container', '')
      .example('$0 lesson run 2 --json', '') as Argv<Args>,
  handler: async (a) => {
    const lang = String(a.lang);
    const w = uiWords(lang);
    const mode: LessonMode = modeOf(a);
    const lesson = openLesson(String(a.lesson), lang);
    if (!lesson.modes.includes(mode)) throw new UserError(`${lesson.id} does not run in ${mode} mode (it runs in: ${lesson.modes.join(', ')})`);
    const json = !!a.json;
    const line = (o: object) => io.out(JSON.stringify(o) + '\n');
    const runner = createRunner(lesson, { mode, ...lessonHost });
    const store = new ProgressStore();
    await runner.reset();
    if (json) line({ type: 'lesson', id: lesson.id, title: lesson.title, summary: lesson.summary, mode, lang: lesson.lang, steps: lesson.steps.length, home: runner.home });
    else io.out(`${w.lesson}: ${lesson.title} (${lesson.id}, ${w.minutes(lesson.minutes)}, ${mode === 'sim' ? w.modeSim : w.modeReal})\n\n${await markdown(lesson.intro)}\n`);
    const failed: string[] = [];
    const rl = a.pause && !json ? createInterface({ input: process.stdin, output: process.stdout }) : null;
    try {
      for (let i = 0; i < lesson.steps.length; i++) {
        const step = lesson.steps[i];
        if (rl && i > 0) await rl.question(`${w.pressEnter}`);
        if (json) line({ type: 'step', index: i, id: step.id, kind: step.kind, title: step.title, text: step.text, hint: step.hint });
        else io.out(`== ${w.step} ${i + 1}/${lesson.steps.length}: ${step.title}\n\n${await markdown(step.text)}\n`);
        const passed = await runStep(runner, step, i, json, lang);
        if (!passed) failed.push(step.id);
        if (step.kind === 'quiz') {
          const right = step.choices.findIndex((c) => c.correct);
          store.answer(lesson.id, step.id, right, true);
        }
        if (passed) store.complete(lesson.id, step.id);
        store.setPosition(lesson.id, Math.min(i + 1, lesson.steps.length - 1));
      }
    } finally {
      rl?.close();
    }
    if (json) line({ type: 'done', id: lesson.id, passed: failed.length === 0, failed });
    else io.out(failed.length ? `${w.lessonFailed(failed)}\n` : `${w.lessonPassed(lesson.steps.length)}\n`);
    if (failed.length) exit.code = 1;
  },
};

async function runStep(runner: ReturnType<typeof createRunner>, step: Step, i: number, json: boolean, lang: string): Promise<boolean> {
  const w = uiWords(lang);
  const line = (o: object) => io.out(JSON.stringify(o) + '\n');
  if (step.kind === 'quiz') {
    if (json) {
      line({ type: 'quiz', index: i, id: step.id, question: step.question, choices: step.choices });
      return true;
    }
    io.out(`${w.quiz}: ${step.question}\n`);
    step.choices.forEach((c, n) => io.out(`  ${n + 1}. ${c.text}\n`));
    step.choices.forEach((c, n) => c.correct && io.out(`${w.answer}: ${n + 1}. ${c.explain}\n`));
    io.out('\n');
    return true;
  }
  if (step.kind === 'task' && !json) io.out(`${w.task}: ${step.prompt}\n${w.hint}: ${step.hint}\n${w.solution}:\n`);
  const printCommand = (r: CommandResult) => {
    const events = r.events.map((e: LabEvent) => ({ kind: e.kind, ...explainEvent(e, lang) }));
    if (json) return line({ type: 'command', step: step.id, command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, events });
    io.out(`$ ${r.command}\n${r.stdout}${r.stderr}`);
    if (r.exitCode !== 0) io.out(`(${w.exitCode} ${r.exitCode})\n`);
    if (events.length) {
      io.out(`${w.whatChanged}:\n`);
      for (const e of events) io.out(`  - ${e.text}  $ ${e.command}\n`);
    }
    io.out('\n');
  };
  const result = { commands: [] as CommandResult[] };
  const list = step.kind === 'run' ? step.commands : step.solution;
  for (const c of list) {
    const r = await runner.runCommand(c);
    result.commands.push(r);
    printCommand(r);
  }
  const checks = await runner.checkStep(i);
  const passed = checks.every((c) => c.ok);
  if (json) {
    for (const c of checks) line({ type: 'check', step: step.id, ok: c.ok, message: c.message, check: c.check });
    line({ type: 'step-result', step: step.id, passed });
  } else {
    if (step.kind === 'run' && step.notice) io.out(`${w.notice}: ${step.notice}\n`);
    io.out(`${w.checks}:\n`);
    for (const c of checks) io.out(checkLine(c, w));
    if (!passed) io.out(`${w.hint}: ${step.hint}\n`);
    io.out('\n');
  }
  return passed;
}

const validate: CommandModule<GlobalArgs, Args> = {
  command: 'validate <files..>',
  describe: 'Check lesson files; every problem as FILE:LINE: message',
  builder: (y) => y.positional('files', { type: 'string', array: true }).example('$0 lesson validate lessons/en/*.md', '') as Argv<Args>,
  handler: (a) => {
    let bad = 0;
    for (const f of a.files as string[]) {
      const { errors } = validateLessonFile(f);
      if (errors.length) {
        bad++;
        io.err(formatErrors(errors));
      } else io.out(`${uiWords('en').valid(f)}\n`);
    }
    if (bad) exit.code = 1;
  },
};

const reset: CommandModule<GlobalArgs, Args> = {
  command: 'reset <lesson>',
  describe: "Clear one lesson's progress and remove its lab (asks first on a terminal)",
  builder: (y) =>
    y
      .positional('lesson', { type: 'string' })
      .option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask' })
      .option('lang', langOption)
      .example('$0 lesson reset first-container --yes', '') as Argv<Args>,
  handler: async (a) => {
    const w = uiWords(String(a.lang));
    const lesson = openLesson(String(a.lesson), String(a.lang));
    if (!a.yes && process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(w.resetConfirm(lesson.id)).finally(() => rl.close());
      if (!/^y(es)?$/i.test(answer.trim())) return void io.out(`${w.resetCancelled}\n`);
    }
    new ProgressStore().reset(lesson.id);
    const runner = createRunner(lesson, { mode: modeOf(a), ...lessonHost });
    await runner.reset();
    rmSync(lessonHome(lesson.id), { recursive: true, force: true });
    io.out(`${w.resetDone(lesson.id)}\n`);
  },
};

export const lessonGroup: CommandModule<GlobalArgs, Args> = {
  command: 'lesson <command>',
  describe: 'Lessons: list, run one start to end, validate files, reset',
  builder: (y) =>
    y
      .command(list as never)
      .command(run as never)
      .command(validate as never)
      .command(reset as never)
      .demandCommand(1, 'Name a lesson command: list, run, validate or reset.') as Argv<Args>,
  handler: () => undefined,
};

function progressError(e: unknown): never {
  if (e instanceof ProgressError) throw new UserError(e.message);
  throw e;
}

export const progressGroup: CommandModule<GlobalArgs, Args> = {
  command: 'progress <command>',
  describe: 'Move your lesson progress to another machine: export, import',
  builder: (y) =>
    y
      .command({
        command: 'export <file>',
        describe: 'Write your progress to FILE (JSON)',
        handler: (a: Args) => {
          try {
            new ProgressStore().exportTo(String(a.file));
          } catch (e) {
            progressError(e);
          }
          io.out(`${uiWords('en').exported(String(a.file))}\n`);
        },
      } as never)
      .command({
        command: 'import <file>',
        describe: 'Merge progress from FILE (made by progress export)',
        handler: (a: Args) => {
          let ids: string[] = [];
          try {
            ids = new ProgressStore().importFrom(String(a.file));
          } catch (e) {
            progressError(e);
          }
          io.out(`${uiWords('en').imported(ids.length, String(a.file))}\n`);
        },
      } as never)
      .demandCommand(1, 'Name a progress command: export or import.') as Argv<Args>,
  handler: () => undefined,
};

