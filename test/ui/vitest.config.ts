// Runs the UI tests (.test.tsx) until the root vitest.config.ts includes test/**/*.test.tsx:
//   npx vitest run --config test/ui/vitest.config.ts
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default mergeConfig(base, defineConfig({ root: new URL('../..', import.meta.url).pathname, test: { include: ['test/ui/**/*.test.ts', 'test/ui/**/*.test.tsx'] } }));
