// Lessons as data: a Markdown file with front matter and fenced step blocks (see lessons/README.md),
// parsed into these shapes; the runner executes steps against a lab and judges them by checks on
// the lab's state, never by matching output text alone.
import type { LabEvent } from '../engine/events.js';

export type LessonMode = 'sim' | 'real';

export interface Lesson {
  id: string;
  title: string;
  summary: string;
  minutes: number;
  modes: LessonMode[];
  /** e.g. root, qemu */
  requires: string[];
  lang: string;
  file: string;
  /** Markdown before the first step */
  intro: string;
  steps: Step[];
}

interface StepBase {
  id: string;
  title: string;
  /** the Markdown that explains the step */
  text: string;
  /** line of the step block in the file, for FILE:LINE messages */
  line: number;
  hint: string;
}

/** Run commands (boxlab commands; `$ ` raw commands only in real mode), then check the lab. */
export interface RunStep extends StepBase {
  kind: 'run';
  commands: string[];
  /** what to notice in the result */
  notice: string;
  checks: Check[];
}

export interface QuizStep extends StepBase {
  kind: 'quiz';
  question: string;
  choices: { text: string; correct: boolean; explain: string }[];
}

/** "Your turn": the student types commands; checks decide when it is done. */
export interface TaskStep extends StepBase {
  kind: 'task';
  prompt: string;
  solution: string[];
  checks: Check[];
}

export type Step = RunStep | QuizStep | TaskStep;

/** A condition on the lab's state. */
export type Check =
  | { kind: 'container'; name: string; status?: 'created' | 'running' | 'exited'; exitCode?: number; oomKilled?: boolean; exists?: boolean }
  | { kind: 'file'; container: string; path: string; contains?: string; absent?: boolean; inUpperLayer?: boolean; /** an overlay whiteout for path in the writable layer */ whiteout?: boolean }
  | { kind: 'cgroup'; container: string; file: string; equals?: string; atLeast?: number }
  | { kind: 'namespace'; container: string; type: 'pid' | 'mnt' | 'uts' | 'ipc' | 'net' | 'user' | 'cgroup'; differsFromHost: boolean }
  | { kind: 'image'; name: string; exists?: boolean; layers?: number }
  | { kind: 'volume'; name: string; exists?: boolean }
  | { kind: 'exit'; code: number };

export interface CheckResult {
  check: Check;
  ok: boolean;
  /** one sentence: what was found */
  message: string;
}

export interface CommandResult {
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  events: LabEvent[];
}

export interface StepResult {
  stepId: string;
  commands: CommandResult[];
  checks: CheckResult[];
  passed: boolean;
}

/** What the UI and `boxlab lesson run` drive. */
export interface LessonRunner {
  readonly lesson: Lesson;
  runStep(index: number, onEvent?: (e: LabEvent) => void): Promise<StepResult>;
  /** a command typed by the student for a task step */
  runCommand(command: string, onEvent?: (e: LabEvent) => void): Promise<CommandResult>;
  checkStep(index: number): Promise<CheckResult[]>;
  answer(index: number, choice: number): { correct: boolean; explain: string };
  /** remove everything the lesson made: a clean lab */
  reset(): Promise<void>;
}
