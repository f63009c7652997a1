import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/real-parts.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // As ir itself does: the SDK's Node 20 notice would otherwise repeat through the test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
