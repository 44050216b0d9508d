// Where the student is: one mark per step (✓ passed, ✗ failed, ○ not yet; the current one in
// brackets) and "step 2/5 · 1 done".
import { Text } from 'ink';
import { tint, useUi } from '../theme.js';

export type StepMark = 'pending' | 'passed' | 'failed';

export interface ProgressLineProps {
  marks: StepMark[];
  current: number;
  width?: number;
}

export function progressMarks(marks: readonly StepMark[], current: number): string {
  return marks.map((m, i) => {
    const c = m === 'passed' ? '✓' : m === 'failed' ? '✗' : '○';
    return i === current ? `[${c}]` : c;
  }).join('');
}

export function ProgressLine({ marks, current }: ProgressLineProps) {
  const ui = useUi();
  const done = marks.filter((m) => m === 'passed').length;
  const color = done === marks.length && marks.length > 0 ? 'green' : undefined;
  return (
    <Text wrap="truncate-end" color={color ? tint(ui, color) : undefined}>
      {`${ui.t.progress(current + 1, marks.length, done)}  ${progressMarks(marks, current)}`}
    </Text>
  );
}
