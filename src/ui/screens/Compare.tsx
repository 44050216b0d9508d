// The container-vs-VM view: the same table `boxlab compare` prints. sim mode shows the cited
// figures at once; real mode runs a quick measurement first ("measuring…", one line per stage).
// ↑/↓ and PgUp/PgDn scroll, r measures again, Esc goes back, q quits.
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { CompareOptions } from '../../compare/compare.js';
import { renderComparison } from '../../compare/table.js';
import type { Comparison } from '../../compare/types.js';
import { ModeBadge } from '../panels/ModeBadge.js';
import { truncate } from '../text.js';
import { tint, useUi } from '../theme.js';
import type { Size } from '../use-terminal-size.js';

export type CompareRunner = (opts: Pick<CompareOptions, 'mode' | 'quick' | 'progress'>) => Promise<Comparison>;

export interface CompareScreenProps {
  mode: 'sim' | 'real';
  size: Size;
  run: CompareRunner;
  onBack(): void;
  onQuit(): void;
}

export function CompareScreen({ mode, size, run, onBack, onQuit }: CompareScreenProps) {
  const ui = useUi();
  const width = Math.max(60, size.columns);
  const height = Math.max(8, size.rows - 1);
  const [cmp, setCmp] = useState<Comparison | null>(null);
  const [stage, setStage] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [scroll, setScroll] = useState(0);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    setCmp(null);
    setError(null);
    setStage('');
    run({ mode, quick: true, progress: (l) => live && setStage(l) })
      .then((c) => live && setCmp(c))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [mode, run, round]);

  const lines = cmp ? renderComparison(cmp, width - 1).split('\n') : [];
  const bodyHeight = height - 2;
  const maxScroll = Math.max(0, lines.length - bodyHeight);
  useInput((input, key) => {
    if (input === 'q') onQuit();
    else if (key.escape || input === 'b') onBack();
    else if (input === 'r' && (cmp || error)) setRound((n) => n + 1);
    else if (key.downArrow || input === 'j') setScroll((s) => Math.min(maxScroll, s + 1));
    else if (key.upArrow || input === 'k') setScroll((s) => Math.max(0, s - 1));
    else if (key.pageDown || input === ' ') setScroll((s) => Math.min(maxScroll, s + bodyHeight - 1));
    else if (key.pageUp) setScroll((s) => Math.max(0, s - bodyHeight + 1));
  });
  const top = Math.min(scroll, maxScroll);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Box height={1} flexShrink={0}>
        <ModeBadge mode={mode} />
        <Text bold>{' Containers and virtual machines'}</Text>
      </Box>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {error && <Text color={tint(ui, 'red')}>{`compare failed: ${error}`}</Text>}
        {!error && !cmp && (
          <>
            <Text color={tint(ui, 'yellow')}>{mode === 'real' ? 'measuring… (quick: a few samples; qemu boots take seconds)' : 'measuring…'}</Text>
            <Text dimColor wrap="truncate-end">{stage || ' '}</Text>
          </>
        )}
        {lines.slice(top, top + bodyHeight).map((l, i) => (
          <Text key={top + i} wrap="truncate-end">
            {truncate(l, width) || ' '}
          </Text>
        ))}
      </Box>
      <Text inverse wrap="truncate-end">
        {truncate(`↑/↓ scroll · r measure again · Esc back · q quit${cmp ? `  ${top + 1}-${Math.min(lines.length, top + bodyHeight)}/${lines.length}` : ''}`, width)}
      </Text>
    </Box>
  );
}
