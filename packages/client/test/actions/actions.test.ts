import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  addCall as addCallTyped,
  addCallMedia,
  addCallWithMedia,
  findCallByClientUniqueId,
  listUsers,
  listWorkspaces,
  MediaUploadFailedError,
  UnconfirmedCallError,
  type AddCallOptions,
  type AddCallResult,
} from "../../src/actions/index.js";
import type { AddCallRequestInput } from "@gong-connector/schema";
import {
  AuthenticationError,
  BadRequestError,
  GongAbortError,
  GongClient,
  NotFoundError,
  RecordingDisabledError,
  ValidationError,
} from "../../src/index.js";
import { generateConversationWav } from "../../../sandbox/src/internal/wav.js";
import { withSandbox, type TestSandbox } from "../../../../test-support/sandbox.js";

const sandbox = withSandbox();
const dir = mkdtempSync(join(tmpdir(), "gc-actions-"));

function client(sb: TestSandbox, auth: "basic" | "bearer" = "basic"): GongClient {
  return new GongClient({
    baseURL: sb.baseUrl,
    auth: auth === "basic" ? { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } : { bearerToken: sb.bearerToken },
    rateLimit: false,
    retryBaseDelayMs: 50,
  });
}
const quick = { ambiguityDelayMs: 50 };

/** Add call of a request built as plain data (the sandbox's sample calls): the run-time check is the same. */
function addCall(gong: GongClient, request: Record<string, unknown>, options?: AddCallOptions): Promise<AddCallResult> {
  return addCallTyped(gong, request as AddCallRequestInput, options);
}

/** Requests the sandbox received on Gong's API (its admin API left out). */
async function apiRequests(sb: TestSandbox) {
  return (await sb.admin.requests(10_000)).filter((r) => r.path.startsWith("/v2/"));
}

/** Requests on Gong's API since `seen` (a list from apiRequests), oldest first. */
async function requestsSince(sb: TestSandbox, seen: { requestId: string }[]) {
  const known = new Set(seen.map((r) => r.requestId));
  return (await apiRequests(sb)).filter((r) => !known.has(r.requestId)).reverse();
}

/** Sets faults for this test only. */
async function faultsForTest(sb: TestSandbox, faults: Parameters<TestSandbox["admin"]["setFaults"]>[0]) {
  onTestFinished(() => sb.admin.clearFaults());
  await sb.admin.setFaults(faults);
}

async function callsWith(sb: TestSandbox, clientUniqueId: string) {
  return (await sb.admin.calls()).filter((c) => c.clientUniqueId === clientUniqueId);
}

