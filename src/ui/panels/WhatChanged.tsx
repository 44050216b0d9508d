// Each event of the step in words, with the command a person would type to do it by hand; the
// newest events that fit, and a line counting the earlier ones.
import { Box, Text } from 'ink';
import type { LabEvent } from '../../engine/events.js';
import { explainEvent } from '../../explain/events.js';
import { hardWrap } from '../text.js';
import { tint, useUi } from '../theme.js';

export interface WhatChangedProps {
  events: readonly LabEvent[];
  width: number;
  height: number;
}

interface Row {
  kind: 'text' | 'command' | 'note';
  text: string;
  engine?: boolean;
}

export function WhatChanged({ events, width, height }: WhatChangedProps) {
  const ui = useUi();
  const max = Math.max(1, height);
  if (events.length === 0) {
    return (
      <Box width={width} height={height} overflow="hidden">
        <Text dimColor wrap="wrap">{ui.t.changed.none}</Text>
      </Box>
    );
  }
  // newest first until the panel is full, then shown oldest first
  const rowsFor = (e: LabEvent): Row[] => {
    const x = explainEvent(e, ui.lang);
    return [
      ...hardWrap(`• ${x.text}`, width).map((text) => ({ kind: 'text' as const, text, engine: x.level === 'engine' })),
      ...hardWrap(`  $ ${x.command}`, width).map((text) => ({ kind: 'command' as const, text })),
    ];
  };
  const groups: Row[][] = [];
  let used = 0;
  let k = events.length - 1;
  while (k >= 0) {
    const group = rowsFor(events[k]);
    const reserve = k > 0 ? 1 : 0;
    if (used + group.length + reserve > max) {
      if (groups.length === 0) {
        groups.push(group.slice(0, Math.max(1, max - reserve)));
        k--;
      }
      break;
    }
    groups.unshift(group);
    used += group.length;
    k--;
  }
  const earlier = k + 1;
  const rows: Row[] = groups.flat();
  if (earlier > 0) rows.unshift({ kind: 'note', text: ui.t.changed.earlier(earlier) });
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {rows.slice(0, max).map((r, k) =>
        r.kind === 'command' ? (
          <Text key={k} color={tint(ui, 'cyan')} wrap="truncate-end">{r.text}</Text>
        ) : r.kind === 'note' ? (
          <Text key={k} dimColor wrap="truncate-end">{r.text}</Text>
        ) : (
          <Text key={k} color={r.engine ? tint(ui, 'magenta') : undefined} wrap="truncate-end">{r.text}</Text>
        ),
      )}
    </Box>
  );
}
