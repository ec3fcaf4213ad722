// @ts-check
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { SEED_USERS, startSandbox } from "@gong-connector/sandbox";
import { addCall, GongRefused } from "../src/gong.js";

/** @type {import("@gong-connector/sandbox").RunningSandbox} */
let gong;
/** @type {import("../src/gong.js").GongConfig} */
let config;

// One sandbox per test file, on a free port of its own: jest runs test files in parallel workers.
beforeAll(async () => {
  gong = await startSandbox({ ratePerSecond: 0 });
  config = { baseUrl: gong.baseUrl, accessKey: gong.accessKey, accessKeySecret: gong.accessKeySecret };
});

afterAll(async () => {
  await gong.close();
});

beforeEach(async () => {
  await gong.clearCalls();
  await gong.clearFaults();
});

/**
 * @param {string} clientUniqueId
 * @param {string} [primaryUser]
 */
function call(clientUniqueId, primaryUser = SEED_USERS.host) {
  return {
    clientUniqueId,
    actualStart: "2026-03-02T15:00:00Z",
    primaryUser,
    direction: "Outbound",
    parties: [{ userId: primaryUser }, { name: "Grace Customer", phoneNumber: "+14155550100" }],
  };
}

describe("sending calls to Gong", () => {
  it("adds a call that Gong stores as sent", async () => {
    const callId = await addCall(config, call("crm-2001"));
    const stored = await gong.calls();
    expect(stored.map((c) => [c.id, c.clientUniqueId])).toEqual([[callId, "crm-2001"]]);
  });

  it("reports Gong's refusal: a primary user whose call import is off", async () => {
    await expect(addCall(config, call("crm-2002", SEED_USERS.recordingDisabled))).rejects.toBeInstanceOf(GongRefused);
    expect(await gong.calls()).toEqual([]);
  });

  it("surfaces a 500 that Gong answers after storing the call", async () => {
    await gong.setFaults({ script: [{ fault: "500-after-commit", method: "POST", path: "/v2/calls" }] });
    await expect(addCall(config, call("crm-2003"))).rejects.toMatchObject({ status: 500 });
    expect((await gong.calls()).map((c) => c.clientUniqueId)).toEqual(["crm-2003"]);
  });
});
