import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    // The AWS SDK warns once per process that releases after January 2027 need Node 22 (noted in the README).
    // Google's auth library probes the GCE metadata server (169.254.169.254) when it looks for a
    // project or credentials: never from a test, whose traffic stays on 127.0.0.1.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', METADATA_SERVER_DETECTION: 'none' },
    hookTimeout: 60_000,
    // Most suites wait on emulators and child processes, not the CPU: three files at a time on two
    // cores keeps the whole run under five minutes (one at a time, vitest's default here, takes twice that).
    maxWorkers: 3,
  },
});
