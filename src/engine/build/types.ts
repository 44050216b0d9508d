// The parsed Dockerfile's shapes and the parser's errors.

export interface Heredoc {
  /** the terminator word, quotes removed */
  name: string;
  fileDescriptor: number;
  /** false when any part of the terminator word was quoted: the content is then used as written */
  expand: boolean;
  /** <<- : leading tabs are stripped from the content and terminator */
  chomp: boolean;
  /** the lines between the instruction and the terminator, line endings kept */
  content: string;
}

export interface Instruction {
  line: number;
  endLine: number;
  /** upper-case keyword */
  instruction: string;
  /** builder flags as written, e.g. ["--from=build", "--chown=1:1"] */
  flags: string[];
  args: string[];
  /** JSON (exec) form */
  json: boolean;
  /** the logical line: continuations joined, comment lines inside them dropped */
  original: string;
  heredocs?: Heredoc[];
  /** ONBUILD: the wrapped instruction, parsed */
  sub?: Instruction;
}

export interface Directives {
  escape: string;
  syntax?: string;
  check?: string;
}

export interface ParsedDockerfile {
  directives: Directives;
  instructions: Instruction[];
  warnings: string[];
}

/** A parse error, reported as BuildKit reports it: `dockerfile parse error on line N: …`. */
export class DockerfileParseError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly endLine = line,
  ) {
    super(`dockerfile parse error on line ${line}: ${detail}`);
    this.name = 'DockerfileParseError';
  }
}

/** An error in one instruction's text, before its line is known. */
export class LineError extends Error {}
