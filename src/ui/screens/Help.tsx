// The keys and what they do; ? or Esc closes it, q still quits.
import { Box, Text, useInput } from 'ink';
import { Footer } from '../panels/Footer.js';
import { useUi } from '../theme.js';
import type { Size } from '../use-terminal-size.js';

export function Help({ size, onClose, onQuit }: { size: Size; onClose(): void; onQuit(): void }) {
  const ui = useUi();
  const t = ui.t;
  const width = Math.max(40, size.columns);
  const height = Math.max(8, size.rows - 1);
  useInput((input, key) => {
    if (input === 'q') onQuit();
    else if (input === '?' || key.escape || key.return) onClose();
  });
  const keyWidth = Math.max(...t.help.lines.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold>{t.help.title}</Text>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {t.help.lines.map(([k, what]) => (
          <Text key={k} wrap="truncate-end">
            <Text bold>{k.padEnd(keyWidth)}</Text>
            {what}
          </Text>
        ))}
        <Text dimColor>{t.help.close}</Text>
      </Box>
      <Footer screen="help" width={width} />
    </Box>
  );
}
