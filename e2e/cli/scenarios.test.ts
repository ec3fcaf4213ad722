import { createHash } from "node:crypto";
import { createWriteStream, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateConversationWav, wavHeader } from "../../packages/sandbox/src/internal/wav.js";
import { apiRequests, callsWith, DISTINCTIVE_SECRET, stdoutJson, withTempDir } from "../../test-support/cli-fixtures.js";
import { freePort } from "../../test-support/importer.js";
import { withSandbox } from "../../test-support/sandbox.js";
import { runCli } from "../../test-support/run-cli.js";

/**
 * The CLI run as a user runs it (the built CLI, a process of its own), against the sandbox over real HTTP. The other
 * scenarios run in-process: packages/cli/test/scenarios.test.ts.
 */
const sandbox = withSandbox();
const { dir, writeJson } = withTempDir("gc-scenarios-");
const SECRET = DISTINCTIVE_SECRET;

describe("add-call", () => {
  it("adds a call and uploads its media: JSON on stdout, exit 0", async () => {
    const sb = sandbox();
    const wav = generateConversationWav({ turns: 4, turnMs: 300 }).wav;
    const media = join(dir, "call.wav");
    writeFileSync(media, wav);
    const request = sb.validCall();
    const r = await runCli(["add-call", "--input", writeJson("ok.json", request), "--media", media], { env: sb.env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = stdoutJson(r);
    expect(out.callId).toMatch(/^[0-9]{19}$/);
    expect(typeof out.requestId).toBe("string");
    const mediaOut = out.media as { requestId: string; url: string };
    expect(mediaOut.url).toBe(`${sb.baseUrl}/call?id=${String(out.callId)}`);
    const stored = await sb.admin.call(String(out.callId));
    expect(stored.request).toEqual(request);
    expect(stored.media.sha256).toBe(createHash("sha256").update(wav).digest("hex"));
  });

  it("waits out 429 with Retry-After: 2 twice, then succeeds with one call", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    await sb.admin.setFaults({ script: [{ fault: "429", retryAfterSeconds: 2, method: "POST", path: "/v2/calls", count: 2 }] });
    const r = await runCli(["add-call", "--input", writeJson("429.json", request)], { env: sb.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.durationMs).toBeGreaterThanOrEqual(4000);
    const calls = await callsWith(sb, request.clientUniqueId);
    expect(calls.map((c) => c.id)).toEqual([stdoutJson(r).callId]);
    const posts = (await apiRequests(sb)).filter((q) => q.method === "POST" && q.path === "/v2/calls");
    expect(posts.slice(0, 3).map((q) => q.status)).toEqual([200, 429, 429]); // newest first
  });

  it("exits 3 on 401 after one request, showing Gong's errors and requestId but not the secret", async () => {
    const sb = sandbox();
    const before = (await apiRequests(sb)).length;
    const r = await runCli(["add-call", "--input", writeJson("401.json", sb.validCall())], {
      env: { ...sb.env, GONG_ACCESS_KEY_SECRET: SECRET },
    });
    expect(r.code).toBe(3);
    expect((await apiRequests(sb)).length - before).toBe(1);
    expect(r.stderr).toMatch(/401/);
    expect(r.stderr).toMatch(/requestId: \S+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

});

describe("add-media", () => {
  it("streams a 200 MB file byte-exact with the CLI's peak RSS under 150 MB", async () => {
    const sb = sandbox();
    const size = 200 * 1024 * 1024;
    const path = join(dir, "big.wav");
    const hash = createHash("sha256");
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(path);
      out.on("error", reject);
      const header = wavHeader(size - 44, 8000);
      hash.update(header);
      out.write(header);
      const chunk = Buffer.alloc(1024 * 1024);
      let written = 44;
      let seed = 12345;
      const writeMore = (): void => {
        while (written < size) {
          const n = Math.min(chunk.length, size - written);
          for (let i = 0; i < n; i += 4) {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            chunk.writeUInt32LE(seed, i);
          }
          const piece = chunk.subarray(0, n);
          hash.update(piece);
          written += n;
          if (!out.write(Buffer.from(piece))) {
            out.once("drain", writeMore);
            return;
          }
        }
        out.end(resolve);
      };
      writeMore();
    });
    const sha256 = hash.digest("hex");
    const add = await runCli(["add-call", "--input", writeJson("big.json", sb.validCall())], { env: sb.env });
    const callId = String(stdoutJson(add).callId);
    const r = await runCli(["add-media", "--call-id", callId, "--file", path], { env: sb.env, measureRss: true });
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r)).toMatchObject({ callId, url: `${sb.baseUrl}/call?id=${callId}` });
    const stored = await sb.admin.call(callId);
    expect(stored.media.size).toBe(size);
    expect(stored.media.sha256).toBe(sha256);
    expect(r.peakRss).toBeLessThan(150 * 1024 * 1024);
    console.log(`200 MB upload: CLI peak RSS ${((r.peakRss ?? 0) / 1048576).toFixed(1)} MB in ${r.durationMs} ms`);
    rmSync(path);
  }, 180_000);
});

describe("an unreachable server: nothing was sent", () => {
  it("add-call against a closed port exits 4 at once, names GONG_BASE_URL and the sandbox, and makes no look-up", async () => {
    const sb = sandbox();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { ...sb.env, GONG_BASE_URL: baseUrl };
    const r = await runCli(["add-call", "--verbose", "--input", writeJson("refused.json", sb.validCall())], { env });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`could not reach ${baseUrl}: connection refused`);
    expect(r.stderr).toContain("nothing was sent");
    expect(r.stderr).toContain(`GONG_BASE_URL is "${baseUrl}"`);
    expect(r.stderr).toContain(`Nothing listens on 127.0.0.1:${port}: is \`gong-connector sandbox\` running? Its JSON line gives the baseUrl.`);
    // --verbose logs every attempt: one POST, no retry and no GET /v2/calls look-up.
    const attempts = r.stderr.split("\n").filter((line) => line.includes("gong attempt"));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toContain('"method":"POST"');
    expect(r.stderr).not.toContain('"method":"GET"');
    expect(r.stderr).not.toContain("clientUniqueId");
    expect(r.stderr).not.toContain(sb.accessKeySecret);
  });

});

