// Nest 12 ships ES modules only, so jest runs in its native ESM mode (see package.json "test").
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
];
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
