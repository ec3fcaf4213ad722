import { configDefaults, defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources (the "source" export condition), so unit tests never
// need a build; end-to-end tests run the built CLI and check first that dist/ is newer than src/.
const conditions = ["source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default"],
    exclude: [...configDefaults.exclude],
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/test/**/*.test.ts", "test-support/test/**/*.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["e2e/**/*.test.ts"], globalSetup: ["test-support/e2e-setup.ts"] } },
    ],
  },
});
