/**
 * The CLI's scenarios run in-process (`run(argv)` of its sources) against the sandbox and scripted servers over real
 * HTTP: recoveries, duplicates, pick lists, base URL and setup errors, credential hints, answers of another shape,
 * media checks and upload failures, and the secret never printed. e2e/cli/scenarios.test.ts runs through the built
 * CLI what a process of its own shows: a call with media (exit 0, JSON on stdout), Retry-After waited out, exit 3 on
 * 401, a 200 MB upload in bounded memory, exit 4 against a closed port.
 */
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateConversationWav } from "../../sandbox/src/internal/wav.js";
import { apiRequests, callsWith, DISTINCTIVE_SECRET, stdoutJson, withTempDir } from "../../../test-support/cli-fixtures.js";
import { freePort } from "../../../test-support/importer.js";
import { startTestSandbox, withSandbox } from "../../../test-support/sandbox.js";
import { runInProcess } from "../../../test-support/run-in-process.js";
import { FAST_WAITS } from "../../../test-support/test-hooks.js";
import { readBody, sendJson, startScriptServer } from "../../client/test/helpers/script-server.js";

const sandbox = withSandbox();
const { dir, writeJson } = withTempDir("gc-scenarios-");
const SECRET = DISTINCTIVE_SECRET;

describe("add-call", () => {
  it("recovers from a 500 with exactly one call", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    await sb.admin.setFaults({ script: [{ fault: "500", method: "POST", path: "/v2/calls", count: 1 }] });
    const r = await runInProcess(["add-call", "--input", writeJson("500.json", request)], { env: { ...sb.env, ...FAST_WAITS } });
    expect(r.code, r.stderr).toBe(0);
    expect((await callsWith(sb, request.clientUniqueId)).map((c) => c.id)).toEqual([stdoutJson(r).callId]);
  });

  it("recovers when the connection drops after the call was created: exactly one call", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    await sb.admin.setFaults({ script: [{ fault: "drop-after-commit", method: "POST", path: "/v2/calls", count: 1 }] });
    const r = await runInProcess(["add-call", "--input", writeJson("drop.json", request)], { env: { ...sb.env, ...FAST_WAITS } });
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r).recovered).toBe(true);
    expect((await callsWith(sb, request.clientUniqueId)).map((c) => c.id)).toEqual([stdoutJson(r).callId]);
  });

  it("--check-user refuses a primary user who is not enabled for call import before any Add call (exit 2)", async () => {
    const sb = sandbox();
    const id = sb.users.recordingDisabled;
    const request = sb.validCall({ primaryUser: id, parties: [{ userId: id, name: "Rep" }, { name: "Customer", phoneNumber: "+1 555 0100" }] });
    const posts = async () => (await apiRequests(sb)).filter((q) => q.method === "POST").length;
    const before = await posts();
    const r = await runInProcess(["add-call", "--input", writeJson("check-user.json", request), "--check-user"], { env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`primaryUser: user ${id} is not enabled for call import`);
    expect(await posts()).toBe(before);
  });

  it("a duplicate clientUniqueId returns the existing call (exit 0, duplicate: true)", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    const path = writeJson("dup.json", request);
    const first = await runInProcess(["add-call", "--input", path], { env: sb.env });
    const second = await runInProcess(["add-call", "--input", path], { env: sb.env });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(stdoutJson(second)).toMatchObject({ callId: stdoutJson(first).callId, duplicate: true });
    expect(await callsWith(sb, request.clientUniqueId)).toHaveLength(1);
  });

  it("exits 3 with a hint when the primary user is not enabled for call import", async () => {
    const sb = sandbox();
    const userId = sb.users.recordingDisabled;
    const r = await runInProcess(["add-call", "--input", writeJson("409.json", sb.validCall({ primaryUser: userId, parties: [{ userId, name: "x" }] }))], { env: sb.env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/409/);
    expect(r.stderr).toMatch(/enabled for call import/);
  });

  it("never prints the secret, whatever fails", async () => {
    const sb = sandbox();
    const env = { ...sb.env, GONG_ACCESS_KEY_SECRET: SECRET };
    const results = [
      await runInProcess(["add-call", "--input", writeJson("s1.json", sb.validCall({ direction: "x" }))], { env }),
      await runInProcess(["add-call", "--verbose", "--input", writeJson("s2.json", sb.validCall())], { env }),
      await runInProcess(["users", "--verbose"], { env }),
      await runInProcess(["workspaces"], { env: { ...env, GONG_BASE_URL: "http://example.com" } }),
      await runInProcess(["add-media", "--call-id", "1", "--file", "/nonexistent.wav"], { env }),
      await runInProcess(["users"], { env: { GONG_BASE_URL: sb.baseUrl, GONG_BEARER_TOKEN: SECRET } }),
      await runInProcess(["add-call", "-v", "--input", writeJson("s3.json", sb.validCall())], { env: { GONG_BASE_URL: "http://127.0.0.1:9", GONG_BEARER_TOKEN: SECRET } }),
    ];
    for (const r of results) {
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(`${sb.accessKey}:${SECRET}`).toString("base64"));
    }
  }, 120_000);
});

