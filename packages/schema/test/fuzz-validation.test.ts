/**
 * Fuzzing the library's refusal: any generated invalid Add call request is refused by our validation, with the bad
 * field named, and addCall sends nothing (a counting TCP listener sees no connection).
 */
import fc from "fast-check";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCall } from "../../client/src/actions/index.js";
import { GongClient, ValidationError } from "@gong-connector/client";
import { validateAddCallRequest, type AddCallRequestInput } from "../src/index.js";
import { invalidRequestArb, names, validRequestArb } from "../../../test-support/arbitraries.js";

let server: Server;
let connections = 0;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
});

function issuesText(issues: readonly { message: string }[]): string {
  return issues.map((i) => i.message).join("\n");
}

describe("fuzz: validation", () => {
  it("accepts every generated valid request (the generator is sound)", () => {
    let n = 0;
    fc.assert(
      fc.property(validRequestArb(() => String(n++)), (request) => {
        const r = validateAddCallRequest(request);
        if (!r.ok) expect.fail(`valid request refused:\n${issuesText(r.issues)}\n${JSON.stringify(request)}`);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses every generated invalid request and names the bad field", () => {
    fc.assert(
      fc.property(invalidRequestArb(), ({ request, field, what }) => {
        const r = validateAddCallRequest(request);
        if (r.ok) expect.fail(`accepted a request with ${what}`);
        if (!r.issues.some((i) => names(i.path, field))) expect.fail(`${what}: no issue names ${field}:\n${issuesText(r.issues)}`);
        for (const issue of r.issues) {
          // The one line past the first 100 issues ("…and N more issues") stands alone.
          if (issue.path === "(root)" && issue.rule.startsWith("…and ")) expect(issue.message).toBe(issue.rule);
          else expect(issue.message).toBe(`${issue.path}: ${issue.rule}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("addCall throws ValidationError naming the field and opens no connection", async () => {
    const client = new GongClient({
      baseURL: `http://127.0.0.1:${port}`,
      auth: { accessKey: "fuzz-key", accessKeySecret: "fuzz-secret" },
      maxRetries: 0,
      rateLimit: false,
      timeoutMs: 2000,
    });
    await fc.assert(
      fc.asyncProperty(invalidRequestArb(), async ({ request, field, what }) => {
        const error: unknown = await addCall(client, request as AddCallRequestInput).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(error instanceof ValidationError)) expect.fail(`${what}: expected ValidationError, got ${String(error)}`);
        if (!error.issues.some((i) => names(i.path, field))) expect.fail(`${what}: no issue names ${field}:\n${issuesText(error.issues)}`);
      }),
      { numRuns: 150 },
    );
    expect(connections).toBe(0);
  });
});
