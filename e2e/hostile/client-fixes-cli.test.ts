/**
 * A long wait on a 429 is said before the built CLI waits. The CLI's refusals before sending run in-process:
 * packages/cli/test/client-fixes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-support/run-cli.js";
import { withSandbox } from "../../test-support/sandbox.js";

const sandbox = withSandbox();

describe("a long wait on a 429", () => {
  it("is said on stderr before the CLI waits", async () => {
    await sandbox().admin.setFaults({ script: [{ fault: "429", method: "GET", path: "/v2/users", retryAfterSeconds: 5 }] });
    try {
      const r = await runCli(["users"], { env: sandbox().env, timeoutMs: 60_000 });
      expect(r.stderr).toContain("gong-connector: warning: Gong asked to wait 5 s (429 on GET /v2/users); waiting…");
      expect(r.code).toBe(0);
    } finally {
      await sandbox().admin.clearFaults();
    }
  });
});
