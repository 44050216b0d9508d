// The lesson's Markdown, rendered by marked-terminal and clipped to the panel: `scroll` lines
// skipped at the top, and a last line saying how much is left below.
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { loadMarkdown, markdownReady, renderMarkdown } from '../markdown.js';
import { useUi } from '../theme.js';

export interface LessonTextProps {
  markdown: string;
  width: number;
  height: number;
  scroll?: number;
}

/** The rendered lines of a lesson text at a width (for scroll limits). */
export function lessonTextLines(markdown: string, width: number, color: boolean): string[] {
  return renderMarkdown(markdown, width, color).split('\n');
}

/** Draw again once the Markdown renderer has loaded (the text shows as written until then). */
export function useMarkdownReady(): boolean {
  const [ready, setReady] = useState(markdownReady);
  useEffect(() => {
    let live = true;
    if (!ready) void loadMarkdown().then(() => live && setReady(true));
    return () => void (live = false);
  }, [ready]);
  return ready;
}

export function LessonText({ markdown, width, height, scroll = 0 }: LessonTextProps) {
  const ui = useUi();
  useMarkdownReady();
  const lines = lessonTextLines(markdown, width, ui.color);
  const start = Math.max(0, Math.min(scroll, lines.length - 1));
  let shown = lines.slice(start, start + height);
  const below = lines.length - start - shown.length;
  if (below > 0 && height > 1) shown = [...shown.slice(0, height - 1)];
  const more = lines.length - start - shown.length;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
      {more > 0 && (
        <Text dimColor wrap="truncate-end">
          {ui.t.lesson.more(more)}
        </Text>
      )}
    </Box>
  );
}
