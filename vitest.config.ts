import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources (the "@gong-connector/source" export condition), so unit tests never
// need a build; end-to-end tests run the built CLI and check first that dist/ is newer than src/.
const conditions = ["@gong-connector/source", "module", "node", "development|production"];

// Test files spend much of their time waiting (on CLI subprocesses, sockets, timers, Redis): two workers per core
// keep the cores busy; more only adds contention (the CLI processes they start need the cores too).
// VITEST_MAX_WORKERS (or --maxWorkers) overrides it.
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS ?? "") || Math.max(2, availableParallelism() * 2);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@gong-connector/source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers,
    // As many as maxWorkers: with isolate false (the unit project), vitest 3.2 fails a run that shrinks its pool
    // ("Terminating worker thread") although every test passed.
    minWorkers: maxWorkers,
    reporters: ["default"],
    // VITEST_CPU_LOG=<file>: each test file logs the CPU seconds it cost (test-support/cpu-per-file.ts).
    setupFiles: process.env.VITEST_CPU_LOG ? ["test-support/cpu-per-file.ts"] : [],
    exclude: [...configDefaults.exclude],
    projects: [
      // Unit test files share their worker's module cache (isolate false): each worker imports zod, the schema and the
      // client once instead of once per file. The files leave no global state behind (timers, env, mocks are restored).
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/test/**/*.test.ts", "test-support/test/**/*.test.ts"], isolate: false },
      },
      // End-to-end test files share their worker too: each spends its CPU in the processes it starts, and a fresh worker
      // per file (about half a CPU-second) bought nothing; none changes a global (env, timers, mocks) it does not restore.
      {
        extends: true,
        test: { name: "e2e", include: ["e2e/**/*.test.ts"], globalSetup: ["test-support/e2e-setup.ts"], isolate: false },
      },
      // The benchmarks in smoke mode (tiny sizes): `npm run test:bench`, and first thing in `npm run bench`; not in `npm test`.
      { extends: true, test: { name: "bench", include: ["bench/test/**/*.test.ts"], globalSetup: ["test-support/e2e-setup.ts"] } },
    ],
  },
});
