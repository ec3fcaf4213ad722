import { describe, expect, it } from "vitest";
import { withSandbox } from "../../../test-support/sandbox.js";

const sandbox = withSandbox();

interface CallsPage {
  requestId: string;
  records: { totalRecords: number; currentPageSize: number; currentPageNumber: number; cursor?: string };
  calls: { id: string; clientUniqueId: string; started: string; workspaceId: string; url: string }[];
}

describe("POST /v2/calls", () => {
  it("adds a call: 200 with a 19-digit string id above 2^53 and a requestId", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; callId: string }>("POST", "/v2/calls", { body: sb.validCall() });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/"callId":"\d{19}"/);
    expect(res.body.callId).toMatch(/^\d{19}$/);
    expect(BigInt(res.body.callId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(typeof res.body.requestId).toBe("string");
    expect(res.body.requestId.length).toBeGreaterThan(8);
  });

  it("stores each requestId", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string }>("POST", "/v2/calls", { body: sb.validCall() });
    const log = await sb.admin.requests(20);
    expect(log.find((r) => r.requestId === res.body.requestId)).toMatchObject({ method: "POST", path: "/v2/calls", status: 200 });
  });

  it("400 naming every bad field, in {requestId, errors}", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; errors: string[] }>("POST", "/v2/calls", {
      body: { clientUniqueId: "x", actualStart: "2026-01-01 10:00", direction: "Sideways", parties: [] },
    });
    expect(res.status).toBe(400);
    expect(typeof res.body.requestId).toBe("string");
    expect(res.body.errors.some((e) => e.startsWith("actualStart"))).toBe(true);
    expect(res.body.errors.some((e) => e.startsWith("direction"))).toBe(true);
    expect(res.body.errors.some((e) => e.startsWith("primaryUser"))).toBe(true);
  });

  it("400 for invalid JSON and for a non-object body", async () => {
    const sb = sandbox();
    const bad = await sb.api<{ errors: string[] }>("POST", "/v2/calls", { body: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.length).toBe(1);
    const arr = await sb.api("POST", "/v2/calls", { body: "[1,2]" });
    expect(arr.status).toBe(400);
  });

  it("400 when primaryUser is not a party, or a segment names an unknown partyId", async () => {
    const sb = sandbox();
    const notParty = await sb.api<{ errors: string[] }>("POST", "/v2/calls", {
      body: sb.validCall({ parties: [{ name: "Someone", partyId: "a" }] }),
    });
    expect(notParty.status).toBe(400);
    expect(notParty.body.errors.join("\n")).toContain("primaryUser");
    const badSeg = await sb.api<{ errors: string[] }>("POST", "/v2/calls", {
      body: sb.validCall({ speakersTimeline: { speechSegments: [{ fromTime: 0, toTime: 10, partyIds: ["ghost"] }] } }),
    });
    expect(badSeg.status).toBe(400);
    expect(badSeg.body.errors.join("\n")).toContain("speakersTimeline.speechSegments[0].partyIds[0]");
  });

  it("400 for an unsupported context system and an unknown language code", async () => {
    const sb = sandbox();
    const res = await sb.api<{ errors: string[] }>("POST", "/v2/calls", {
      body: sb.validCall({ context: [{ system: "HubSpot", objects: [] }], languageCode: "en-us" }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.join("\n")).toMatch(/context/);
    expect(res.body.errors.join("\n")).toMatch(/languageCode/);
  });

  it("accepts what Gong accepts but the library refuses: scheduledEnd before scheduledStart, mediaChannelId with a timeline", async () => {
    const sb = sandbox();
    const call = sb.validCall({
      scheduledStart: "2026-03-02T15:00:00Z",
      scheduledEnd: "2026-03-02T14:00:00Z",
      speakersTimeline: { speechSegments: [{ fromTime: 0, toTime: 500, partyIds: ["rep"] }] },
    });
    (call.parties as Record<string, unknown>[])[0] = { ...(call.parties as Record<string, unknown>[])[0], mediaChannelId: 0 };
    const res = await sb.api("POST", "/v2/calls", { body: call });
    expect(res.status).toBe(200);
  });

  it("ignores unknown fields", async () => {
    const sb = sandbox();
    const res = await sb.api("POST", "/v2/calls", { body: sb.validCall({ someFutureField: 1 }) });
    expect(res.status).toBe(200);
  });

  it("400 for an unknown primaryUser or workspaceId", async () => {
    const sb = sandbox();
    const ghost = "1234567890123456789";
    const user = await sb.api<{ errors: string[] }>("POST", "/v2/calls", {
      body: sb.validCall({ primaryUser: ghost, parties: [{ userId: ghost, name: "Ghost" }] }),
    });
    expect(user.status).toBe(400);
    expect(user.body.errors[0]).toContain("primaryUser");
    const ws = await sb.api<{ errors: string[] }>("POST", "/v2/calls", { body: sb.validCall({ workspaceId: ghost }) });
    expect(ws.status).toBe(400);
    expect(ws.body.errors[0]).toContain("workspaceId");
  });

  it("409 for a primary user with recording disabled, and for an inactive one", async () => {
    const sb = sandbox();
    for (const id of [sb.users.recordingDisabled, sb.users.inactive]) {
      const res = await sb.api<{ errors: string[] }>("POST", "/v2/calls", {
        body: sb.validCall({ primaryUser: id, parties: [{ userId: id, name: "Host" }] }),
      });
      expect(res.status).toBe(409);
      expect(res.body.errors[0]).toMatch(/not enabled/);
    }
  });

  it("409 for a duplicate clientUniqueId, naming the existing call id; nothing new stored", async () => {
    const sb = sandbox();
    const body = sb.validCall();
    const first = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
    const before = (await sb.admin.calls()).length;
    const again = await sb.api<{ errors: string[] }>("POST", "/v2/calls", { body });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toContain(first.body.callId);
    expect((await sb.admin.calls()).length).toBe(before);
  });

  it('duplicates: "return-existing" answers 200 with the existing callId', async () => {
    const sb = sandbox();
    await sb.admin.setSettings({ duplicates: "return-existing" });
    try {
      const body = sb.validCall();
      const first = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
      const again = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
      expect(again.status).toBe(200);
      expect(again.body.callId).toBe(first.body.callId);
    } finally {
      await sb.admin.setSettings({ duplicates: "conflict" });
    }
  });

  it("flipping a user's recording setting through the admin API turns 409 on and off", async () => {
    const sb = sandbox();
    const id = sb.users.rep;
    const body = (): Record<string, unknown> => sb.validCall({ primaryUser: id, parties: [{ userId: id, name: "Rep" }] });
    await sb.admin.setUser(id, { telephonyCallsImported: false });
    expect((await sb.api("POST", "/v2/calls", { body: body() })).status).toBe(409);
    await sb.admin.setUser(id, { telephonyCallsImported: true });
    expect((await sb.api("POST", "/v2/calls", { body: body() })).status).toBe(200);
  });
});

describe("GET /v2/calls/{id}", () => {
  it("returns the call's basic data with string ids", async () => {
    const sb = sandbox();
    const body = sb.validCall({ actualStart: "2026-03-02T10:30:00-05:00", purpose: "Demo", duration: 61.6 });
    const { body: created } = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
    const res = await sb.api<{ requestId: string; call: Record<string, unknown> }>("GET", `/v2/calls/${created.callId}`);
    expect(res.status).toBe(200);
    expect(res.body.call).toMatchObject({
      id: created.callId,
      clientUniqueId: body.clientUniqueId,
      started: "2026-03-02T15:30:00Z",
      primaryUserId: sb.users.host,
      direction: "Outbound",
      purpose: "Demo",
      duration: 62,
      workspaceId: sb.defaultWorkspaceId,
      url: `${sb.baseUrl}/call?id=${created.callId}`,
      scope: "External",
    });
  });

  it("404 for an unknown id, 400 for a non-numeric one", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; errors: string[] }>("GET", "/v2/calls/1234567890123456789");
    expect(res.status).toBe(404);
    expect(res.body.errors.length).toBe(1);
    expect((await sb.api("GET", "/v2/calls/abc")).status).toBe(400);
  });
});