describe("pick lists", () => {
  it("users prints every user (all pages) as JSON", async () => {
    const sb = sandbox();
    const r = await runInProcess(["users"], { env: sb.env });
    expect(r.code, r.stderr).toBe(0);
    const users = JSON.parse(r.stdout) as { id: string; name: string }[];
    expect(users.length).toBeGreaterThanOrEqual(160);
    expect(users.map((u) => u.id)).toContain(sb.users.host);
  });
  it("workspaces prints id and name", async () => {
    const sb = sandbox();
    const r = await runInProcess(["workspaces"], { env: sb.env });
    expect(r.code, r.stderr).toBe(0);
    const workspaces = JSON.parse(r.stdout) as { id: string; name: string }[];
    expect(workspaces.map((w) => w.id)).toContain(sb.defaultWorkspaceId);
  });
  it("--json is accepted (JSON is always what they print)", async () => {
    const sb = sandbox();
    const [users, workspaces] = await Promise.all([runInProcess(["users", "--json"], { env: sb.env }), runInProcess(["workspaces", "--json"], { env: sb.env })]);
    expect(users.code, users.stderr).toBe(0);
    expect(workspaces.code, workspaces.stderr).toBe(0);
    expect(JSON.parse(users.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: sb.users.host })]));
    expect(JSON.parse(workspaces.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: sb.defaultWorkspaceId })]));
  });
});

