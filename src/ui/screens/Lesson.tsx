// The lesson screen: text | the step's command and output | what changed, diagrams below, the
// progress line and the keys. Narrow terminals stack the panels; from 120 columns the text sits
// on the left and the rest on the right.
import { Box, Text, useInput } from 'ink';
import type { Lesson as LessonData, LessonRunner } from '../../lesson/types.js';
import { isEmptyView, mergeViews, viewFromEvents } from '../diagrams.js';
import type { Catalogue } from '../i18n.js';
import type { Notice, StepState } from '../lesson-state.js';
import { lessonLayout } from '../layout.js';
import { Diagrams } from '../panels/Diagrams.js';
import { Footer, footerLayout } from '../panels/Footer.js';
import { LessonText } from '../panels/LessonText.js';
import { ModeBadge } from '../panels/ModeBadge.js';
import { ProgressLine, type StepMark } from '../panels/ProgressLine.js';
import { QuizChoices } from '../panels/QuizChoices.js';
import { StepOutput } from '../panels/StepOutput.js';
import { WhatChanged } from '../panels/WhatChanged.js';
import { truncate } from '../text.js';
import { tint, useUi } from '../theme.js';
import { useLessonRunner, type UseLessonRunnerOptions } from '../use-lesson-runner.js';
import type { Size } from '../use-terminal-size.js';

export interface LessonScreenProps extends UseLessonRunnerOptions {
  runner: LessonRunner;
  mode: 'sim' | 'real';
  size: Size;
  onBack(): void;
  onQuit(): void;
  onHelp(): void;
  /** c: the container-vs-VM view (without it, c says the view is not available) */
  onCompare?(): void;
}

/** The Markdown the text panel shows for a step: intro (first step), title, hint, text, prompt. */
export function stepMarkdown(lesson: LessonData, index: number, st: StepState | undefined, t: Catalogue): string {
  const step = lesson.steps[index];
  if (!step) return lesson.intro;
  const parts: string[] = [];
  if (index === 0 && lesson.intro.trim()) parts.push(lesson.intro.trim());
  parts.push(`## ${t.lesson.step} ${index + 1}: ${step.title}`);
  if (st && st.hint >= 1) parts.push(`> **${t.lesson.hint}:** ${step.hint}`);
  if (st && st.hint >= 2 && step.kind === 'task') parts.push(`**${t.lesson.solution}:**\n\n\`\`\`sh\n${step.solution.join('\n')}\n\`\`\``);
  parts.push(step.text.trim());
  if (step.kind === 'run' && st && st.status !== 'idle' && step.notice) parts.push(`**${t.lesson.notice}:** ${step.notice}`);
  if (step.kind === 'quiz') parts.push(`**${step.question}**`);
  if (step.kind === 'task') parts.push(`**${step.prompt}**`);
  return parts.filter(Boolean).join('\n\n');
}

export function noticeText(n: Notice | null, t: Catalogue): string {
  if (!n) return '';
  if (n.kind === 'runFailed') return t.status.runFailed(n.message);
  if (n.kind === 'interactive') return t.lesson.interactiveRefused(n.command);
  return t.status[n.kind];
}

const mark = (s: StepState): StepMark => (s.status === 'passed' ? 'passed' : s.status === 'failed' || s.status === 'error' ? 'failed' : 'pending');

function Title({ text, width }: { text: string; width: number }) {
  const ui = useUi();
  return (
    <Text bold color={tint(ui, 'blue')} wrap="truncate-end">
      {truncate(`── ${text} ${'─'.repeat(Math.max(0, width))}`, width)}
    </Text>
  );
}

