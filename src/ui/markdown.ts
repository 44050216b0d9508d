// Lesson Markdown into terminal text with marked-terminal, wrapped to the panel's width. Without
// colour (NO_COLOR) every style is the identity and any escape left (code highlighting) is stripped.
import { stripVTControlCharacters } from 'node:util';
import { Marked } from 'marked';
import type { markedTerminal as MarkedTerminal, TerminalOptions } from 'marked-terminal';

const plain = (s: string): string => s;
const PLAIN_STYLES: TerminalOptions = {
  code: plain, blockquote: plain, html: plain, heading: plain, firstHeading: plain, hr: plain, listitem: plain,
  table: plain, paragraph: plain, strong: plain, em: plain, codespan: plain, del: plain, link: plain, href: plain,
};

const cache = new Map<string, string>();

// marked-terminal (with its syntax highlighter) is most of the UI's code: it loads after the first
// frame, while the student reads the home screen, not before it.
let markedTerminal: typeof MarkedTerminal | null = null;
let loading: Promise<void> | null = null;

/** Load the Markdown renderer (once); renderMarkdown renders with it from then on. */
export function loadMarkdown(): Promise<void> {
  loading ??= import('marked-terminal').then((m) => void (markedTerminal = m.markedTerminal));
  return loading;
}

export function markdownReady(): boolean {
  return markedTerminal !== null;
}

/** Markdown rendered for a terminal `width` columns wide; the result has no trailing blank lines. Until loadMarkdown() is done, the text as written. */
export function renderMarkdown(markdown: string, width: number, color: boolean): string {
  if (!markedTerminal) return markdown.replace(/\s+$/, '');
  const key = `${width}\0${color ? 1 : 0}\0${markdown}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const marked = new Marked(
    markedTerminal({ ...(color ? {} : PLAIN_STYLES), width: Math.max(20, width), reflowText: true, showSectionPrefix: false, emoji: false, tab: 2 }),
  );
  let out = String(marked.parse(markdown, { async: false })).replace(/\s+$/, '');
  if (!color) out = stripVTControlCharacters(out);
  if (cache.size > 200) cache.clear();
  cache.set(key, out);
  return out;
}
