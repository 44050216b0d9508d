// A quiz's choices: the selected one marked ›, and once answered, right or wrong and why.
import { Box, Text } from 'ink';
import type { QuizStep } from '../../lesson/types.js';
import type { StepState } from '../lesson-state.js';
import { tint, useUi } from '../theme.js';

export function QuizChoices({ step, state, width, height }: { step: QuizStep; state: StepState; width: number; height: number }) {
  const ui = useUi();
  const answer = state.quiz.answer;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {!answer && <Text dimColor wrap="truncate-end">{ui.t.lesson.quizPrompt}</Text>}
      {answer && (
        <Text bold color={tint(ui, answer.correct ? 'green' : 'red')} wrap="truncate-end">
          {`${answer.correct ? '✓' : '✗'} ${answer.correct ? ui.t.lesson.correct : ui.t.lesson.wrong} ${answer.explain}`}
        </Text>
      )}
      {step.choices.map((c, i) => {
        const selected = i === state.quiz.selected;
        return (
          <Text key={i} bold={selected} color={selected ? tint(ui, 'cyan') : undefined} wrap="truncate-end">
            {`${selected ? '›' : ' '} ${i + 1}. ${c.text}`}
          </Text>
        );
      })}
    </Box>
  );
}
