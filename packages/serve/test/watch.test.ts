/**
 * The watch folder against a real sandbox over HTTP, with the relay in-process: pairs taken in only once complete,
 * delivered with their recording, moved to done/ or failed/ (with the reason), and pairs a killed relay left
 * mid-way taken again at start-up.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConversationWav } from "@gong-connector/sandbox";
import { startRelay, type Relay } from "../src/index.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";
import { until } from "../../../test-support/until.js";

const TIMING = { pollMs: 100, settleMs: 400, unparseableMs: 2000 };
let sb: TestSandbox;
let relay: Relay;
let root: string;
let watchDir: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function wav(seed: number): Buffer {
  return Buffer.from(generateConversationWav({ speakers: 2, turns: 2, turnMs: 30 + seed, gapMs: 10, sampleRate: 8000 }).wav);
}

function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

/**
 * NAME.error.json once it is whole: the relay writes it in place (then moves the pair's JSON beside it), so a reader
 * that finds it may catch it half-written.
 */
function errorDoc<T>(what: string, path: string, timeoutMs?: number): Promise<T> {
  return until(
    what,
    () => {
      try {
        return JSON.parse(readFileSync(path, "utf8")) as T;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
  );
}

async function callsFor(id: string): Promise<Awaited<ReturnType<TestSandbox["admin"]["calls"]>>> {
  return (await sb.admin.calls()).filter((c) => c.clientUniqueId === id);
}

function start(dataDir: string, dir: string): Promise<Relay> {
  return startRelay({
    client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } },
    dataDir,
    logger: false,
    watchDir: dir,
    watch: TIMING,
    delivery: { retryBaseMs: 100, retryMaxMs: 200, maxAttempts: 3 },
    rateLimit: { perSecond: 50 },
    concurrency: 8,
    addCall: { ambiguityDelayMs: 50 },
  });
}

beforeAll(async () => {
  sb = await startTestSandbox();
  root = mkdtempSync(join(tmpdir(), "relay-watch-"));
  watchDir = join(root, "in");
  mkdirSync(watchDir);
  relay = await start(join(root, "data"), watchDir);
});

afterAll(async () => {
  await relay.close({ graceMs: 0 });
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});

