/**
 * The sandbox's memory while it receives a large upload: measured in a sandbox of its own (a child process started
 * from the built package), as the growth of its peak RSS from a small upload to a large one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCall } from "../../bench/lib/calls.js";
import { writeMediaFile } from "../../bench/lib/files.js";
import { startSandboxChild, type SandboxChild } from "../../bench/lib/sandbox.js";
import { GongClient } from "@gong-connector/client";

const MB = 1024 * 1024;
let dir = "";
let sb: SandboxChild | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-upload-memory-"));
  sb = await startSandboxChild();
});

afterAll(async () => {
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sandbox memory while receiving", () => {
  it("a 400 MB upload raises the sandbox's peak RSS by less than 16 MB over a 10 MB one", async () => {
    if (sb === undefined) throw new Error("sandbox not started");
    const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: false });
    const small = join(dir, "small.wav");
    const large = join(dir, "large.wav");
    await writeMediaFile(small, 10_000_000);
    const largeSha = await writeMediaFile(large, 400_000_000);

    const first = await createCall(sb.baseUrl, sb.accessKey, sb.accessKeySecret, "memory-small");
    await client.uploadMedia(first, small);
    const afterSmall = sb.peakRss();

    const second = await createCall(sb.baseUrl, sb.accessKey, sb.accessKeySecret, "memory-large");
    await client.uploadMedia(second, large);
    const afterLarge = sb.peakRss();

    const stored = (await sb.admin("GET", `/calls/${second}`)) as { call: { media: { sha256: string } } };
    expect(stored.call.media.sha256).toBe(largeSha);
    console.log(`sandbox peak RSS: ${(afterSmall / MB).toFixed(1)} MB after 10 MB, ${(afterLarge / MB).toFixed(1)} MB after 400 MB`);
    expect(afterSmall).toBeGreaterThan(0);
    expect(afterLarge - afterSmall).toBeLessThan(16 * MB);
  });
});
