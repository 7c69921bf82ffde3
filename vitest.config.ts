import { defineConfig } from 'vitest/config';

// Four projects, one per kind of test (DEVELOPERS.md): unit tests run on fakes only; contract
// suites run against fakes here and against real peers from integration; integration tests talk to
// real peers (openssl, SoftHSM, pcscd, mtools); e2e drives the built CLI and UI.
//
// Two groups, one after the other: unit and contract tests (fakes, no shared peer) on two workers,
// then integration and e2e on one, since those share one pcscd/vpcd, loop devices and ports and
// some wait on real time (two workers there broke them).
const fakes = { sequence: { groupOrder: 0 }, maxWorkers: 2 } as const;
const peers = { sequence: { groupOrder: 1 }, maxWorkers: 1 } as const;

export default defineConfig({
  test: {
    globalSetup: ['test/globalSetup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], ...fakes } },
      {
        extends: true,
        test: { name: 'contract', include: ['test/contract/**/*.test.ts'], ...fakes },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          ...peers,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          ...peers,
        },
      },
    ],
  },
});