// The first two tests run alone (the first checks .queued is empty; the second waits a fixed time before looking and
// must not share the event loop with a burst); the others, each on files and calls of its own, run side by side.
describe("the watch folder", () => {
  it("delivers a pair with its recording's bytes, then moves both files to done/", async () => {
    const call = sb.validCall();
    const id = call.clientUniqueId as string;
    const media = wav(1);
    writeFileSync(join(watchDir, "rec one ü.wav"), media);
    writeFileSync(join(watchDir, "rec one ü.json"), JSON.stringify(call));
    await until("done/ to hold the pair", () => existsSync(join(watchDir, "done", "rec one ü.json")) && existsSync(join(watchDir, "done", "rec one ü.wav")));
    const [stored, ...more] = await callsFor(id);
    expect(more).toHaveLength(0);
    expect(stored?.media.state).toBe("ready");
    expect(stored?.media.sha256).toBe(sha256(media));
    expect(readFileSync(join(watchDir, "done", "rec one ü.wav")).equals(media)).toBe(true);
    expect(readdirSync(watchDir).filter((n) => !n.startsWith("."))).toEqual(expect.not.arrayContaining(["rec one ü.json", "rec one ü.wav"]));
    expect(readdirSync(join(watchDir, ".queued"))).toEqual([]);
    const status = await fetch(`${relay.url}/v1/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${relay.token}` } });
    expect(await status.json()).toMatchObject({ status: "done", source: "watch", hasMedia: true });
  });

  it("never takes a half-written JSON; takes it once it is complete", async () => {
    const call = sb.validCall({ title: "half written" });
    const id = call.clientUniqueId as string;
    const text = JSON.stringify(call);
    const path = join(watchDir, "half.json");
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    // Well past the settle time and many polls: still there, nothing accepted, nothing in failed/.
    await sleep(TIMING.settleMs * 3);
    expect(existsSync(path)).toBe(true);
    const notYet = await fetch(`${relay.url}/v1/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${relay.token}` } });
    expect(notYet.status).toBe(404);
    expect(existsSync(join(watchDir, "failed", "half.error.json"))).toBe(false);
    writeFileSync(path, text);
    await until("the finished JSON to be delivered", () => existsSync(join(watchDir, "done", "half.json")));
    expect(await callsFor(id)).toHaveLength(1);
  });

  it.concurrent("moves a JSON that stays unparseable to failed/ with the reason; a media file without JSON is left alone", async () => {
    writeFileSync(join(watchDir, "broken.json"), '{"clientUniqueId": "x",');
    writeFileSync(join(watchDir, "lonely.mp3"), randomBytes(64));
    const doc = await errorDoc<Record<string, unknown>>("broken.json to be refused", join(watchDir, "failed", "broken.error.json"), TIMING.unparseableMs + 10_000);
    expect(doc).toMatchObject({ status: "invalid", clientUniqueId: null, errors: [], issues: [] });
    expect(doc.reason).toMatch(/not valid JSON/);
    // The JSON is moved last (after the error file): the pair is complete once it is there.
    await until("broken.json in failed/", () => existsSync(join(watchDir, "failed", "broken.json")));
    expect(existsSync(join(watchDir, "lonely.mp3"))).toBe(true);
  });

  it.concurrent("moves an invalid call to failed/ with every issue named, and sends nothing", async () => {
    const call = sb.validCall({ direction: "Sideways" });
    delete call.actualStart;
    writeFileSync(join(watchDir, "bad call.wav"), wav(2));
    writeFileSync(join(watchDir, "bad call.json"), JSON.stringify(call));
    await until("the invalid pair in failed/", () => existsSync(join(watchDir, "failed", "bad call.error.json")) && existsSync(join(watchDir, "failed", "bad call.json")));
    expect(existsSync(join(watchDir, "failed", "bad call.wav"))).toBe(true);
    const doc = JSON.parse(readFileSync(join(watchDir, "failed", "bad call.error.json"), "utf8")) as { clientUniqueId: string; status: string; issues: { path: string }[] };
    expect(doc.status).toBe("invalid");
    expect(doc.clientUniqueId).toBe(call.clientUniqueId);
    expect(doc.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["direction", "actualStart"]));
    expect(await callsFor(call.clientUniqueId as string)).toHaveLength(0);
  });

  it.concurrent("moves a call Gong refuses to failed/ with Gong's errors", async () => {
    const call = sb.validCall();
    writeFileSync(join(watchDir, "refused.flac"), randomBytes(10)); // never read: Gong refuses the call first
    writeFileSync(join(watchDir, "refused.json"), JSON.stringify(call));
    const errorFile = join(watchDir, "failed", "refused.error.json");
    // The flac is not a flac: the intake refuses it before Gong sees it.
    const local = await errorDoc<{ status: string; issues: { path: string }[] }>("the pair in failed/", errorFile);
    expect(local.status).toBe("invalid");
    expect(local.issues.map((i) => i.path)).toContain("mediaFile");

    const call2 = sb.validCall({ primaryUser: sb.users.recordingDisabled, parties: [{ userId: sb.users.recordingDisabled, name: "Off", partyId: "rep" }] });
    writeFileSync(join(watchDir, "refused2.json"), JSON.stringify(call2));
    const errorFile2 = join(watchDir, "failed", "refused2.error.json");
    await until("the refused call in failed/", () => existsSync(errorFile2) && existsSync(join(watchDir, "failed", "refused2.json")));
    const doc = JSON.parse(readFileSync(errorFile2, "utf8")) as { clientUniqueId: string; status: string; errors: string[]; lastError: { status: number } };
    expect(doc).toMatchObject({ clientUniqueId: call2.clientUniqueId, status: "failed", issues: [] });
    expect(doc.lastError.status).toBe(409);
    expect(doc.errors.length).toBeGreaterThan(0);
    expect(await callsFor(call2.clientUniqueId as string)).toHaveLength(0);

    // Fixed in Gong, then retried: the pair comes back from failed/ and ends in done/.
    await sb.admin.setUser(sb.users.recordingDisabled, { telephonyCallsImported: true });
    try {
      const res = await fetch(`${relay.url}/v1/calls/${encodeURIComponent(call2.clientUniqueId as string)}/retry`, { method: "POST", headers: { authorization: `Bearer ${relay.token}` } });
      expect(res.status).toBe(202);
      await until("the retried pair in done/", () => existsSync(join(watchDir, "done", "refused2.json")));
    } finally {
      await sb.admin.setUser(sb.users.recordingDisabled, { telephonyCallsImported: false });
    }
    expect(existsSync(errorFile2)).toBe(false);
    expect(existsSync(join(watchDir, "failed", "refused2.json"))).toBe(false);
    expect(await callsFor(call2.clientUniqueId as string)).toHaveLength(1);
  });

  it.concurrent("takes the same clientUniqueId twice as one call (the second pair goes to done/ too), never overwriting done/", async () => {
    const call = sb.validCall();
    writeFileSync(join(watchDir, "twice.json"), JSON.stringify(call));
    await until("the first pair in done/", () => existsSync(join(watchDir, "done", "twice.json")));
    writeFileSync(join(watchDir, "twice.json"), JSON.stringify(call));
    await until("the second pair in done/ beside the first", () => existsSync(join(watchDir, "done", "twice-2.json")));
    expect(existsSync(join(watchDir, "done", "twice.json"))).toBe(true);
    expect(await callsFor(call.clientUniqueId as string)).toHaveLength(1);
  });

  it.concurrent("takes a burst of pairs written at once, each once", async () => {
    const calls = Array.from({ length: 40 }, (_, i) => sb.validCall({ title: `burst ${String(i)}` }));
    calls.forEach((c, i) => {
      writeFileSync(join(watchDir, `burst-${String(i)}.json`), JSON.stringify(c));
    });
    await until("the burst in done/", () => calls.every((_, i) => existsSync(join(watchDir, "done", `burst-${String(i)}.json`))), 40_000);
    const stored = await sb.admin.calls();
    for (const c of calls) expect(stored.filter((s) => s.clientUniqueId === c.clientUniqueId)).toHaveLength(1);
  });

  it.concurrent("refuses symbolic links pointing outside the folder, and takes hostile names", async () => {
    const outside = join(root, "secret.json");
    writeFileSync(outside, JSON.stringify(sb.validCall()));
    symlinkSync(outside, join(watchDir, "link.json"));
    const long = `${"é".repeat(120)}.json`; // 245 bytes: NAME.error.json would be too long for the filesystem
    const call = sb.validCall();
    writeFileSync(join(watchDir, long), JSON.stringify(call));
    writeFileSync(join(watchDir, "..json"), "{}"); // a dot file: ignored
    const refused = await errorDoc<{ reason: string }>("the link refused", join(watchDir, "failed", "link.error.json"));
    expect(readFileSync(outside, "utf8")).toContain("clientUniqueId"); // the target was neither moved nor read
    expect(refused.reason).toMatch(/symbolic link/);
    await until("the long name delivered", async () => (await callsFor(call.clientUniqueId as string)).length === 1 && !existsSync(join(watchDir, long)));
    await until("the long name in done/", () => readdirSync(join(watchDir, "done")).some((n) => n.startsWith("éé") && n.endsWith(".json")));
    expect(existsSync(join(watchDir, "..json"))).toBe(true);
  });
});