describe("GET /v2/calls", () => {
  it("filters on actual start: fromDateTime inclusive, toDateTime exclusive, and by workspace", async () => {
    const sb = sandbox();
    const ws = sb.workspaces[2]?.id ?? "";
    const ids: string[] = [];
    for (const start of ["2025-06-01T10:00:00Z", "2025-06-01T11:00:00Z", "2025-06-01T12:00:00Z"]) {
      const r = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall({ actualStart: start, workspaceId: ws }) });
      ids.push(r.body.callId);
    }
    const res = await sb.api<CallsPage>("GET", "/v2/calls", {
      query: { fromDateTime: "2025-06-01T10:00:00Z", toDateTime: "2025-06-01T12:00:00Z" },
    });
    expect(res.status).toBe(200);
    expect(res.body.calls.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(res.body.records).toMatchObject({ totalRecords: 2, currentPageSize: 2, currentPageNumber: 0 });
    expect(res.body.records.cursor).toBeUndefined();

    const offset = await sb.api<CallsPage>("GET", "/v2/calls", {
      query: { fromDateTime: "2025-06-01T07:00:00-05:00", toDateTime: "2025-06-01T09:00:00-04:00" },
    });
    expect(offset.body.calls.map((c) => c.id)).toEqual([ids[2]]);

    const other = await sb.api("GET", "/v2/calls", {
      query: { fromDateTime: "2025-06-01T00:00:00Z", toDateTime: "2025-06-02T00:00:00Z", workspaceId: sb.defaultWorkspaceId },
    });
    expect(other.status).toBe(404);
  });

  it("404 in Gong's error shape when no calls are in range", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; errors: string[] }>("GET", "/v2/calls", {
      query: { fromDateTime: "1999-01-01T00:00:00Z", toDateTime: "1999-01-02T00:00:00Z" },
    });
    expect(res.status).toBe(404);
    expect(Object.keys(res.body).sort()).toEqual(["errors", "requestId"]);
  });

  it("400 for a date without a zone and for a forged cursor", async () => {
    const sb = sandbox();
    expect((await sb.api("GET", "/v2/calls", { query: { fromDateTime: "2025-06-01T10:00:00" } })).status).toBe(400);
    expect((await sb.api("GET", "/v2/calls", { query: { cursor: "garbage" } })).status).toBe(400);
  });

  it("pages of 100 through an opaque cursor", async () => {
    const sb = sandbox();
    const base = Date.UTC(2024, 1, 1);
    for (let i = 0; i < 130; i++) {
      const r = await sb.api("POST", "/v2/calls", { body: sb.validCall({ actualStart: new Date(base + i * 60_000).toISOString() }) });
      expect(r.status).toBe(200);
    }
    const query = { fromDateTime: "2024-02-01T00:00:00Z", toDateTime: "2024-02-02T00:00:00Z" };
    const p1 = await sb.api<CallsPage>("GET", "/v2/calls", { query });
    expect(p1.body.calls.length).toBe(100);
    expect(p1.body.records.totalRecords).toBe(130);
    const cursor = p1.body.records.cursor ?? "";
    expect(cursor).not.toBe("");
    const p2 = await sb.api<CallsPage>("GET", "/v2/calls", { query: { ...query, cursor } });
    expect(p2.body.calls.length).toBe(30);
    expect(p2.body.records.currentPageNumber).toBe(1);
    expect(p2.body.records.cursor).toBeUndefined();
    const all = new Set([...p1.body.calls, ...p2.body.calls].map((c) => c.id));
    expect(all.size).toBe(130);
    // a cursor belongs to its request
    expect((await sb.api("GET", "/v2/calls", { query: { fromDateTime: "2024-02-01T00:00:00Z", cursor } })).status).toBe(400);
  });
});

