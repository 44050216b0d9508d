// The lesson screen's state as a reducer: which step, what each step showed (output, events,
// checks), hints, quiz choices, the "your turn" input line and a notice. Pure, so every
// transition is tested without rendering; use-lesson-runner.ts drives a LessonRunner with it.
import type { LabEvent } from '../engine/events.js';
import type { CheckResult, CommandResult, Lesson, StepResult } from '../lesson/types.js';
import type { LabView } from './diagrams.js';
import type { OutputBlock } from './panels/StepOutput.js';
import { toLines } from './text.js';

export type StepStatus = 'idle' | 'running' | 'passed' | 'failed' | 'error';

export interface StepState {
  status: StepStatus;
  blocks: OutputBlock[];
  events: LabEvent[];
  checks: CheckResult[];
  /** what a runner's view() observed after the step */
  view?: LabView;
  error?: string;
  /** 0 nothing, 1 the hint, 2 the hint and the solution */
  hint: 0 | 1 | 2;
  quiz: { selected: number; answer?: { choice: number; correct: boolean; explain: string } };
}

export type Notice =
  | { kind: 'resetting' | 'resetDone' | 'compareUnavailable' | 'busy' | 'lastStep' | 'firstStep' }
  | { kind: 'runFailed'; message: string }
  | { kind: 'interactive'; command: string };

export interface LessonUiState {
  index: number;
  steps: StepState[];
  busy: boolean;
  notice: Notice | null;
  /** the "your turn" input line while it is open */
  typing: string | null;
  /** lines of lesson text scrolled past */
  scroll: number;
}

export type LessonAction =
  | { type: 'next' }
  | { type: 'prev' }
  | { type: 'goto'; index: number }
  | { type: 'hint' }
  | { type: 'scroll'; delta: number }
  | { type: 'run.start'; index: number; commands: string[] }
  | { type: 'run.event'; index: number; event: LabEvent }
  | { type: 'run.done'; index: number; result: StepResult }
  | { type: 'run.error'; index: number; message: string }
  | { type: 'command.start'; index: number; command: string }
  | { type: 'command.done'; index: number; result: CommandResult; checks: CheckResult[]; streamed: number }
  | { type: 'view'; index: number; view: LabView }
  | { type: 'quiz.select'; choice: number }
  | { type: 'quiz.move'; delta: number }
  | { type: 'quiz.answered'; index: number; choice: number; correct: boolean; explain: string }
  | { type: 'type.start' }
  | { type: 'type.input'; text: string }
  | { type: 'type.backspace' }
  | { type: 'type.cancel' }
  | { type: 'reset.start' }
  | { type: 'reset.done' }
  | { type: 'reset.error'; message: string }
  | { type: 'notice'; notice: Notice | null };

export interface SavedPosition {
  position?: number;
  completed?: string[];
}

const idleStep = (): StepState => ({ status: 'idle', blocks: [], events: [], checks: [], hint: 0, quiz: { selected: 0 } });

/** The state a lesson opens in, resuming a saved position and completed steps. */
export function initialLessonState(lesson: Lesson, saved: SavedPosition = {}): LessonUiState {
  const done = new Set(saved.completed ?? []);
  const steps = lesson.steps.map((s) => ({ ...idleStep(), status: done.has(s.id) ? ('passed' as const) : ('idle' as const) }));
  const last = Math.max(0, lesson.steps.length - 1);
  return { index: Math.min(Math.max(0, saved.position ?? 0), last), steps, busy: false, notice: null, typing: null, scroll: 0 };
}

/** A command's output as a block. */
export function blockOf(r: CommandResult): OutputBlock {
  return { command: r.command, stdout: toLines(r.stdout), stderr: toLines(r.stderr), exitCode: r.exitCode };
}

function patch(state: LessonUiState, index: number, f: (s: StepState) => Partial<StepState>): LessonUiState {
  const cur = state.steps[index];
  if (!cur) return state;
  const steps = state.steps.slice();
  steps[index] = { ...cur, ...f(cur) };
  return { ...state, steps };
}

/** How far the hint goes for a step: tasks also reveal a solution. */
export function hintLevels(lesson: Lesson, index: number): 1 | 2 {
  return lesson.steps[index]?.kind === 'task' ? 2 : 1;
}

