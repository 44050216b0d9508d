// A cgroup's usage against its limit as a bar with a percentage (memory.current / memory.max,
// pids.current / pids.max), and how many times the OOM killer struck.
import { Box, Text } from 'ink';
import type { CgroupData, GaugeData } from '../diagrams.js';
import { tint, useUi } from '../theme.js';

export interface CgroupGaugeProps {
  data: CgroupData;
  width: number;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** Percent of the limit used, rounded; null when there is no limit. */
export function percentOf(g: GaugeData): number | null {
  if (g.limit === null || g.limit <= 0) return null;
  return Math.round((g.usage / g.limit) * 100);
}

/** A bar `width` cells wide, filled in proportion (capped at full). */
export function bar(fraction: number, width: number): string {
  const w = Math.max(1, width);
  const filled = Math.max(0, Math.min(w, Math.round(fraction * w)));
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

function Gauge({ label, g, width, fmt }: { label: string; g: GaugeData; width: number; fmt: (n: number) => string }) {
  const ui = useUi();
  const pct = percentOf(g);
  if (pct === null) {
    return <Text wrap="truncate-end">{`${label.padEnd(7)} ${fmt(g.usage)} (${ui.t.diagrams.noLimit})`}</Text>;
  }
  const tail = ` ${String(pct).padStart(3)}% ${fmt(g.usage)}/${fmt(g.limit ?? 0)}`;
  const barWidth = Math.max(5, Math.min(30, width - 9 - tail.length));
  const color = pct >= 100 ? 'red' : pct >= 80 ? 'yellow' : 'green';
  return (
    <Text wrap="truncate-end">
      {`${label.padEnd(7)} `}
      <Text color={tint(ui, color)}>{bar(g.usage / (g.limit ?? 1), barWidth)}</Text>
      {tail}
    </Text>
  );
}

export function CgroupGauge({ data, width }: CgroupGaugeProps) {
  const ui = useUi();
  const d = ui.t.diagrams;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{`${d.cgroup}${data.path ? ` ${data.path}` : ''}`}</Text>
      {data.memory && <Gauge label={d.memory} g={data.memory} width={width} fmt={mib} />}
      {data.pids && <Gauge label={d.pids} g={data.pids} width={width} fmt={String} />}
      <Text bold={data.oomKills > 0} color={data.oomKills > 0 ? tint(ui, 'red') : undefined}>
        {d.oomKills(data.oomKills)}
      </Text>
    </Box>
  );
}
