// Variable substitution as BuildKit's shell lexer does it (frontend/dockerfile/shell/lex.go):
// $VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w}, ${VAR:?w}, ${VAR?w}, ${VAR#p}, ${VAR##p},
// ${VAR%p}, ${VAR%%p}, ${VAR/p/r}, ${VAR//p/r}; quotes are removed, single quotes stop expansion,
// and the escape token (\ or `) escapes the next character.

/** The instructions whose arguments Docker expands with build ARGs and ENV (the Dockerfile reference's list). */
export const EXPANDED_INSTRUCTIONS: readonly string[] = ['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ONBUILD'];

export class ExpandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpandError';
  }
}

export interface LexOptions {
  /** keep quote characters in the result (used to find heredoc words) */
  rawQuotes?: boolean;
  /** keep escape tokens in the result */
  rawEscapes?: boolean;
  /** leave references to unset variables as written */
  skipUnsetEnv?: boolean;
}

const isSpace = (ch: string) => /\s/u.test(ch);
const isDigit = (ch: string) => /\p{Nd}/u.test(ch);
const isNameChar = (ch: string) => /[\p{L}\p{Nd}_]/u.test(ch);
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

class Words {
  word = '';
  words: string[] = [];
  inWord = false;
  addChar(ch: string): void {
    if (isSpace(ch) && this.inWord) {
      if (this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else if (!isSpace(ch)) this.addRawChar(ch);
  }
  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  get(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private chars: string[];
  private pos = 0;
  private rawEscapes: boolean;

  constructor(
    source: string,
    private env: Record<string, string>,
    private escape: string,
    private opts: LexOptions,
  ) {
    this.chars = Array.from(source);
    this.rawEscapes = !!opts.rawEscapes;
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }
  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    const words = new Words();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== undefined) {
        let ch = this.peek() as string;
        if (stop !== undefined && ch === stop) {
          this.next();
          return { result, words: words.get() };
        }
        if (ch === '$' || ch === "'" || ch === '"') {
          const tmp = ch === '$' ? this.processDollar() : ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        ch = this.next() as string;
        if (ch === this.escape) {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += ch;
          }
          const n = this.next();
          if (n === undefined) break;
          ch = n;
          words.addRawChar(ch);
        } else words.addChar(ch);
        result += ch;
      }
      if (stop !== undefined) throw new ExpandError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.get() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let result = '';
    const open = this.next() as string;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new ExpandError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    const open = this.next() as string;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const p = this.peek();
      if (p === undefined) throw new ExpandError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        this.next();
        if (this.opts.rawQuotes) result += p;
        return result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next() as string;
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue; // an escape at the end of the word is dropped
        if (after === '"' || after === '$' || after === this.escape) ch = this.next() as string;
      }
      result += ch;
    }
  }

  private getEnv(name: string): [string, boolean] {
    return Object.prototype.hasOwnProperty.call(this.env, name) ? [this.env[name], true] : ['', false];
  }

  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name.length === 0 && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek() as string)) name += this.next();
        return name;
      }
      if (name.length === 0 && SPECIAL_PARAMS.has(ch)) return this.next() as string;
      if (!isNameChar(ch)) break;
      name += this.next();
    }
    return name;
  }

  private processDollar(): string {
    this.next(); // $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const [value, found] = this.getEnv(name);
      if (!found && this.opts.skipUnsetEnv) return '$' + name;
      return value;
    }
    this.next(); // {
    const first = this.peek();
    if (first === undefined) throw new ExpandError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ExpandError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    let chs = ch ?? '\uFFFD'; // Go prints scanner.EOF as U+FFFD
    let nullIsUnset = false;
    if (ch === '}') {
      const [value, set] = this.getEnv(name);
      if (!set && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value;
    }
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? '\uFFFD';
    }
    if (nullIsUnset || ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      let word: string;
      try {
        word = this.processStopOn('}', ch === '#' || ch === '%').result;
      } catch (e) {
        if (this.peek() === undefined) throw new ExpandError("syntax error: missing '}'");
        throw e;
      }
      const [value, set] = this.getEnv(name);
      if (this.opts.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`;
      switch (ch) {
        case '-':
          return !set || (nullIsUnset && value === '') ? word : value;
        case '+':
          return !set || (nullIsUnset && value === '') ? '' : word;
        case '?':
          if (!set) throw new ExpandError(`${name}: ${word || 'is not allowed to be unset'}`);
          if (nullIsUnset && value === '') throw new ExpandError(`${name}: ${word || 'is not allowed to be empty'}`);
          return value;
        case '#':
        case '%': {
          const greedy = word.startsWith(ch);
          if (greedy) word = word.slice(1);
          return ch === '%' ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy);
        }
        default:
          throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
      }
    }
    if (ch === '/') {
      const all = this.peek() === '/';
      if (all) this.next();
      let pattern: string;
      let replacement: string;
      try {
        pattern = this.processStopOn('/', true).result;
      } catch (e) {
        if (this.peek() === undefined) throw new ExpandError("syntax error: missing '/' in ${}");
        throw e;
      }
      try {
        replacement = this.processStopOn('}', true).result;
      } catch (e) {
        if (this.peek() === undefined) throw new ExpandError("syntax error: missing '}'");
        throw e;
      }
      const [value, set] = this.getEnv(name);
      if (this.opts.skipUnsetEnv && !set) return `\${${name}/${pattern}/${replacement}}`;
      const re = new RegExp(shellPatternToRegex(pattern), all ? 'gu' : 'u');
      return value.replace(re, () => replacement);
    }
    throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
  }
}

/** A shell glob (* and ?, no brackets) as a regular expression source; \ escapes * ? and \. */
function shellPatternToRegex(pattern: string): string {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\') {
      const n = chars[i + 1];
      if (n === '}' || n === '/') continue;
      if (n !== '*' && n !== '?' && n !== '\\') throw new ExpandError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      out += '\\' + n;
      i++;
    } else out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const re = new RegExp(`^(?:${shellPatternToRegex(pattern)})$`, 'u');
  const cps = Array.from(value);
  for (let n = greedy ? cps.length : 0; greedy ? n >= 0 : n <= cps.length; n += greedy ? -1 : 1) {
    if (re.test(cps.slice(0, n).join(''))) return cps.slice(n).join('');
  }
  return value;
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const re = new RegExp(`^(?:${shellPatternToRegex(pattern)})$`, 'u');
  const cps = Array.from(value);
  for (let n = greedy ? 0 : cps.length; greedy ? n <= cps.length : n >= 0; n += greedy ? 1 : -1) {
    if (re.test(cps.slice(n).join(''))) return cps.slice(0, n).join('');
  }
  return value;
}

function wrap<T>(word: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ExpandError) throw new ExpandError(`failed to process ${JSON.stringify(word)}: ${e.message}`);
    throw e;
  }
}

/**
 * One word, expanded as Docker expands an instruction's argument (shell.Lex.ProcessWord):
 * quotes removed, whitespace kept, unset variables empty. Throws ExpandError on bad syntax.
 */
export function expand(word: string, env: Record<string, string>, escape = '\\', opts: LexOptions = {}): string {
  return wrap(word, () => new ShellWord(word, env, escape, opts).processStopOn(undefined, !!opts.rawEscapes).result);
}

/** The same, split into words after expansion (shell.Lex.ProcessWords): quoted spaces do not split. */
export function expandWords(word: string, env: Record<string, string>, escape = '\\', opts: LexOptions = {}): string[] {
  return wrap(word, () => new ShellWord(word, env, escape, opts).processStopOn(undefined, !!opts.rawEscapes).words);
}
