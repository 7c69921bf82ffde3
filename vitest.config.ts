import { defineConfig } from 'vitest/config';

// Four projects, one per kind of test (DEVELOPERS.md): unit tests run on fakes only; contract
// suites run against fakes here and against real peers from integration; integration tests talk to
// real peers (openssl, SoftHSM, pcscd, mtools); e2e drives the built CLI and UI.
export default defineConfig({
  test: {
    globalSetup: ['test/globalSetup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'contract', include: ['test/contract/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000 },
      },
    ],
  },
});
