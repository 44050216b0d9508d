// Host vs container namespace ids, one row per type; a differing id is what makes the process
// "in a container", so those rows are highlighted (colour and a ≠ marker, which NO_COLOR keeps).
import { Box, Text } from 'ink';
import { NAMESPACE_TYPES } from '../../kernel/events.js';
import type { NamespaceData } from '../diagrams.js';
import { tint, useUi } from '../theme.js';

export interface NamespaceTableProps {
  data: NamespaceData;
  /** rows available including the title and header; differing rows are kept first */
  maxRows?: number;
}

export interface NsRow {
  type: string;
  host: string;
  container: string;
  differs: boolean;
}

/** The rows of the table: types that either side knows, in `man 7 namespaces` order. */
export function namespaceRows(data: NamespaceData): NsRow[] {
  return NAMESPACE_TYPES.filter((t) => data.host[t] !== undefined || data.container[t] !== undefined).map((t) => {
    const h = data.host[t];
    const c = data.container[t];
    return { type: t, host: h === undefined ? '?' : String(h), container: c === undefined ? '?' : String(c), differs: h !== undefined && c !== undefined && h !== c };
  });
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function NamespaceTable({ data, maxRows }: NamespaceTableProps) {
  const ui = useUi();
  const d = ui.t.diagrams;
  let rows = namespaceRows(data);
  let hidden = 0;
  if (maxRows !== undefined && rows.length > maxRows - 2) {
    const room = Math.max(1, maxRows - 3);
    const ordered = [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
    hidden = rows.length - room;
    const keep = new Set(ordered.slice(0, room));
    rows = rows.filter((r) => keep.has(r));
  }
  const w = Math.max(10, ...rows.map((r) => Math.max(r.host.length, r.container.length)));
  return (
    <Box flexDirection="column">
      <Text bold>{d.namespaces}</Text>
      <Text dimColor>{`${pad(d.type, 7)} ${pad(d.host, w)} ${pad(d.container, w)}`}</Text>
      {rows.map((r) => (
        <Text key={r.type} bold={r.differs} color={r.differs ? tint(ui, 'yellow') : undefined} dimColor={!r.differs}>
          {`${pad(r.type, 7)} ${pad(r.host, w)} ${pad(r.container, w)} ${r.differs ? `≠ ${d.differs}` : `= ${d.same}`}`}
        </Text>
      ))}
      {hidden > 0 && <Text dimColor>{d.hiddenRows(hidden)}</Text>}
    </Box>
  );
}
