import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'lab', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: ['test/real/**', 'test/**/*.real.test.ts'] },
      },
      {
        // real-kernel tests share the machine's kernel: one file at a time, so each one's
        // "nothing of boxlab is left" check sees only its own objects
        extends: true,
        test: { name: 'real', include: ['test/real/**/*.test.ts', 'test/**/*.real.test.ts'], fileParallelism: false, globalSetup: ['test/real/teardown.ts'] },
      },
    ],
  },
});
