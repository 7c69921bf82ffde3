import { defineConfig } from 'vitest/config';

// Four projects, one per kind of test (DEVELOPERS.md): unit tests run on fakes only; contract
// suites run against fakes here and against real peers from integration; integration tests talk to
// real peers (openssl, SoftHSM, pcscd, mtools); e2e drives the built CLI and UI.
//
// Groups run one after the other (projects of one group run side by side, each with its own
// workers): unit and contract tests (fakes, no shared peer) on two workers, then integration, then
// e2e, one file at a time: those share one pcscd/vpcd (the demo attaches its card to a vpcd that
// answers), loop devices and ports, and some wait on real time.
const fakes = { sequence: { groupOrder: 0 }, maxWorkers: 2 } as const;
const integration = { sequence: { groupOrder: 1 }, maxWorkers: 1 } as const;
const e2e = { sequence: { groupOrder: 2 }, maxWorkers: 1 } as const;

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
          ...integration,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          ...e2e,
        },
      },
    ],
  },
});
