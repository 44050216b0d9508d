// boxlab's Dockerfile front end: parse a Dockerfile as Docker (BuildKit) does, expand variables
// in the instructions Docker expands, and group instructions into build stages.
//   parser.ts        lines, continuations, comments, directives, heredocs, per-instruction splitting
//   instructions.ts  the checks Docker makes on each instruction, and build stages
//   expand.ts        the shell-lexer subset Docker uses for $VAR / ${VAR:-x} substitution
import { toInstructions } from './instructions.js';
import { parseNodes, type ParsedDockerfile } from './parser.js';

export { DockerfileParseError, INSTRUCTIONS, type Directives, type Heredoc, type Instruction, type ParsedDockerfile } from './parser.js';
export { EXPANDED_INSTRUCTIONS, ExpandError, expand, expandWords, type LexOptions } from './expand.js';
export { argsOf, stages, type BuildArg, type Stage } from './instructions.js';

/**
 * Parse a Dockerfile. Throws DockerfileParseError (`dockerfile parse error on line N: …`) where
 * Docker would refuse the file before building: bad syntax, unknown instructions or flags, wrong
 * argument counts. Warnings are the ones Docker prints (empty continuation lines, MAINTAINER,
 * legacy `ENV key value`).
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const { directives, nodes, warnings } = parseNodes(text);
  const instructions = toInstructions(nodes, warnings);
  return { directives, instructions, warnings };
}
