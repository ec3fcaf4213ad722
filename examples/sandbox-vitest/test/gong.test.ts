import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateConversationWav, SEED_USERS, startSandbox, type RunningSandbox } from "@gong-connector/sandbox";
import { addCall, GongRefused, uploadRecording, type GongConfig } from "../src/gong.js"; // the code under test

let gong: RunningSandbox;
let config: GongConfig;

// One sandbox per test file, on a free port of its own: test files can run in parallel.
beforeAll(async () => {
  gong = await startSandbox({ ratePerSecond: 0 });
  config = { baseUrl: gong.baseUrl, accessKey: gong.accessKey, accessKeySecret: gong.accessKeySecret };
});

afterAll(async () => {
  await gong.close();
});

// Each test starts from no calls and no faults.
beforeEach(async () => {
  await gong.clearCalls();
  await gong.clearFaults();
});

function call(clientUniqueId: string, primaryUser: string = SEED_USERS.host): Record<string, unknown> {
  return {
    clientUniqueId,
    actualStart: "2026-03-02T15:00:00Z",
    primaryUser,
    direction: "Outbound",
    title: "Discovery call",
    parties: [{ userId: primaryUser }, { name: "Grace Customer", phoneNumber: "+14155550100" }],
  };
}

describe("sending calls to Gong", () => {
  it("adds a call that Gong stores as sent", async () => {
    const callId = await addCall(config, call("crm-1001"));

    const stored = await gong.calls();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: callId, clientUniqueId: "crm-1001", primaryUserId: SEED_USERS.host, title: "Discovery call" });
    expect(stored[0]?.request.parties[1]?.phoneNumber).toBe("+14155550100");
  });

  it("uploads the recording byte for byte", async () => {
    const { wav } = generateConversationWav({ speakers: 2, turns: 4 });
    const callId = await addCall(config, call("crm-1002"));
    await uploadRecording(config, callId, wav, "crm-1002.wav");

    const stored = await gong.call(callId);
    expect(stored?.media).toMatchObject({ state: "ready", format: "wav", size: wav.length });
    expect(stored?.media.sha256).toBe(createHash("sha256").update(wav).digest("hex"));
  });

  it("reports Gong's refusal: a primary user whose call import is off", async () => {
    const refused = addCall(config, call("crm-1003", SEED_USERS.recordingDisabled));
    await expect(refused).rejects.toBeInstanceOf(GongRefused);
    await expect(refused).rejects.toMatchObject({ status: 409 });
    expect(await gong.calls()).toEqual([]);
  });

  it("retries when Gong answers 503", async () => {
    await gong.setFaults({ script: [{ fault: "503", method: "POST", path: "/v2/calls" }] });
    await gong.clearRequests();

    await addCall(config, call("crm-1004"));

    const log = await gong.requests();
    expect(log.map((r) => r.status)).toEqual([200, 503]); // newest first
    expect(await gong.calls()).toHaveLength(1);
  });
});
