import { defineConfig } from 'vitest/config';

// Node 20 is supported locally (Lambda runs nodejs22.x). The AWS SDK's notice that its releases after
// January 2027 need Node 22 says nothing actionable for a pinned lock file; bin/jobwatch.mjs silences it
// the same way, so test output shows only what matters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'lib/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