export function lessonReducer(lesson: Lesson) {
  const count = lesson.steps.length;
  return (state: LessonUiState, action: LessonAction): LessonUiState => {
    const move = (index: number): LessonUiState => ({ ...state, index, scroll: 0, typing: null, notice: null });
    switch (action.type) {
      case 'next':
        return state.index >= count - 1 ? { ...state, notice: { kind: 'lastStep' } } : move(state.index + 1);
      case 'prev':
        return state.index <= 0 ? { ...state, notice: { kind: 'firstStep' } } : move(state.index - 1);
      case 'goto':
        return action.index >= 0 && action.index < count ? move(action.index) : state;
      case 'hint': {
        const max = hintLevels(lesson, state.index);
        return patch(state, state.index, (s) => ({ hint: (s.hint >= max ? 0 : s.hint + 1) as 0 | 1 | 2 }));
      }
      case 'scroll':
        return { ...state, scroll: Math.max(0, state.scroll + action.delta) };
      case 'run.start':
        return {
          ...patch(state, action.index, () => ({
            status: 'running',
            blocks: action.commands.map((command) => ({ command, stdout: [] })),
            events: [],
            checks: [],
            error: undefined,
            view: undefined,
          })),
          busy: true,
          notice: null,
        };
      case 'run.event':
        return patch(state, action.index, (s) => ({ events: [...s.events, action.event] }));
      case 'run.done':
        return {
          ...patch(state, action.index, (s) => ({
            status: action.result.passed ? 'passed' : 'failed',
            blocks: action.result.commands.map(blockOf),
            // events streamed while running win; the result's are the fallback
            events: s.events.length ? s.events : action.result.commands.flatMap((c) => c.events),
            checks: action.result.checks,
          })),
          busy: false,
        };
      case 'run.error':
        return {
          ...patch(state, action.index, () => ({ status: 'error', error: action.message })),
          busy: false,
          notice: { kind: 'runFailed', message: action.message },
        };
      case 'command.start':
        return {
          ...patch(state, action.index, (s) => ({ status: 'running', blocks: [...s.blocks, { command: action.command, stdout: [] }] })),
          busy: true,
          typing: null,
          notice: null,
        };
      case 'command.done':
        return {
          ...patch(state, action.index, (s) => ({
            status: action.checks.length > 0 && action.checks.every((c) => c.ok) ? 'passed' : 'failed',
            blocks: [...s.blocks.slice(0, -1), blockOf(action.result)],
            events: action.streamed > 0 ? s.events : [...s.events, ...action.result.events],
            checks: action.checks,
          })),
          busy: false,
        };
      case 'view':
        return patch(state, action.index, () => ({ view: action.view }));
      case 'quiz.select': {
        const step = lesson.steps[state.index];
        if (step?.kind !== 'quiz' || action.choice < 0 || action.choice >= step.choices.length) return state;
        return patch(state, state.index, (s) => ({ quiz: { ...s.quiz, selected: action.choice } }));
      }
      case 'quiz.move': {
        const step = lesson.steps[state.index];
        if (step?.kind !== 'quiz') return state;
        const n = step.choices.length;
        return patch(state, state.index, (s) => ({ quiz: { ...s.quiz, selected: (s.quiz.selected + action.delta + n) % n } }));
      }
      case 'quiz.answered':
        return patch(state, action.index, () => ({
          status: action.correct ? 'passed' : 'failed',
          quiz: { selected: action.choice, answer: { choice: action.choice, correct: action.correct, explain: action.explain } },
        }));
      case 'type.start':
        return lesson.steps[state.index]?.kind === 'task' ? { ...state, typing: '', notice: null } : state;
      case 'type.input':
        return state.typing === null ? state : { ...state, typing: state.typing + action.text };
      case 'type.backspace':
        return state.typing === null ? state : { ...state, typing: state.typing.slice(0, -1) };
      case 'type.cancel':
        return { ...state, typing: null };
      case 'reset.start':
        return { ...state, busy: true, typing: null, notice: { kind: 'resetting' } };
      case 'reset.done':
        return { ...state, busy: false, steps: state.steps.map(idleStep), notice: { kind: 'resetDone' } };
      case 'reset.error':
        return { ...state, busy: false, notice: { kind: 'runFailed', message: action.message } };
      case 'notice':
        return { ...state, notice: action.notice };
    }
  };
}