describe("start-up recovery", () => {
  it("takes again the pairs a killed relay left in .queued: uncommitted, half-claimed and delivered-but-not-moved", async () => {
    const dir = join(root, "recover");
    const data = join(root, "recover-data");
    mkdirSync(join(dir, ".queued"), { recursive: true });

    // 1. Killed after the claim, before the commit: the pair is in .queued, the outbox has never heard of it.
    const a = sb.validCall({ title: "uncommitted" });
    const aMedia = wav(3);
    mkdirSync(join(dir, ".queued", "k1"));
    writeFileSync(join(dir, ".queued", "k1", "a.wav"), aMedia);
    writeFileSync(join(dir, ".queued", "k1", "a.json"), JSON.stringify(a));
    // 2. Killed between the two moves of the claim: the recording in .queued, its JSON still in the folder.
    const b = sb.validCall({ title: "half claimed" });
    const bMedia = wav(4);
    mkdirSync(join(dir, ".queued", "k2"));
    writeFileSync(join(dir, ".queued", "k2", "b.wav"), bMedia);
    writeFileSync(join(dir, "b.json"), JSON.stringify(b));
    // 3. An empty claim directory (killed right after mkdir).
    mkdirSync(join(dir, ".queued", "k3"));

    const r = await start(data, dir);
    const c = sb.validCall({ title: "finished during the stop" });
    try {
      await until("both pairs in done/", () => ["a.json", "a.wav", "b.json", "b.wav"].every((n) => existsSync(join(dir, "done", n))));
      expect((await callsFor(a.clientUniqueId as string))[0]?.media.sha256).toBe(sha256(aMedia));
      expect((await callsFor(b.clientUniqueId as string))[0]?.media.sha256).toBe(sha256(bMedia));
      expect(await callsFor(a.clientUniqueId as string)).toHaveLength(1);
      expect(await callsFor(b.clientUniqueId as string)).toHaveLength(1);
      await until(".queued to be empty", () => readdirSync(join(dir, ".queued")).length === 0);

      // 4. Delivered while the watcher was already stopped (a relay closing with calls in flight): the pair stays in
      // .queued with its call done; the next start moves it to done/ without sending it again.
      await sb.admin.setFaults({ latencyMs: 1500 });
      writeFileSync(join(dir, "c.json"), JSON.stringify(c));
      await until("c to be sending", async () => {
        const res = await fetch(`${r.url}/v1/calls/${encodeURIComponent(c.clientUniqueId as string)}`, { headers: { authorization: `Bearer ${r.token}` } });
        return res.status === 200 && ((await res.json()) as { status: string }).status === "sending";
      });
      await r.close({ graceMs: 10_000 });
    } finally {
      await r.close({ graceMs: 0 });
      await sb.admin.clearFaults();
    }
    expect(readdirSync(join(dir, ".queued"))).toHaveLength(1);
    expect(existsSync(join(dir, "done", "c.json"))).toBe(false);
    const again = await start(data, dir);
    try {
      await until("c in done/", () => existsSync(join(dir, "done", "c.json")));
      expect(readdirSync(join(dir, ".queued"))).toEqual([]);
      expect(await callsFor(c.clientUniqueId as string)).toHaveLength(1);
    } finally {
      await again.close({ graceMs: 0 });
    }
  });
});
