// The lesson screen's behaviour: a reducer (lesson-state.ts) plus the calls into a LessonRunner.
// `activate` is Enter/Space: run a step, answer a quiz, or open/submit the "your turn" line.
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { LessonRunner } from '../lesson/types.js';
import type { ViewableRunner } from './diagrams.js';
import { initialLessonState, lessonReducer, type LessonUiState, type SavedPosition } from './lesson-state.js';

export interface LessonProgress {
  position: number;
  completed: string[];
}

export interface UseLessonRunnerOptions {
  saved?: SavedPosition;
  onProgress?: (lessonId: string, progress: LessonProgress) => void;
}

/** Full-screen programs that would fight the UI for the terminal. */
const FULL_SCREEN = new Set(['vi', 'vim', 'nvim', 'nano', 'emacs', 'less', 'more', 'most', 'man', 'top', 'htop', 'watch', 'tmux', 'screen']);

/** The program a command line starts, if it is a full-screen one. */
export function fullScreenProgram(command: string): string | null {
  const first = command.trim().split(/\s+/)[0] ?? '';
  const name = first.split('/').pop() ?? '';
  return FULL_SCREEN.has(name) ? name : null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface LessonControls {
  state: LessonUiState;
  activate(): void;
  next(): void;
  prev(): void;
  hint(): void;
  reset(): void;
  compare(): void;
  selectChoice(choice: number): void;
  moveChoice(delta: number): void;
  scroll(delta: number): void;
  typeInput(text: string): void;
  typeBackspace(): void;
  typeCancel(): void;
}

export function useLessonRunner(runner: LessonRunner, opts: UseLessonRunnerOptions = {}): LessonControls {
  const lesson = runner.lesson;
  const reducer = useMemo(() => lessonReducer(lesson), [lesson]);
  const [state, dispatch] = useReducer(reducer, undefined, () => initialLessonState(lesson, opts.saved));
  const live = useRef(true);
  const stateRef = useRef(state);
  stateRef.current = state;
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  const send: typeof dispatch = useCallback((a) => {
    if (live.current) dispatch(a);
  }, []);

  const onProgress = opts.onProgress;
  const statuses = state.steps.map((s) => s.status).join(',');
  useEffect(() => {
    if (!onProgress) return;
    const completed = lesson.steps.filter((_, i) => state.steps[i]?.status === 'passed').map((s) => s.id);
    onProgress(lesson.id, { position: state.index, completed });
    // statuses stands for state.steps' statuses
  }, [state.index, statuses, lesson, onProgress]);

  const observe = useCallback(
    async (index: number) => {
      const view = (runner as ViewableRunner).view;
      if (typeof view !== 'function') return;
      try {
        send({ type: 'view', index, view: await view.call(runner) });
      } catch {
        // a view is a bonus; the events still tell the story
      }
    },
    [runner, send],
  );

  const activate = useCallback(() => {
    const s = stateRef.current;
    if (s.busy) {
      send({ type: 'notice', notice: { kind: 'busy' } });
      return;
    }
    const index = s.index;
    const step = lesson.steps[index];
    if (!step) return;
    if (step.kind === 'run') {
      send({ type: 'run.start', index, commands: step.commands });
      runner
        .runStep(index, (event) => send({ type: 'run.event', index, event }))
        .then(async (result) => {
          send({ type: 'run.done', index, result });
          await observe(index);
        })
        .catch((e: unknown) => send({ type: 'run.error', index, message: message(e) }));
      return;
    }
    if (step.kind === 'quiz') {
      const choice = s.steps[index]?.quiz.selected ?? 0;
      try {
        const { correct, explain } = runner.answer(index, choice);
        send({ type: 'quiz.answered', index, choice, correct, explain });
      } catch (e) {
        send({ type: 'run.error', index, message: message(e) });
      }
      return;
    }
    // a task: the first Enter opens the line, the second runs what was typed
    if (s.typing === null) {
      send({ type: 'type.start' });
      return;
    }
    const command = s.typing.trim();
    if (command === '') return;
    const program = fullScreenProgram(command);
    if (program) {
      send({ type: 'notice', notice: { kind: 'interactive', command: program } });
      return;
    }
    send({ type: 'command.start', index, command });
    let streamed = 0;
    runner
      .runCommand(command, (event) => {
        streamed += 1;
        send({ type: 'run.event', index, event });
      })
      .then(async (result) => {
        const checks = await runner.checkStep(index);
        send({ type: 'command.done', index, result, checks, streamed });
        await observe(index);
      })
      .catch((e: unknown) => send({ type: 'run.error', index, message: message(e) }));
  }, [lesson, runner, send, observe]);

  const reset = useCallback(() => {
    if (stateRef.current.busy) {
      send({ type: 'notice', notice: { kind: 'busy' } });
      return;
    }
    send({ type: 'reset.start' });
    runner
      .reset()
      .then(() => send({ type: 'reset.done' }))
      .catch((e: unknown) => send({ type: 'reset.error', message: message(e) }));
  }, [runner, send]);

  return {
    state,
    activate,
    reset,
    next: () => send({ type: 'next' }),
    prev: () => send({ type: 'prev' }),
    hint: () => send({ type: 'hint' }),
    compare: () => send({ type: 'notice', notice: { kind: 'compareUnavailable' } }),
    selectChoice: (choice) => send({ type: 'quiz.select', choice }),
    moveChoice: (delta) => send({ type: 'quiz.move', delta }),
    scroll: (delta) => send({ type: 'scroll', delta }),
    typeInput: (text) => send({ type: 'type.input', text }),
    typeBackspace: () => send({ type: 'type.backspace' }),
    typeCancel: () => send({ type: 'type.cancel' }),
  };
}
