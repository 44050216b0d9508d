// BuildKit's line parsers (line_parsers.go, split_command.go): the keyword and leading --flags split
// off, then the rest of the line split the way that instruction splits it. Quotes stay in.
import { LineError } from './types.js';

/** What a line parser needs of the parser state: the escape token. */
export interface EscapeState {
  escape: string;
}

const reWhitespace = /[\t\v\f\r ]+/;
const isSpace = (ch: string) => /\s/u.test(ch);
const trimLeadingWhitespace = (s: string) => s.replace(/^\s+/u, '');

/** A parsed line before it has line numbers: what BuildKit's Node holds. */
export interface RawNode {
  /** the keyword as written */
  cmd: string;
  flags: string[];
  args: string[];
  json: boolean;
  original: string;
  /** the ENV/LABEL legacy `KEY value` form */
  legacyKeyValue?: boolean;
  sub?: RawNode;
}

type LineParser = (rest: string, d: EscapeState) => Pick<RawNode, 'args' | 'json' | 'legacyKeyValue' | 'sub'>;

/** Split off the keyword and the leading --flags (split_command.go). */
export function splitCommand(line: string): { cmd: string; flags: string[]; rest: string } {
  const trimmed = line.trim();
  const m = reWhitespace.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], rest: '' };
  const { rest, flags } = extractBuilderFlags(trimmed.slice(m.index + m[0].length));
  return { cmd: trimmed.slice(0, m.index), flags, rest: rest.trim() };
}

function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = line[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return { rest: line.slice(pos), flags: words };
      phase = 'word';
    }
    if (pos === line.length) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { rest: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        ch = line[++pos];
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      ch = line[++pos];
    }
    word += ch;
  }
  return { rest: '', flags: words };
}

/** Words separated by whitespace, quotes respected and kept (parseWords). */
export function parseWords(rest: string, escape: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === chars.length) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos];
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++pos];
    }
    word += ch;
  }
  return words;
}

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';
const none = { args: [] as string[], json: false };

function parseJSON(rest: string): string[] | null {
  rest = trimLeadingWhitespace(rest);
  if (!rest.startsWith('[')) return null;
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    return null;
  }
  if (!Array.isArray(v)) return null;
  if (!v.every((s) => typeof s === 'string')) throw new LineError(NOT_STRING_ARRAY);
  return v as string[];
}

const parseIgnore: LineParser = () => none;
const parseString: LineParser = (rest) => ({ args: rest === '' ? [] : [rest], json: false });
const parseWhitespaceDelimited: LineParser = (rest) => ({ args: rest === '' ? [] : rest.split(reWhitespace), json: false });
const parseNameOrNameVal: LineParser = (rest, d) => ({ args: parseWords(rest, d.escape), json: false });
const parseMaybeJSON: LineParser = (rest) => {
  if (rest === '') return none;
  const j = parseJSON(rest);
  return j ? { args: j, json: true } : { args: [rest], json: false };
};
const parseMaybeJSONToList: LineParser = (rest, d) => {
  const j = parseJSON(rest);
  return j ? { args: j, json: true } : parseWhitespaceDelimited(rest, d);
};

function parseNameVal(key: string): LineParser {
  return (rest, d) => {
    const words = parseWords(rest, d.escape);
    if (words.length === 0) return none;
    if (!words[0].includes('=')) {
      const m = reWhitespace.exec(rest);
      if (!m) throw new LineError(`${key} must have two arguments`);
      return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length)], json: false, legacyKeyValue: true };
    }
    const args: string[] = [];
    for (const w of words) {
      const i = w.indexOf('=');
      if (i < 0) throw new LineError(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
      args.push(w.slice(0, i), w.slice(i + 1));
    }
    return { args, json: false };
  };
}

const parseHealthConfig: LineParser = (rest, d) => {
  const sep = rest.search(/\s/);
  const end = sep < 0 ? rest.length : sep;
  if (end === 0) return none;
  const cmd = parseMaybeJSON(rest.slice(end).replace(/^\s+/, ''), d);
  return { args: [rest.slice(0, end), ...cmd.args], json: cmd.json };
};

const parseSubCommand: LineParser = (rest, d) => (rest === '' ? none : { ...none, sub: newNodeFromLine(rest, d) });

const DISPATCH: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: parseNameVal('ENV'),
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: parseNameVal('LABEL'),
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

/** The instruction keywords Docker knows, upper-case. */
export const INSTRUCTIONS: readonly string[] = Object.keys(DISPATCH).map((k) => k.toUpperCase());

export function newNodeFromLine(line: string, d: EscapeState): RawNode {
  const { cmd, flags, rest } = splitCommand(line);
  const fn = DISPATCH[cmd.toLowerCase()] ?? parseIgnore;
  return { cmd, flags, original: line, ...fn(rest, d) };
}
