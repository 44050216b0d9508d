// Where boxlab's own files are (lessons/, sandbox/, package.json), found from this module's place
// whether it runs from src/, dist/ or the bundle in dist/bundle/: the nearest directory upwards
// whose package.json names boxlab.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'boxlab') return (found = dir);
      } catch {
        /* not ours: keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`boxlab's package.json was not found above ${fileURLToPath(import.meta.url)}; reinstall boxlab`);
    dir = up;
  }
}
