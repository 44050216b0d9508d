// The only function the CLI calls: start the interactive UI and resolve when the student quits.
import { createElement } from 'react';
import { render } from 'ink';
import type { LessonRunner } from '../lesson/types.js';
import { App } from './app.js';
import { loadMarkdown } from './markdown.js';
import type { Lang } from './i18n.js';
import { colorAllowed } from './theme.js';
import type { LessonProgress } from './use-lesson-runner.js';

export interface StartUiOptions {
  runners: () => Promise<LessonRunner[]> | LessonRunner[];
  mode: 'sim' | 'real';
  /** one line from doctor: what works, and why real mode is unavailable if it is; a function runs after the first frame */
  doctorLine: string | (() => Promise<string>);
  lang: Lang;
  /** saved progress per lesson id (from the progress store), to resume */
  progress?: Record<string, LessonProgress>;
  /** called on every change of position or completed steps, to save it */
  onProgress?: (lessonId: string, progress: LessonProgress) => void;
  /** open one lesson directly */
  lessonId?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/** Draw the UI on the terminal until the student quits (q). Needs a TTY on stdin and stdout. */
export async function startUi(opts: StartUiOptions): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new Error('The interactive UI needs a terminal; use `boxlab lesson list` and `boxlab lesson run ID` instead.');
  }
  // keys pressed while the UI starts must reach it as keys: in the terminal's line mode a quick
  // Enter would arrive as "\n", which is no Enter to a key reader
  stdin.setRawMode(true);
  const later = typeof opts.doctorLine === 'function' ? opts.doctorLine : null;
  let told: (line: string) => void = () => undefined;
  const app = createElement(App, {
    runners: opts.runners,
    mode: opts.mode,
    doctorLine: later ? new Promise<string>((r) => (told = r)) : (opts.doctorLine as string),
    lang: opts.lang,
    progress: opts.progress,
    onProgress: opts.onProgress,
    lessonId: opts.lessonId,
    color: colorAllowed(),
  });
  const instance = render(app, { stdin, stdout, exitOnCtrlC: true, patchConsole: true });
  // the doctor's checks (they run programs) and the lesson screen's Markdown renderer come after
  // the first frame, while the home screen is read
  if (later) setTimeout(() => void later().then(told), 0);
  setTimeout(() => void loadMarkdown().catch(() => undefined), 30);
  await instance.waitUntilExit();
}
