// Bundle the compiled CLI (dist/cli/main.js) with its dependencies into dist/bundle/: node loads
// one file and a few chunks instead of hundreds of small modules, which is most of a start's
// cost (ink alone is ~300 modules). Lazily imported parts (the UI, marked-terminal, real mode's
// cleanup) stay separate chunks, loaded when used. bin/boxlab.js prefers the bundle and falls
// back to dist/cli/main.js without it. `boxlab` alone on a terminal starts at open-lab (the UI
// without yargs and the other commands).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { boxlab: join(root, 'dist', 'cli', 'main.js'), 'open-lab': join(root, 'dist', 'cli', 'open-lab.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  // CommonJS dependencies call require() and read __filename; give the ESM bundle both
  banner: {
    js: [
      "import { createRequire as __boxlabRequire } from 'node:module';",
      "import { fileURLToPath as __boxlabPath } from 'node:url';",
      'const require = __boxlabRequire(import.meta.url);',
      'const __boxlabFilename = __boxlabPath(import.meta.url);',
      "const __boxlabDirname = __boxlabPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  define: { __filename: '__boxlabFilename', __dirname: '__boxlabDirname' },
  // ink loads react-devtools-core only when DEV is set; it is not a dependency of boxlab
  plugins: [
    {
      name: 'no-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'boxlab-empty' }));
        b.onLoad({ filter: /.*/, namespace: 'boxlab-empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
      },
    },
  ],
});
