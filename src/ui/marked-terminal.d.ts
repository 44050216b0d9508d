// marked-terminal ships no types; this is the part boxlab uses.
declare module 'marked-terminal' {
  import type { MarkedExtension } from 'marked';
  type Style = (s: string) => string;
  export interface TerminalOptions {
    code?: Style; blockquote?: Style; html?: Style; heading?: Style; firstHeading?: Style; hr?: Style;
    listitem?: Style; table?: Style; paragraph?: Style; strong?: Style; em?: Style; codespan?: Style;
    del?: Style; link?: Style; href?: Style; text?: Style;
    unescape?: boolean; emoji?: boolean; width?: number; showSectionPrefix?: boolean; reflowText?: boolean; tab?: number;
  }
  export function markedTerminal(options?: TerminalOptions, highlightOptions?: Record<string, unknown>): MarkedExtension;
}
