// A LessonRunner test double: a three-step lesson (run, quiz, task) whose run step emits a
// namespace event and prints output; it records every call so tests can assert on them.
import type { LabEvent } from '../../src/engine/events.js';
import type { CheckResult, CommandResult, Lesson, LessonRunner, StepResult } from '../../src/lesson/types.js';

export function fakeLesson(id = 'a-container-is-a-process'): Lesson {
  return {
    id,
    title: 'A container is a process',
    summary: 'Namespaces one by one.',
    minutes: 10,
    modes: ['sim', 'real'],
    requires: [],
    lang: 'en',
    file: `lessons/en/${id}.md`,
    intro: 'A container is an ordinary process with its own view of the machine.',
    steps: [
      {
        kind: 'run', id: 'pid-ns', title: 'A new PID namespace', text: 'Run a shell in its own **PID namespace**.', line: 10,
        hint: 'Look at the PID column.', commands: ['boxlab run --name c1 base ps'], notice: 'The shell is PID 1.', checks: [],
      },
      {
        kind: 'quiz', id: 'q1', title: 'Which PID?', text: 'Think about it.', line: 20, hint: 'Inside its own namespace.',
        question: 'Which PID does the first process in a new PID namespace get?',
        choices: [
          { text: 'The same as on the host', correct: false, explain: 'The host numbers it differently.' },
          { text: '1', correct: true, explain: 'It is init of its namespace.' },
        ],
      },
      {
        kind: 'task', id: 't1', title: 'Your turn', text: 'Set a hostname.', line: 30, hint: 'Use hostname.',
        prompt: 'Give the container the hostname lab.', solution: ['boxlab exec c1 hostname lab'], checks: [],
      },
    ],
  };
}

export const NS_EVENT: LabEvent = { kind: 'namespace.create', nsType: 'pid', id: 4026532001, hostId: 4026531836, pid: 4242, command: 'unshare --pid --fork sh', at: 0 };

export class FakeRunner implements LessonRunner {
  readonly calls: string[] = [];
  output = 'PID   USER  COMMAND\n1     root  ps\n';
  /** hold runStep until release() is called */
  hold = false;
  private pending: (() => void)[] = [];
  constructor(readonly lesson: Lesson = fakeLesson()) {}

  release(): void {
    for (const p of this.pending.splice(0)) p();
  }

  async runStep(index: number, onEvent?: (e: LabEvent) => void): Promise<StepResult> {
    this.calls.push(`runStep ${index}`);
    const step = this.lesson.steps[index];
    onEvent?.(NS_EVENT);
    if (this.hold) await new Promise<void>((r) => this.pending.push(r));
    const commands: CommandResult[] = (step.kind === 'run' ? step.commands : []).map((command) => ({
      command, stdout: this.output, stderr: '', exitCode: 0, events: [NS_EVENT],
    }));
    return { stepId: step.id, commands, checks: [{ check: { kind: 'exit', code: 0 }, ok: true, message: 'ps exited with 0' }], passed: true };
  }

  async runCommand(command: string, onEvent?: (e: LabEvent) => void): Promise<CommandResult> {
    this.calls.push(`runCommand ${command}`);
    const event: LabEvent = { kind: 'uts.hostname', hostname: 'lab', pid: 4242, command: 'hostname lab', at: 0 };
    onEvent?.(event);
    return { command, stdout: '', stderr: '', exitCode: 0, events: [event] };
  }

  async checkStep(index: number): Promise<CheckResult[]> {
    this.calls.push(`checkStep ${index}`);
    return [{ check: { kind: 'exit', code: 0 }, ok: true, message: 'hostname is lab' }];
  }

  answer(index: number, choice: number): { correct: boolean; explain: string } {
    this.calls.push(`answer ${index} ${choice}`);
    const step = this.lesson.steps[index];
    if (step.kind !== 'quiz') throw new Error('not a quiz');
    const c = step.choices[choice];
    return { correct: c.correct, explain: c.explain };
  }

  async reset(): Promise<void> {
    this.calls.push('reset');
  }
}
