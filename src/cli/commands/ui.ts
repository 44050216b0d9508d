// `boxlab` with no command: the interactive lab (lessons, what changed, diagrams). Without a
// terminal it says how to use the lessons from the command line instead.
import type { Argv, CommandModule } from 'yargs';
import { loadLessons } from '../../lesson/catalog.js';
import { ProgressStore } from '../../lesson/progress.js';
import { createRunner } from '../../lesson/runner.js';
import { probe } from '../../kernel/real/probe.js';
import { io, modeOf, type GlobalArgs } from '../context.js';
import { lessonHost } from '../run-in-process.js';
import { TOUR } from './system.js';

type Args = GlobalArgs & Record<string, unknown>;

export const ui: CommandModule<GlobalArgs, Args> = {
  command: '$0',
  describe: 'Open the interactive lab (the default)',
  builder: (y) =>
    y
      .option('lang', { type: 'string', choices: ['en', 'zh'], default: 'en', describe: 'language of the lessons and the UI' })
      .option('lesson', { type: 'string', describe: 'open this lesson directly' }) as Argv<Args>,
  handler: async (a) => {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      io.out(TOUR(process.env.npm_lifecycle_event ? 'npx boxlab' : 'boxlab'));
      io.out('\nThe interactive lab needs a terminal. Without one: boxlab lesson list, boxlab lesson run ID.\n');
      return;
    }
    const mode = modeOf(a);
    const lang = a.lang === 'zh' ? 'zh' : 'en';
    // the doctor's checks run programs: the home screen draws first, and its line follows
    const doctorLine = () =>
      probe().then(
        (d) => `sim: ready · real: ${d.realReady ? 'ready' : `not available (${d.why[0]})`}`,
        (e: unknown) => `sim: ready · real: not checked (${e instanceof Error ? e.message : String(e)})`,
      );
    const store = new ProgressStore();
    const lessons = loadLessons(lang);
    const progress = Object.fromEntries(lessons.map((l) => [l.id, { position: store.get(l.id).position, completed: store.get(l.id).completed }]));
    const { startUi } = await import('../../ui/render.js');
    await startUi({
      runners: () => lessons.map((l) => createRunner(l, { mode, ...lessonHost })),
      mode,
      doctorLine,
      lang,
      progress,
      lessonId: a.lesson as string | undefined,
      onProgress: (id, p) => {
        store.setPosition(id, p.position);
        for (const s of p.completed) store.complete(id, s);
      },
    });
  },
};
