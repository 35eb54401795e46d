// Nest 12 ships ES modules only, so jest runs in its native ESM mode (see package.json "test").
// tsconfig.json sets isolatedModules, so ts-jest transpiles each file on its own and type-checks
// nothing: `npm run typecheck` (part of `npm run lint`, which CI runs first) checks src and test
// once. Type-checking in ts-jest cost each cold run minutes of CPU (the unit project alone: 138 s
// against 74 s), and a one-spec run 20 s instead of 2.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};

// package.json's "test" passes --forceExit: once the results are in, the process exits rather
// than wait for the event loop to drain. On Node 20 a finished run (1,282 tests reported) once
// spun in Node's own exit clean-up (uv_run inside FreeEnvironment) for minutes, which would hold
// CI until its timeout. Leaked handles still show: a test that leaves a broker running fails or
// trips the next one's port, and `npx jest --detectOpenHandles <file>` finds them.
//
// It also gives the heap 8 GB: the suites run in one process (two cores, in band), and jest's
// ESM mode keeps each suite's module graph alive in its own vm context, so the heap grows with the
// number of suites; on Node 24 a full run of 165 suites passed the default limit (about 4 GB) near
// its end and aborted. `--logHeapUsage` shows the growth per suite.
/** @type {import('jest').Config} */
export default {
  // End-to-end tests wait on real timers (polling, deadlines); unit tests finish far sooner.
  testTimeout: 20_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
