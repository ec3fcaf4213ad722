/** Valid Add call requests for the benches (the sandbox's seeded users, so it accepts them). */
import { SEED_USERS } from "../../packages/sandbox/src/internal/seed.js";

export const HOST_USER_ID: string = SEED_USERS.host;
export const REP_USER_ID: string = SEED_USERS.rep;

/** A typical request: two parties, a title, a speakers timeline; `clientUniqueId` made unique by the caller. */
export function validCall(clientUniqueId: string, index = 0): Record<string, unknown> {
  const start = new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + index * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    clientUniqueId,
    actualStart: start,
    primaryUser: HOST_USER_ID,
    direction: "Outbound",
    title: `Bench call ${index}`,
    purpose: "Discovery",
    duration: 1800,
    languageCode: "en-US",
    parties: [
      { userId: HOST_USER_ID, name: "Ada Lovelace", partyId: "rep" },
      { name: "Wile E. Coyote", emailAddress: "wile@acme.example", phoneNumber: "+1 555 0100", partyId: "prospect" },
    ],
    speakersTimeline: {
      precise: false,
      speechSegments: [
        { fromTime: 0, toTime: 5_000, partyIds: ["rep"] },
        { fromTime: 5_000, toTime: 12_000, partyIds: ["prospect"] },
        { fromTime: 12_000, toTime: 20_000, partyIds: ["rep", "prospect"] },
      ],
    },
    context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "006Dn00000XyZ12" }] }],
  };
}

/** Creates a call on a sandbox with a plain POST; returns its callId. */
export async function createCall(baseUrl: string, accessKey: string, accessKeySecret: string, clientUniqueId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v2/calls`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${accessKey}:${accessKeySecret}`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(validCall(clientUniqueId)),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /v2/calls: ${res.status} ${text}`);
  const match = /"callId"\s*:\s*"?(\d+)"?/.exec(text);
  if (match?.[1] === undefined) throw new Error(`no callId in ${text}`);
  return match[1];
}