export function LessonScreen({ runner, mode, size, onBack, onQuit, onHelp, onCompare, ...opts }: LessonScreenProps) {
  const ui = useUi();
  const t = ui.t;
  const c = useLessonRunner(runner, opts);
  const { state } = c;
  const lesson = runner.lesson;
  const step = lesson.steps[state.index];
  const st = state.steps[state.index];
  const view = st ? mergeViews(viewFromEvents(st.events), st.view) : {};
  const footer = footerLayout(t, 'lesson', size.columns);
  const L = lessonLayout(size.columns, size.rows, { footerRows: footer.length, diagrams: !isEmptyView(view) });

  useInput((input, key) => {
    if (state.typing !== null) {
      if (key.return) c.activate();
      else if (key.escape) c.typeCancel();
      else if (key.backspace || key.delete) c.typeBackspace();
      else if (input && !key.ctrl && !key.meta) c.typeInput(input);
      return;
    }
    const quiz = step?.kind === 'quiz';
    if (key.return || input === ' ') c.activate();
    else if (input === 'n') c.next();
    else if (input === 'p') c.prev();
    else if (input === 'h') c.hint();
    else if (input === 'r') c.reset();
    else if (input === 'c') (onCompare ? onCompare() : c.compare());
    else if (input === '?') onHelp();
    else if (input === 'q') onQuit();
    else if (key.escape) onBack();
    else if (key.pageDown) c.scroll(Math.max(1, L.textHeight - 1));
    else if (key.pageUp) c.scroll(-Math.max(1, L.textHeight - 1));
    else if (quiz && /^[1-9]$/.test(input)) c.selectChoice(Number(input) - 1);
    else if (key.upArrow) (quiz ? c.moveChoice(-1) : c.scroll(-1));
    else if (key.downArrow) (quiz ? c.moveChoice(1) : c.scroll(1));
  });

  const markdown = stepMarkdown(lesson, state.index, st, t);
  const text = <LessonText markdown={markdown} width={L.textWidth} height={L.textHeight} scroll={state.scroll} />;
  const stepArea =
    step?.kind === 'quiz' && st ? (
      <QuizChoices step={step} state={st} width={L.sideWidth} height={L.outputHeight} />
    ) : (
      <Box flexDirection="column" height={L.outputHeight} width={L.sideWidth}>
        {step?.kind === 'task' && state.typing !== null && (
          <Text color={tint(ui, 'cyan')} wrap="truncate-end">{`${t.lesson.typeHere}> ${state.typing}█`}</Text>
        )}
        <StepOutput
          blocks={st?.blocks ?? []}
          running={st?.status === 'running'}
          width={L.sideWidth}
          height={L.outputHeight - (step?.kind === 'task' && state.typing !== null ? 1 : 0)}
          checks={st?.checks}
        />
      </Box>
    );
  const side = (
    <Box flexDirection="column" width={L.sideWidth}>
      <Title text={step?.kind === 'quiz' ? step.question : t.output.title} width={L.sideWidth} />
      {stepArea}
      <Title text={t.changed.title} width={L.sideWidth} />
      <WhatChanged events={st?.events ?? []} width={L.sideWidth} height={L.changedHeight} />
      {L.diagramHeight > 0 && <Diagrams view={view} width={L.sideWidth} height={L.diagramHeight} />}
    </Box>
  );
  const notice = noticeText(state.notice, t);
  return (
    <Box flexDirection="column" width={L.width} height={L.height} overflow="hidden">
      <Box height={1} flexShrink={0}>
        <ModeBadge mode={mode} />
        <Text bold wrap="truncate-end">{` ${truncate(lesson.title, L.width - 10)}`}</Text>
      </Box>
      {L.wide ? (
        <Box flexDirection="row" gap={1} flexGrow={1}>
          {text}
          {side}
        </Box>
      ) : (
        <Box flexDirection="column" flexGrow={1}>
          {text}
          {side}
        </Box>
      )}
      <Text color={notice ? tint(ui, 'yellow') : undefined} wrap="truncate-end">{notice || ' '}</Text>
      <ProgressLine marks={state.steps.map(mark)} current={state.index} />
      <Footer screen="lesson" width={L.width} />
    </Box>
  );
}