function wavFile(name: string, seconds = 1): { path: string; sha256: string } {
  const bytes = generateConversationWav({ turns: seconds * 2, turnMs: 400 }).wav;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

describe("addCall against the sandbox", () => {
  it("sends every field exactly as given, the date-times as the same instants in UTC", async () => {
    const sb = sandbox();
    const request = sb.validCall({
      workspaceId: sb.defaultWorkspaceId,
      meetingUrl: "https://meet.example.com/j/123?pwd=a&b=c",
      title: "Quarterly review — ünïcödé ✓",
      purpose: "p".repeat(255),
      scheduledStart: "2026-03-02T09:55:00-05:00",
      scheduledEnd: "2026-03-02T10:55:00-05:00",
      actualStart: "2026-03-02T16:00:03+01:00",
      duration: 125.8,
      disposition: "Connected",
      context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "0063601230sV7grAAC", fields: [{ name: "Amount", value: 12000 }] }] }],
      speakersTimeline: { precise: true, speechSegments: [{ fromTime: 0, toTime: 5100, partyIds: ["rep"] }, { fromTime: 5000, toTime: 9000, partyIds: ["rep", "cust"] }] },
      customData: "{\"crm\":\"x\"}\n line two",
      callProviderCode: "zoom",
      languageCode: "en-US",
      flowContext: { taskId: "714366367493425" },
    });
    const parties = request.parties as Record<string, unknown>[];
    parties[1] = { ...parties[1], phoneNumber: "+1 (555) 010-0000", context: [{ system: "Generic", objects: [{ objectType: "Contact", objectId: "c-42" }] }] };
    const result = await addCall(client(sb), request);
    expect(result.callId).toMatch(/^[0-9]{19}$/);
    expect(result.requestId).not.toBe("");
    expect(result.duplicate).toBeUndefined();
    const stored = await sb.admin.call(result.callId);
    expect(stored.request).toEqual({
      ...request,
      actualStart: "2026-03-02T15:00:03Z",
      scheduledStart: "2026-03-02T14:55:00Z",
      scheduledEnd: "2026-03-02T15:55:00Z",
    });
  });

  it("works with Bearer auth", async () => {
    const sb = sandbox();
    const result = await addCall(client(sb, "bearer"), sb.validCall());
    expect(result.callId).toMatch(/^[0-9]+$/);
  });

  it("refuses an invalid request before sending anything", async () => {
    const sb = sandbox();
    const before = (await apiRequests(sb)).length;
    const error = await addCall(client(sb), sb.validCall({ direction: "Sideways", purpose: "x".repeat(256) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(["direction", "purpose"]);
    expect((await apiRequests(sb)).length).toBe(before);
  });

  it("returns the existing call for a duplicate clientUniqueId, creating nothing", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    const first = await addCall(client(sb), request);
    const second = await addCall(client(sb), request);
    expect(second).toMatchObject({ callId: first.callId, duplicate: true });
    expect(await callsWith(sb, String(request.clientUniqueId))).toHaveLength(1);
  });

  it("throws RecordingDisabledError when the primary user cannot have calls imported", async () => {
    const sb = sandbox();
    const userId = sb.users.recordingDisabled;
    const error = await addCall(client(sb), sb.validCall({ primaryUser: userId, parties: [{ userId, name: "No Recording" }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingDisabledError);
    expect((error as RecordingDisabledError).status).toBe(409);
    expect((error as RecordingDisabledError).requestId).toBeTruthy();
  });

  for (const fault of ["drop-after-commit", "500-after-commit"] as const) {
    it(`recovers from ${fault} by looking the call up: exactly one call`, async () => {
      const sb = sandbox();
      const request = sb.validCall();
      await sb.admin.setFaults({ script: [{ fault, method: "POST", path: "/v2/calls", count: 1 }] });
      const result = await addCall(client(sb), request, quick);
      expect(result.recovered).toBe(true);
      const calls = await callsWith(sb, String(request.clientUniqueId));
      expect(calls.map((c) => c.id)).toEqual([result.callId]);
    });
  }

  for (const fault of ["500", "503", "drop"] as const) {
    it(`resends after ${fault} before the call was stored: exactly one call`, async () => {
      const sb = sandbox();
      const request = sb.validCall();
      await sb.admin.setFaults({ script: [{ fault, method: "POST", path: "/v2/calls", count: 2 }] });
      const result = await addCall(client(sb), request, quick);
      expect(result.recovered).toBeUndefined();
      expect((await callsWith(sb, String(request.clientUniqueId))).map((c) => c.id)).toEqual([result.callId]);
    });
  }

  it("a resend answered 409 whose call is listed late: looks again, backing off, and returns it recovered", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    // The call is stored and answered 500; it is listed only 600 ms after it was added.
    const before = await apiRequests(sb);
    await faultsForTest(sb, { listDelayMs: 600, script: [{ fault: "500-after-commit", method: "POST", path: "/v2/calls", count: 1 }] });
    const warnings: string[] = [];
    const result = await addCall(client(sb), request, { ambiguityDelayMs: 100, onWarning: (m) => warnings.push(m) });
    expect(result.recovered).toBe(true);
    expect(warnings.some((w) => w.includes("sending again"))).toBe(true);
    expect((await callsWith(sb, String(request.clientUniqueId))).map((c) => c.id)).toEqual([result.callId]);
    const posts = (await requestsSince(sb, before)).filter((r) => r.method === "POST");
    expect(posts.map((r) => r.status)).toEqual([500, 409]);
  });

  it("a resend answered 409 whose call is never listed: UnconfirmedCallError (not recording disabled), one call in Gong", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    await faultsForTest(sb, { listDelayMs: 3_600_000, script: [{ fault: "500-after-commit", method: "POST", path: "/v2/calls", count: 1 }] });
    const error = await addCall(client(sb), request, { ambiguityDelayMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnconfirmedCallError);
    expect(error).not.toBeInstanceOf(RecordingDisabledError);
    const unconfirmed = error as UnconfirmedCallError;
    expect(unconfirmed.exitCode).toBe(4);
    expect(unconfirmed.conflict.status).toBe(409);
    expect(unconfirmed.message).toContain(String(request.clientUniqueId));
    expect((await callsWith(sb, String(request.clientUniqueId))).length).toBe(1);
  });

  it("a refusal whose look-up fails too reports Gong's answer to Add call, not the look-up's", async () => {
    const sb = sandbox();
    const request = { ...sb.validCall(), workspaceId: "1234567890123456789" };
    const before = await apiRequests(sb);
    await faultsForTest(sb, { script: [{ fault: "503", method: "GET", path: "/v2/calls", count: 10 }] });
    const warnings: string[] = [];
    const error = await addCall(client(sb), request, { ...quick, onWarning: (m) => warnings.push(m) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    const refused = error as BadRequestError;
    const post = (await requestsSince(sb, before)).find((r) => r.method === "POST");
    expect(post?.status).toBe(400);
    expect(refused.requestId).toBe(post?.requestId);
    expect(refused.errors.join(" ")).toContain("workspaceId");
    expect(warnings.some((w) => w.includes("looking the call up by clientUniqueId failed"))).toBe(true);
  });

  it("throws AuthenticationError on 401 after one request", async () => {
    const sb = sandbox();
    const bad = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: "wrong-secret-value" }, rateLimit: false });
    const before = (await apiRequests(sb)).length;
    const error = await addCall(bad, sb.validCall()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    const after = await apiRequests(sb);
    expect(after.length - before).toBe(1);
  });

  it("stops when aborted", async () => {
    const sb = sandbox();
    const controller = new AbortController();
    await sb.admin.setFaults({ latencyMs: 2000 });
    try {
      const pending = addCall(client(sb), sb.validCall(), { signal: controller.signal });
      setTimeout(() => { controller.abort(); }, 100);
      await expect(pending).rejects.toBeInstanceOf(GongAbortError);
    } finally {
      await sb.admin.clearFaults();
    }
  });
});

describe("typed Add call", () => {
  it("takes a Date for a date-time and sends it as UTC seconds", async () => {
    const sb = sandbox();
    const request: AddCallRequestInput = { ...(sb.validCall() as AddCallRequestInput), actualStart: new Date("2026-03-02T15:00:03.900Z") };
    const { callId } = await addCallTyped(client(sb), request, { signal: new AbortController().signal });
    expect((await sb.admin.call(callId)).request.actualStart).toBe("2026-03-02T15:00:03Z");
  });
});

describe("findCallByClientUniqueId", () => {
  it("finds a call by its clientUniqueId at the second it started (any offset, fractions dropped), and nothing otherwise", async () => {
    const sb = sandbox();
    const request = sb.validCall({ actualStart: "2025-01-10T08:00:07.250+02:00" });
    const { callId } = await addCall(client(sb), request);
    const clientUniqueId = String(request.clientUniqueId);
    expect((await findCallByClientUniqueId(client(sb), { clientUniqueId, actualStart: "2025-01-10T06:00:07.900Z" }))?.id).toBe(callId);
    expect((await findCallByClientUniqueId(client(sb), { clientUniqueId, actualStart: "2025-01-10T08:00:07+02:00" }))?.id).toBe(callId);
    expect(await findCallByClientUniqueId(client(sb), { clientUniqueId: "no-such-call", actualStart: "2025-01-10T06:00:07Z" })).toBeUndefined();
    expect(await findCallByClientUniqueId(client(sb), { clientUniqueId, actualStart: "2025-01-10T06:00:08Z" })).toBeUndefined();
  });
});

describe("media", () => {
  it("addCallWithMedia uploads the file byte-exact", async () => {
    const sb = sandbox();
    const wav = wavFile("with-media.wav", 2);
    const result = await addCallWithMedia(client(sb), { request: sb.validCall() as AddCallRequestInput, media: wav.path });
    expect(result.media.url).toContain(result.callId);
    const stored = await sb.admin.call(result.callId);
    expect(stored.media.sha256).toBe(wav.sha256);
    expect(stored.media.format).toBe("wav");
  });

  it("addCallMedia on an unknown call is NotFoundError", async () => {
    const sb = sandbox();
    const wav = wavFile("unknown.wav");
    await expect(addCallMedia(client(sb), { callId: "1234567890123456789", filePath: wav.path })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("addCallMedia refuses a call added with a downloadMediaUrl (the AddCallResult says so), sending nothing", async () => {
    const sb = sandbox();
    const wav = wavFile("url-call.wav");
    const downloadMediaUrl = `https://media.example.invalid/${String(Date.now())}.wav`;
    const call = await addCall(client(sb), sb.validCall({ downloadMediaUrl }));
    expect(call.mediaFromUrl).toBe(true);
    expect(JSON.stringify(call)).not.toContain(downloadMediaUrl);
    // The result is plain data: another client, or a queue worker that got it as JSON, refuses the upload the same way.
    const passedOn = JSON.parse(JSON.stringify(call)) as AddCallResult;
    const before = (await apiRequests(sb)).length;
    const error = await addCallMedia(client(sb), { ...passedOn, filePath: wav.path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.message).toMatch(/^callId: the call was added with a downloadMediaUrl/);
    expect(await apiRequests(sb)).toHaveLength(before);
  });

  it("addCallWithMedia checks the file before adding the call", async () => {
    const sb = sandbox();
    const request = sb.validCall();
    await expect(addCallWithMedia(client(sb), { request: request as AddCallRequestInput, media: join(dir, "missing.wav") })).rejects.toBeInstanceOf(ValidationError);
    expect(await callsWith(sb, String(request.clientUniqueId))).toHaveLength(0);
  });

  it("names the call that went in when the upload fails", async () => {
    const sb = sandbox();
    const wav = wavFile("fails.wav");
    await sb.admin.setFaults({ script: [{ fault: "500", method: "PUT", count: 10 }] });
    try {
      const fast = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: false, retryBaseDelayMs: 10, retryMaxDelayMs: 20 });
      const error = await addCallWithMedia(fast, { request: sb.validCall() as AddCallRequestInput, media: wav.path }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MediaUploadFailedError);
      const callId = (error as MediaUploadFailedError).call.callId;
      expect((await sb.admin.call(callId)).media.state).toBe("none");
    } finally {
      await sb.admin.clearFaults();
    }
  });
});

describe("opt-in checks before Add call", () => {
  const wav = generateConversationWav({ turns: 2, turnMs: 300 }).wav;
  const media = createServer((req, res) => {
    const routes: Record<string, () => void> = {
      "/missing.wav": () => res.writeHead(404).end(),
      "/page.wav": () => res.writeHead(200, { "content-type": "text/html" }).end("<html></html>"),
      "/huge.wav": () => res.writeHead(200, { "content-type": "audio/wav", "content-length": "2000000000" }).end(),
      "/ok.wav": () => res.writeHead(200, { "content-type": "audio/wav", "content-length": String(wav.length) }).end(wav),
    };
    (routes[req.url ?? ""] ?? (() => res.writeHead(404).end()))();
  });
  let mediaBase = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => media.listen(0, "127.0.0.1", resolve));
    mediaBase = `http://127.0.0.1:${String((media.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => media.close(() => { resolve(); }));
  });

  const withUser = (sb: TestSandbox, id: string) =>
    sb.validCall({ primaryUser: id, parties: [{ userId: id, name: "Rep" }, { name: "Customer", phoneNumber: "+1 555 0100" }] });

  it("checkPrimaryUser refuses an unknown, inactive or call-import-disabled user before sending; passes an enabled one", async () => {
    const sb = sandbox();
    const cases: [string, RegExp][] = [
      ["1234567890", /^primaryUser: no Gong user has the id 1234567890/],
      [sb.users.inactive, /^primaryUser: user \d+ is not active in Gong/],
      [sb.users.recordingDisabled, /^primaryUser: user \d+ is not enabled for call import/],
    ];
    const posts = async () => (await apiRequests(sb)).filter((r) => r.method === "POST").length;
    const postsBefore = await posts();
    for (const [id, message] of cases) {
      const error = await addCall(client(sb), withUser(sb, id), { checkPrimaryUser: true }).catch((e: unknown) => e);
      expect(error, id).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.message).toMatch(message);
    }
    expect(await posts()).toBe(postsBefore);
    const ok = await addCall(client(sb), withUser(sb, sb.users.rep), { checkPrimaryUser: true });
    expect(ok.callId).toMatch(/^[0-9]+$/);
  });

  it("checkDownloadUrl refuses a URL that does not answer 2xx, is not media, or is over 1.5 GB, before sending", async () => {
    const sb = sandbox();
    const cases: [string, RegExp][] = [
      ["/missing.wav", /^downloadMediaUrl: HEAD answered 404/],
      ["/page.wav", /^downloadMediaUrl: HEAD answered Content-Type "text\/html"/],
      ["/huge.wav", /^downloadMediaUrl: HEAD answered Content-Length 2,000,000,000/],
    ];
    const before = (await apiRequests(sb)).length;
    for (const [path, message] of cases) {
      const error = await addCall(client(sb), sb.validCall({ downloadMediaUrl: `${mediaBase}${path}` }), { checkDownloadUrl: true }).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.message).toMatch(message);
    }
    const closed = await addCall(client(sb), sb.validCall({ downloadMediaUrl: "http://127.0.0.1:9/none.wav" }), { checkDownloadUrl: true }).catch((e: unknown) => e);
    expect((closed as ValidationError).issues[0]?.message).toMatch(/^downloadMediaUrl: HEAD request failed/);
    expect(await apiRequests(sb)).toHaveLength(before);
    const ok = await addCall(client(sb), sb.validCall({ downloadMediaUrl: `${mediaBase}/ok.wav` }), { checkDownloadUrl: true });
    expect(ok.callId).toMatch(/^[0-9]+$/);
  });
});

describe("pick lists", () => {
  it("listUsers reads every page and leaves avatars out", async () => {
    const sb = sandbox();
    const users = await listUsers(client(sb));
    expect(users.length).toBeGreaterThanOrEqual(160);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    expect(users.some((u) => u.id === sb.users.avatar)).toBe(false);
    expect(users.find((u) => u.id === sb.users.recordingDisabled)?.callImportEnabled).toBe(false);
    expect(users.find((u) => u.id === sb.users.host)?.name).not.toBe("");
  });

  it("listWorkspaces lists id and name", async () => {
    const sb = sandbox();
    const workspaces = await listWorkspaces(client(sb));
    expect(workspaces.length).toBeGreaterThan(0);
    expect(workspaces.map((w) => w.id)).toContain(sb.defaultWorkspaceId);
    for (const w of workspaces) expect(w.name).not.toBe("");
  });
});
