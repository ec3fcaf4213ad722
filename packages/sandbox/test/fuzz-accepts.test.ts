/** Fuzzing the sandbox's acceptance: any request our validation accepts, the sandbox accepts too (200 with a callId). */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateAddCallRequest } from "@gong-connector/schema";
import { startSandbox, type RunningSandbox } from "../src/index.js";
import { validRequestArb } from "../../../test-support/arbitraries.js";

let sandbox: RunningSandbox;
let auth = "";

beforeAll(async () => {
  sandbox = await startSandbox({ host: "127.0.0.1", port: 0, ratePerSecond: 0, ratePerDay: 0 });
  auth = `Basic ${Buffer.from(`${sandbox.accessKey}:${sandbox.accessKeySecret}`).toString("base64")}`;
});

afterAll(async () => {
  await sandbox.close();
});

describe("fuzz: the sandbox accepts valid requests", () => {
  it("answers 200 with a numeric-string callId for every generated valid request", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(validRequestArb(() => `fuzz-${Date.now()}-${n++}`), async (request) => {
        const check = validateAddCallRequest(request);
        if (!check.ok) expect.fail(`generator produced an invalid request: ${check.issues.map((i) => i.message).join("; ")}`);
        const res = await fetch(`${sandbox.baseUrl}/v2/calls`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body: JSON.stringify(request),
        });
        const text = await res.text();
        if (res.status !== 200) expect.fail(`sandbox answered ${res.status}: ${text}\nrequest: ${JSON.stringify(request)}`);
        expect(text).toMatch(/"callId"\s*:\s*"[0-9]{1,20}"/);
      }),
      { numRuns: 150 },
    );
  });
});