describe("POST /v2/calls/extensive", () => {
  it("filters by callIds and dates; returns metaData, parties and context", async () => {
    const sb = sandbox();
    const body = sb.validCall({
      actualStart: "2023-05-05T09:00:00Z",
      context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "0068d00000AbCdE" }] }],
    });
    const { body: created } = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
    const res = await sb.api<{ calls: { metaData: { id: string }; parties: Record<string, unknown>[]; context: unknown[] }[] }>(
      "POST",
      "/v2/calls/extensive",
      { body: { filter: { callIds: [created.callId], fromDateTime: "2023-05-05T00:00:00Z", toDateTime: "2023-05-06T00:00:00Z" } } },
    );
    expect(res.status).toBe(200);
    expect(res.body.calls).toHaveLength(1);
    const call = res.body.calls[0];
    expect(call?.metaData.id).toBe(created.callId);
    expect(call?.context).toEqual(body.context);
    expect(call?.parties).toHaveLength(2);
    expect(call?.parties[0]).toMatchObject({ userId: sb.users.host, affiliation: "Internal", speakerId: "rep" });
    expect(call?.parties[1]).toMatchObject({ emailAddress: "grace@customer.example.org", affiliation: "External" });

    const none = await sb.api("POST", "/v2/calls/extensive", {
      body: { filter: { callIds: [created.callId], fromDateTime: "2023-05-06T00:00:00Z" } },
    });
    expect(none.status).toBe(404);
    expect((await sb.api("POST", "/v2/calls/extensive", { body: { filter: { callIds: "x" } } })).status).toBe(400);
  });
});

describe("GET /v2/users and /v2/workspaces", () => {
  it("pages users by 100 with a cursor; avatars only with includeAvatars=true", async () => {
    const sb = sandbox();
    type UsersPage = { records: { totalRecords: number; cursor?: string }; users: { id: string; emailAddress: string; settings: { telephonyCallsImported: boolean } }[] };
    const p1 = await sb.api<UsersPage>("GET", "/v2/users");
    expect(p1.status).toBe(200);
    expect(p1.body.users).toHaveLength(100);
    expect(p1.body.records.totalRecords).toBeGreaterThanOrEqual(160);
    const p2 = await sb.api<UsersPage>("GET", "/v2/users", { query: { cursor: p1.body.records.cursor ?? "" } });
    expect(p2.body.records.cursor).toBeUndefined();
    const all = [...p1.body.users, ...p2.body.users];
    expect(all.length).toBe(p1.body.records.totalRecords);
    expect(all.some((u) => u.id === sb.users.avatar)).toBe(false);
    expect(all.find((u) => u.id === sb.users.recordingDisabled)?.settings.telephonyCallsImported).toBe(false);

    const withAvatars = await sb.api<UsersPage>("GET", "/v2/users", { query: { includeAvatars: "true" } });
    expect(withAvatars.body.records.totalRecords).toBeGreaterThan(p1.body.records.totalRecords);
    expect((await sb.api("GET", "/v2/users", { query: { includeAvatars: "maybe" } })).status).toBe(400);
  });

  it("lists workspaces", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; workspaces: { id: string; name: string }[] }>("GET", "/v2/workspaces");
    expect(res.status).toBe(200);
    expect(res.body.workspaces.map((w) => w.id)).toContain(sb.defaultWorkspaceId);
    expect(res.body.workspaces[0]?.id).toMatch(/^\d{19}$/);
  });
});