describe("an unreachable server: nothing was sent", () => {
  it("users names --base-url when the flag set it", async () => {
    const sb = sandbox();
    const port = await freePort();
    const r = await runInProcess(["users", "--base-url", `http://localhost:${port}/`], { env: sb.env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`--base-url is "http://localhost:${port}"`);
    expect(r.stderr).toContain(`Nothing listens on localhost:${port}`);
  });
});

describe("base URL and setup errors", () => {
  it("a base URL ending in /v2 or /v2/ works, with a warning naming the variable", async () => {
    const sb = sandbox();
    for (const suffix of ["/v2", "/v2/"]) {
      const r = await runInProcess(["workspaces"], { env: { ...sb.env, GONG_BASE_URL: `${sb.baseUrl}${suffix}` } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`gong-connector: warning: GONG_BASE_URL ends in /v2, which every API path adds itself; using "${sb.baseUrl}"`);
      expect((JSON.parse(r.stdout) as unknown[]).length).toBe(sb.workspaces.length);
    }
  });

  it("a setup error names the variable the user set, not the library's option, and is not 'invalid input'", async () => {
    const sb = sandbox();
    const r = await runInProcess(["users"], { env: { ...sb.env, GONG_BASE_URL: "http://gong.example.com" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gong-connector: GONG_BASE_URL must use https unless the host is loopback (localhost, 127.0.0.0/8, ::1) (it is "http://gong.example.com")');
    expect(r.stderr).not.toContain("baseURL");
    expect(r.stderr).not.toContain("invalid input");
    const flag = await runInProcess(["users", "--base-url", "not a url"], { env: sb.env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('gong-connector: --base-url must be an absolute URL (it is "not a url")');
    const missing = await runInProcess(["users"], { env: { GONG_BASE_URL: sb.baseUrl, GONG_ACCESS_KEY: sb.accessKey } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("gong-connector: GONG_ACCESS_KEY_SECRET is required with GONG_ACCESS_KEY\n");
  });

  it("schema with an unknown action is a usage error, not 'invalid input, nothing was sent'", async () => {
    const r = await runInProcess(["schema", "add-media"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gong-connector: schema: no action "add-media"; the actions are: add-call\n');
  });
});

describe("credentials hints", () => {
  it("a 403 on users or workspaces hints at the credentials and the missing scope", async () => {
    const sb = await startTestSandbox({ bearerTokens: { "sbx-limited-token-4d1f0a": ["api:calls:create"] } });
    try {
      const env = { GONG_BASE_URL: sb.baseUrl, GONG_BEARER_TOKEN: "sbx-limited-token-4d1f0a" };
      for (const [command, scope] of [["users", "api:users:read"], ["workspaces", "api:workspaces:read"]] as const) {
        const r = await runInProcess([command], { env });
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toContain(`Gong refused the request to GET /v2/${command} (403 PermissionDenied)`);
        expect(r.stderr).toContain(`Check GONG_ACCESS_KEY / GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN) and GONG_BASE_URL, or the token lacks the scope ${scope}.`);
        expect(r.stderr).not.toContain("sbx-limited-token-4d1f0a");
      }
      const wrong = await runInProcess(["users"], { env: { ...sb.env, GONG_ACCESS_KEY_SECRET: "wrong-secret-value" } });
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toContain("Check GONG_ACCESS_KEY / GONG_ACCESS_KEY_SECRET");
    } finally {
      await sb.close();
    }
  });
});

describe("answers that are not Gong's shape", () => {
  it("an error body of another JSON shape is shown (redacted, control characters escaped), exit 3", async () => {
    const server = await startScriptServer((_req, res) => {
      sendJson(res, 422, { message: `validation failed for ${SECRET}`, detail: "line1\nline2\u001b[31m" });
    });
    try {
      const r = await runInProcess(["users"], { env: { GONG_BASE_URL: server.url, GONG_ACCESS_KEY: "k", GONG_ACCESS_KEY_SECRET: SECRET } });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("Gong refused the request to GET /v2/users (422)");
      expect(r.stderr).toContain('  body: {"message":"validation failed for [REDACTED]","detail":"line1\\nline2\\u001b[31m"}');
      expect(r.stderr).not.toContain("\u001b");
      expect(r.stderr).not.toContain(SECRET);
    } finally {
      await server.close();
    }
  });

  it("a malformed user keeps the good ones, with a warning naming it (exit 0); a malformed page exits 4", async () => {
    const server = await startScriptServer((req, res) => {
      if (req.url?.startsWith("/bad/") === true) {
        sendJson(res, 200, { requestId: "r1", records: {}, users: "nope" });
        return;
      }
      sendJson(res, 200, {
        requestId: "r1",
        records: { totalRecords: 3, currentPageSize: 3, currentPageNumber: 0 },
        users: [
          { id: "101", emailAddress: "a@example.com", firstName: "Ada" },
          { id: "102", emailAddress: 42 },
          { id: "103", emailAddress: "c@example.com", firstName: "Cy" },
        ],
      });
    });
    try {
      const env = { GONG_BASE_URL: server.url, GONG_ACCESS_KEY: "k", GONG_ACCESS_KEY_SECRET: SECRET };
      const r = await runInProcess(["users"], { env });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((u) => u.id)).toEqual(["101", "103"]);
      expect(r.stderr).toMatch(/^gong-connector: warning: GET \/v2\/users: left out a malformed record, users\[1\] \(page 1, id 102\): emailAddress: /);
      const bad = await runInProcess(["users"], { env: { ...env, GONG_BASE_URL: `${server.url}/bad` } });
      expect(bad.code).toBe(4);
      expect(bad.stderr).toContain('GET /v2/users: "users" is not an array');
    } finally {
      await server.close();
    }
  });
});

describe("media files checked before anything is sent", () => {
  it("a .wav that is not audio fails --dry-run and the real run (exit 2), and no call is created", async () => {
    const sb = sandbox();
    const fake = join(dir, "minutes.wav");
    writeFileSync(fake, "Minutes of the call: nothing to see here.\n");
    const request = sb.validCall();
    const input = writeJson("fake-media.json", request);
    const before = (await apiRequests(sb)).length;
    for (const args of [["--dry-run"], []]) {
      const r = await runInProcess(["add-call", "--input", input, "--media", fake, ...args], { env: sb.env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`mediaFile: ${JSON.stringify(fake)} is not WAV as its extension says: found text, not audio or video`);
    }
    expect((await apiRequests(sb)).length).toBe(before);
    expect(await callsWith(sb, request.clientUniqueId)).toHaveLength(0);
  });

  it("a .wav symlink to /etc/passwd is refused (exit 2), nothing sent", async () => {
    const sb = sandbox();
    const link = join(dir, "passwd.wav");
    symlinkSync("/etc/passwd", link);
    const before = (await apiRequests(sb)).length;
    const r = await runInProcess(["add-media", "--call-id", "1234567890123456789", "--file", link], { env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("found text, not audio or video");
    expect((await apiRequests(sb)).length).toBe(before);
  });

  it("after a failed upload, the retry hint names the file as given, shell-quoted", async () => {
    const sb = sandbox();
    const media = join(dir, "it's a call.wav");
    writeFileSync(media, generateConversationWav({ turns: 1, turnMs: 100 }).wav);
    await sb.admin.setFaults({ script: [{ fault: "500", method: "PUT", count: 10 }] });
    try {
      const r = await runInProcess(["add-call", "--input", writeJson("upload-fails.json", sb.validCall()), "--media", media, "--quiet"], { env: { ...sb.env, ...FAST_WAITS } });
      expect(r.code, r.stderr).toBe(4);
      const callId = String(stdoutJson(r).callId);
      const quoted = `'${media.replace(/'/g, "'\\''")}'`;
      expect(r.stderr).toContain(`Retry the upload with: gong-connector add-media --call-id ${callId} --file ${quoted}`);
      expect(r.stderr).toContain(`gave up: Gong answered 500 to PUT /v2/calls/${callId}/media after 4 attempts`);
    } finally {
      await sb.admin.clearFaults();
    }
  });

  it("a 507 (disk full) on upload is retried like any 5xx, then 'gave up … Gong answered 507', exit 4", async () => {
    const server = await startScriptServer(async (req, res) => {
      await readBody(req);
      sendJson(res, 507, { requestId: "full-1", errors: ["Insufficient Storage"] });
    });
    try {
      const media = join(dir, "disk-full.wav");
      writeFileSync(media, generateConversationWav({ turns: 1, turnMs: 100 }).wav);
      const r = await runInProcess(["add-media", "--call-id", "1234567890123456789", "--file", media, "--quiet"], {
        env: { GONG_BASE_URL: server.url, GONG_ACCESS_KEY: "k", GONG_ACCESS_KEY_SECRET: SECRET, ...FAST_WAITS },
      });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain("gong-connector: gave up: Gong answered 507 to PUT /v2/calls/1234567890123456789/media after 4 attempts");
      expect(r.stderr).toContain("  - Insufficient Storage");
      expect(r.stderr).toContain("  requestId: full-1");
      expect(server.seen).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});
