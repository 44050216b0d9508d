#!/usr/bin/env node
// boxlab's entry point. `--version` answers without loading the CLI, so it starts as fast as node.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
// `boxlab ... | head`: a reader that stops early is not an error
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(args, version);
}
