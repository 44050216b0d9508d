// The union mount drawn top-down: the merged view (each path and the layer it comes from), the
// writable layer with its whiteouts (✗), then the read-only image layers, newest first.
import { Box, Text } from 'ink';
import { mergeLayers, type LayerStackData } from '../diagrams.js';
import { truncate } from '../text.js';
import { tint, useUi } from '../theme.js';

export interface LayerStackProps {
  data: LayerStackData;
  width: number;
  /** rows available; the merged view gives up rows first */
  height?: number;
}

export function LayerStack({ data, width, height = 12 }: LayerStackProps) {
  const ui = useUi();
  const d = ui.t.diagrams;
  const upperName = data.upper.name ?? d.upper;
  const merged = mergeLayers(data, upperName);
  const list = (files: string[]): string => (files.length ? files.join(', ') : '—');
  const upperLine = [...data.upper.files, ...data.upper.whiteouts.map((w) => `✗ ${w} (${d.whiteout})`)];
  const layerLines = [...data.layers].reverse().map((l) => ({
    name: l.name,
    text: list([...l.files, ...(l.whiteouts ?? []).map((w) => `✗ ${w} (${d.whiteout})`)]),
  }));
  // title + merged title + upper + layers
  const fixed = 3 + layerLines.length;
  const room = Math.max(0, height - fixed);
  const shownMerged = merged.length > room ? merged.slice(0, Math.max(0, room - 1)) : merged;
  const more = merged.length - shownMerged.length;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{d.layers}</Text>
      <Text color={tint(ui, 'cyan')} wrap="truncate-end">{`${d.merged}:`}</Text>
      {shownMerged.map((m) => (
        <Text key={m.path} wrap="truncate-end">
          {`  ${m.path}  ← ${m.upper ? `${d.upper}` : m.from}`}
        </Text>
      ))}
      {more > 0 && <Text dimColor>{`  ${d.hiddenRows(more)}`}</Text>}
      <Text color={tint(ui, 'yellow')} wrap="truncate-end">
        {truncate(`▆ ${d.upper} (${upperName}): ${list(upperLine)}`, width)}
      </Text>
      {layerLines.map((l, i) => (
        <Text key={`${l.name}-${i}`} dimColor wrap="truncate-end">
          {truncate(`▁ ${l.name}: ${l.text}`, width)}
        </Text>
      ))}
    </Box>
  );
}
