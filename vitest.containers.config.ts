/**
 * The tests that need a container engine and a built image (run by scripts/testcontainers-test.sh, not by
 * `npm test`): PRIVATELINK_DNS_IMAGE names the image, DOCKER_HOST the engine (Docker's socket by
 * default, or Podman's Docker-compatible one).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/containers/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Ryuk (Testcontainers' reaper) is an image from a registry; the tests remove what they start.
    env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
  },
});
