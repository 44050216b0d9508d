#!/usr/bin/env node
// boxlab's entry point. `--version` answers without loading the CLI, so it starts as fast as node.
import { existsSync, readFileSync } from 'node:fs';

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
  // the bundle (npm run build makes it) loads a few files instead of hundreds of modules
  const bundle = new URL('../dist/bundle/boxlab.mjs', import.meta.url);
  const lab = new URL('../dist/bundle/open-lab.mjs', import.meta.url);
  if (args.length === 0 && process.stdin.isTTY && process.stdout.isTTY && existsSync(lab)) {
    // `boxlab` alone on a terminal: the lab UI, without loading every other command first
    const { openLab } = await import(lab.href);
    process.exitCode = await openLab();
  } else {
    const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/cli/main.js');
    process.exitCode = await main(args, version);
  }
}
