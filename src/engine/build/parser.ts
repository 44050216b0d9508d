// The Dockerfile parser, line for line after BuildKit's frontend/dockerfile/parser (parser.go,
// directives, heredocs): lines, continuations, comments and parser directives become nodes; each
// node's arguments come from line_parsers.ts. Quotes stay in the arguments here; Docker removes
// them when it expands (see expand.ts). Instruction-level checks are in instructions.ts.
import { ExpandError, expandWords } from './expand.js';
import { newNodeFromLine, type RawNode } from './line_parsers.js';
import { DockerfileParseError, LineError, type Directives, type Heredoc } from './types.js';

export { DockerfileParseError, LineError, type Directives, type Heredoc, type Instruction, type ParsedDockerfile } from './types.js';
export { INSTRUCTIONS, type RawNode } from './line_parsers.js';

// ---- directives -------------------------------------------------------------------------

const reDirective = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const VALID_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

export class DirectiveState {
  escape = '\\';
  continuation = continuationRegex('\\');
  done = false;
  seen: Record<string, string> = {};

  /** Parser directives come first: the first line that is not one ends them for good. */
  possible(line: string): void {
    if (this.done) return;
    const m = reDirective.exec(line);
    const k = m?.[1].toLowerCase();
    if (!m || !k || !VALID_DIRECTIVES.has(k)) {
      this.done = true;
      return;
    }
    if (k in this.seen) throw new LineError(`only one ${k} parser directive can be used`);
    this.seen[k] = m[2];
    if (k === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\') throw new LineError(`invalid escape token '${m[2]}' does not match \` or \\`);
      this.escape = m[2];
      this.continuation = continuationRegex(m[2]);
    }
  }
}

/** The escape token at the end of a line continues it, unless it is itself escaped. */
function continuationRegex(esc: string): RegExp {
  const e = '\\' + esc;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

// ---- lines ------------------------------------------------------------------------------

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');
const trimLeadingWhitespace = (s: string) => s.replace(/^\s+/u, '');
const isComment = (s: string) => trimLeadingWhitespace(trimNewline(s)).startsWith('#');
const isEmptyContinuationLine = (s: string) => trimLeadingWhitespace(trimNewline(s)).length === 0;

/** bufio line scanning that keeps the line endings (scanLines). */
function scanLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function processLine(d: DirectiveState, token: string, stripLeft: boolean): string {
  token = trimNewline(token);
  if (stripLeft) token = trimLeadingWhitespace(token);
  d.possible(token);
  return token.startsWith('#') ? '' : token;
}

function trimContinuation(line: string, d: DirectiveState): [string, boolean] {
  if (d.continuation.test(line)) return [line.replace(d.continuation, '$1'), false];
  return [line, true];
}

// ---- heredocs ---------------------------------------------------------------------------

const reHeredoc = /^(\d*)<<(-?)([^<]*)$/;
const HEREDOC_INSTRUCTIONS = new Set(['ADD', 'COPY', 'RUN']);

/** `<<EOF`, `<<-"EOF"`, `3<<EOF` as a heredoc, or null (ParseHeredoc). */
export function parseHeredoc(word: string): Omit<Heredoc, 'content'> | null {
  const m = reHeredoc.exec(word);
  if (!m || m[3].length === 0) return null;
  const lex = (rawQuotes: boolean) => {
    try {
      return expandWords(m[3], {}, '\\', { skipUnsetEnv: true, rawQuotes });
    } catch (e) {
      if (e instanceof ExpandError) throw new LineError(e.message);
      throw e;
    }
  };
  const words = lex(false);
  if (words.length !== 1) return null;
  const raw = lex(true);
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return { name: words[0], fileDescriptor: Number(m[1] || '0'), expand: quotes(words[0]) === quotes(raw[0]), chomp: m[2] === '-' };
}

function heredocsFromLine(line: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = expandWords(line, {}, '\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  } catch {
    return [];
  }
  return words.map(parseHeredoc).filter((h): h is Omit<Heredoc, 'content'> => h !== null);
}

function canContainHeredoc(n: RawNode): boolean {
  const target = n.cmd.toUpperCase() === 'ONBUILD' && n.sub ? n.sub : n;
  return HEREDOC_INSTRUCTIONS.has(target.cmd.toUpperCase()) && !target.json;
}

// ---- the file ---------------------------------------------------------------------------

export interface ParsedNode extends RawNode {
  line: number;
  endLine: number;
  heredocs: Heredoc[];
}

/** Lines into nodes (parser.Parse); the instruction-level checks are in instructions.ts. */
export function parseNodes(text: string): { directives: Directives; nodes: ParsedNode[]; warnings: string[] } {
  const d = new DirectiveState();
  const lines = scanLines(text);
  const nodes: ParsedNode[] = [];
  const warnings: string[] = [];
  let currentLine = 0;
  let i = 0;
  const at = <T>(fn: () => T, line: number, endLine = line): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LineError) throw new DockerfileParseError(line, e.message, endLine);
      throw e;
    }
  };
  while (i < lines.length) {
    let raw = lines[i++];
    if (currentLine === 0) raw = raw.replace(/^\uFEFF/, '');
    const first = at(() => processLine(d, raw, true), currentLine + 1);
    currentLine++;
    const startLine = currentLine;
    let [line, eol] = trimContinuation(first, d);
    if (eol && line === '') continue;
    let hasEmpty = false;
    while (!eol && i < lines.length) {
      const next = lines[i++];
      const b = at(() => processLine(d, next, false), currentLine + 1);
      currentLine++;
      if (isComment(next)) continue;
      if (isEmptyContinuationLine(b)) {
        hasEmpty = true;
        continue;
      }
      let cont: string;
      [cont, eol] = trimContinuation(b, d);
      line += cont;
    }
    if (hasEmpty) warnings.push('[WARNING]: Empty continuation line found in:\n    ' + line);
    const node = at(() => newNodeFromLine(line, d), startLine, currentLine);
    const heredocs: Heredoc[] = [];
    if (canContainHeredoc(node)) {
      for (const h of at(() => heredocsFromLine(line), startLine, currentLine)) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const l = lines[i++];
          currentLine++;
          let candidate = trimNewline(l);
          if (h.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === h.name) {
            terminated = true;
            break;
          }
          content += l;
        }
        if (!terminated) throw new DockerfileParseError(startLine, 'unterminated heredoc', currentLine);
        heredocs.push({ ...h, content });
      }
    }
    nodes.push({ ...node, line: startLine, endLine: currentLine, heredocs });
  }
  if (warnings.length > 0) warnings.push('[WARNING]: Empty continuation lines will become errors in a future release.');
  if (nodes.length === 0) throw new DockerfileParseError(currentLine, 'file with no instructions');
  const directives: Directives = { escape: d.escape };
  if (d.seen.syntax !== undefined) directives.syntax = d.seen.syntax;
  if (d.seen.check !== undefined) directives.check = d.seen.check;
  return { directives, nodes, warnings };
}
