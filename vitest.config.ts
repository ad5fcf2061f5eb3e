import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Need a container engine and a built image: vitest.containers.config.ts.
    exclude: ['test/containers/**', '**/node_modules/**'],
    // A TMPDIR of the run's own, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
