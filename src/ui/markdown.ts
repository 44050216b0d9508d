// Lesson Markdown into terminal text with marked-terminal, wrapped to the panel's width. Without
// colour (NO_COLOR) every style is the identity and any escape left (code highlighting) is stripped.
import { stripVTControlCharacters } from 'node:util';
import { Marked } from 'marked';
import { markedTerminal, type TerminalOptions } from 'marked-terminal';

const plain = (s: string): string => s;
const PLAIN_STYLES: TerminalOptions = {
  code: plain, blockquote: plain, html: plain, heading: plain, firstHeading: plain, hr: plain, listitem: plain,
  table: plain, paragraph: plain, strong: plain, em: plain, codespan: plain, del: plain, link: plain, href: plain,
};

const cache = new Map<string, string>();

/** Markdown rendered for a terminal `width` columns wide; the result has no trailing blank lines. */
export function renderMarkdown(markdown: string, width: number, color: boolean): string {
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
