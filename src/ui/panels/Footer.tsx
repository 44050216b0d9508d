// The keys, always on screen. Its height is known in advance (`footerRows`) so layouts leave room.
import { Box, Text } from 'ink';
import type { Catalogue } from '../i18n.js';
import { displayWidth } from '../text.js';
import { useUi } from '../theme.js';

export type FooterScreen = 'home' | 'lesson' | 'help';

/** The key labels for a screen, in order. */
export function footerKeys(t: Catalogue, screen: FooterScreen): string[] {
  const k = t.keys;
  if (screen === 'home') return [k.choose, t.home.open, k.compare, k.help, k.quit];
  if (screen === 'help') return [k.back, k.help, k.quit];
  return [k.run, k.nextPrev, k.hint, k.reset, k.compare, k.help, k.quit];
}

const SEP = ' · ';

/** How many rows the footer takes at a width (labels never split across rows). */
export function footerLayout(t: Catalogue, screen: FooterScreen, width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const key of footerKeys(t, screen)) {
    const next = row ? row + SEP + key : key;
    if (row && displayWidth(next) > width) {
      rows.push(row);
      row = key;
    } else row = next;
  }
  if (row) rows.push(row);
  return rows;
}

export function Footer({ screen, width }: { screen: FooterScreen; width: number }) {
  const ui = useUi();
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {footerLayout(ui.t, screen, width).map((row, i) => (
        <Text key={i} inverse wrap="truncate-end">
          {row}
        </Text>
      ))}
    </Box>
  );
}
