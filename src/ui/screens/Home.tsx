// The home screen: the mode badge, a one-line doctor summary (and why real mode is unavailable),
// and the lessons with their progress. ↑/↓ (or j/k) choose, Enter opens.
import { Box, Text, useInput } from 'ink';
import type { Lesson } from '../../lesson/types.js';
import { Footer, footerLayout } from '../panels/Footer.js';
import { ModeBadge } from '../panels/ModeBadge.js';
import { truncate } from '../text.js';
import { tint, useUi } from '../theme.js';
import type { LessonProgress } from '../use-lesson-runner.js';
import type { Size } from '../use-terminal-size.js';

export interface HomeProps {
  lessons: Lesson[] | null;
  error?: string;
  progress: Record<string, LessonProgress | undefined>;
  mode: 'sim' | 'real';
  doctorLine: string;
  selected: number;
  size: Size;
  onSelect(index: number): void;
  onOpen(index: number): void;
  onHelp(): void;
  onQuit(): void;
  /** c: the container-vs-VM view */
  onCompare?(): void;
}

export function Home({ lessons, error, progress, mode, doctorLine, selected, size, onSelect, onOpen, onHelp, onQuit, onCompare }: HomeProps) {
  const ui = useUi();
  const t = ui.t;
  const width = Math.max(40, size.columns);
  const height = Math.max(8, size.rows - 1);
  const footer = footerLayout(t, 'home', width);
  const n = lessons?.length ?? 0;
  useInput((input, key) => {
    if (input === 'q') onQuit();
    else if (input === '?') onHelp();
    else if (input === 'c' && onCompare) onCompare();
    else if (n === 0) return;
    else if (key.upArrow || input === 'k') onSelect((selected - 1 + n) % n);
    else if (key.downArrow || input === 'j') onSelect((selected + 1) % n);
    else if (key.return || input === ' ') onOpen(selected);
  });
  const listHeight = height - 4 - footer.length;
  const first = Math.max(0, Math.min(selected - listHeight + 1, n - listHeight));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Box height={1}>
        <Text bold>{`${t.appName} `}</Text>
        <ModeBadge mode={mode} />
      </Box>
      <Text dimColor wrap="truncate-end">{doctorLine || ' '}</Text>
      <Text bold color={tint(ui, 'blue')}>{t.home.title}</Text>
      <Box flexDirection="column" height={listHeight} overflow="hidden">
        {error && <Text color={tint(ui, 'red')}>{`${t.home.loadFailed}: ${error}`}</Text>}
        {!error && lessons === null && <Text dimColor>{t.home.loading}</Text>}
        {!error && lessons?.length === 0 && <Text>{t.home.noLessons}</Text>}
        {(lessons ?? []).slice(first, first + listHeight).map((l, k) => {
          const i = first + k;
          const p = progress[l.id];
          const done = p?.completed.length ?? 0;
          const total = l.steps.length;
          const check = total > 0 && done >= total ? '✓' : done > 0 ? '◐' : '○';
          const available = l.modes.includes(mode);
          const line = `${i === selected ? '›' : ' '} ${check} ${l.title}  ${done}/${total} ${t.home.steps} · ${l.minutes} ${t.home.minutes}${available ? '' : ` · ${l.modes.join('/')}`}`;
          return (
            <Text key={l.id} inverse={i === selected} dimColor={!available && i !== selected} wrap="truncate-end">
              {truncate(line, width)}
            </Text>
          );
        })}
      </Box>
      <Text dimColor wrap="truncate-end">{truncate((lessons ?? [])[selected]?.summary ?? ' ', width) || ' '}</Text>
      <Footer screen="home" width={width} />
    </Box>
  );
}
