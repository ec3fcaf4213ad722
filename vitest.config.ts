import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources (the "source" export condition), so unit tests never
// need a build; end-to-end tests run the built CLI and check first that dist/ is newer than src/.
const conditions = ["source", "module", "node", "development|production"];

// Most test files spend their time waiting (on CLI subprocesses, sockets, timers, Redis), not computing: more
// workers than cores keeps the cores busy. VITEST_MAX_WORKERS (or --maxWorkers) overrides it.
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS ?? "") || Math.max(4, availableParallelism() * 3);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers,
    minWorkers: 1,
    reporters: ["default"],
    exclude: [...configDefaults.exclude],
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/test/**/*.test.ts", "test-support/test/**/*.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["e2e/**/*.test.ts"], globalSetup: ["test-support/e2e-setup.ts"] } },
    ],
  },
});
