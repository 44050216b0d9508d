// The step's commands and their output. In the lesson screen (`window`) only the last rows that
// fit are drawn, so long output never grows the frame or scrolls the screen away; `static`
// writes each finished line once with ink's <Static>, for a transcript that only grows.
import { Box, Static, Text } from 'ink';
import { hardWrap } from '../text.js';
import { tint, useUi } from '../theme.js';

export interface OutputBlock {
  command: string;
  stdout: string[];
  stderr?: string[];
  exitCode?: number;
}

export interface StepOutputProps {
  blocks: OutputBlock[];
  running: boolean;
  width: number;
  height: number;
  variant?: 'window' | 'static';
  /** check results shown after the output */
  checks?: { ok: boolean; message: string }[];
}

type Kind = 'command' | 'out' | 'err' | 'exit' | 'note' | 'ok' | 'bad';
interface Row {
  kind: Kind;
  text: string;
}

/** Every line of the blocks, tagged by what it is. */
export function outputLines(
  blocks: readonly OutputBlock[],
  exitText: (code: number) => string,
  checks: readonly { ok: boolean; message: string }[] = [],
): Row[] {
  const rows: Row[] = [];
  for (const b of blocks) {
    rows.push({ kind: 'command', text: `$ ${b.command}` });
    for (const l of b.stdout) rows.push({ kind: 'out', text: l });
    for (const l of b.stderr ?? []) rows.push({ kind: 'err', text: l });
    if (b.exitCode !== undefined && b.exitCode !== 0) rows.push({ kind: 'exit', text: exitText(b.exitCode) });
  }
  for (const c of checks) rows.push({ kind: c.ok ? 'ok' : 'bad', text: `${c.ok ? '✓' : '✗'} ${c.message}` });
  return rows;
}

function RowText({ row }: { row: Row }) {
  const ui = useUi();
  if (row.kind === 'command') return <Text bold color={tint(ui, 'cyan')} wrap="truncate-end">{row.text}</Text>;
  if (row.kind === 'ok') return <Text color={tint(ui, 'green')} wrap="truncate-end">{row.text}</Text>;
  if (row.kind === 'bad') return <Text bold color={tint(ui, 'red')} wrap="truncate-end">{row.text}</Text>;
  if (row.kind === 'err') return <Text color={tint(ui, 'red')} wrap="truncate-end">{row.text}</Text>;
  if (row.kind === 'exit' || row.kind === 'note') return <Text dimColor wrap="truncate-end">{row.text}</Text>;
  return <Text wrap="truncate-end">{row.text === '' ? ' ' : row.text}</Text>;
}

export function StepOutput({ blocks, running, width, height, variant = 'window', checks = [] }: StepOutputProps) {
  const ui = useUi();
  const lines = outputLines(blocks, ui.t.output.exit, checks);
  if (variant === 'static') {
    const items = lines.map((row, id) => ({ ...row, id }));
    return (
      <Box flexDirection="column">
        <Static items={items}>{(row) => <RowText key={row.id} row={row} />}</Static>
        {running && <Text dimColor>{ui.t.output.running}</Text>}
      </Box>
    );
  }
  const rows: Row[] = lines.flatMap((l) => hardWrap(l.text, width).map((text) => ({ kind: l.kind, text })));
  if (lines.length === 0 && !running) rows.push({ kind: 'note', text: ui.t.output.idle });
  if (running) rows.push({ kind: 'note', text: ui.t.output.running });
  const max = Math.max(1, height);
  let shown = rows;
  if (rows.length > max) {
    // the command whose output is on screen stays pinned on the first row
    const start = rows.length - (max - 1);
    const keep = rows.slice(start);
    let cmd = -1;
    for (let i = start - 1; i >= 0 && cmd < 0; i--) if (rows[i].kind === 'command') cmd = i;
    const note = ui.t.output.earlier(start - (cmd >= 0 ? 1 : 0));
    shown = [cmd >= 0 && keep[0]?.kind !== 'command' ? { kind: 'command', text: `${rows[cmd].text}  ${note}` } : { kind: 'note', text: note }, ...keep];
  }
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {shown.map((row, i) => (
        <RowText key={i} row={row} />
      ))}
    </Box>
  );
}
