// SIM or REAL, so nobody mistakes a simulation for the machine's kernel, or the other way round.
import { Text } from 'ink';
import { tint, useUi } from '../theme.js';

export function ModeBadge({ mode }: { mode: 'sim' | 'real' }) {
  const ui = useUi();
  const label = mode === 'real' ? ui.t.modeReal : ui.t.modeSim;
  return (
    <Text inverse bold color={tint(ui, mode === 'real' ? 'red' : 'green')}>
      {` ${label} `}
    </Text>
  );
}
