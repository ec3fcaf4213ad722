import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { addCall } from "../src/actions/index.js";
import type { AddCallRequestInput } from "../src/index.js";
import { GongApiError, ValidationError } from "../src/index.js";
import { MAX_JSON_BODY_BYTES } from "../src/client.js";
import { testClient } from "./helpers/client.js";
import { sendJson, scriptServerPerTest } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

/**
 * A valid Add call request of about `megabytes` MB as JSON: a speech timeline and a long customData (free text, no
 * length rule). The bulk is one string, which the client validates and serializes in milliseconds, where as many
 * bytes of speech segments take seconds.
 */
const request = (megabytes: number): AddCallRequestInput => ({
  clientUniqueId: "big-1",
  actualStart: "2024-05-01T10:00:00Z",
  primaryUser: "7782342274025937895",
  direction: "Outbound",
  parties: [{ userId: "7782342274025937895", name: "Rep", partyId: "1" }],
  speakersTimeline: { speechSegments: Array.from({ length: 1000 }, (_, i) => ({ fromTime: i, toTime: i + 1, partyIds: ["1"] })) },
  customData: "d".repeat(megabytes * 1_000_000),
});

/**
 * A raw TCP server that answers every connection at once with `response` and never reads the request body: then it
 * closes (`end`: the client's further writes meet a reset) or resets the connection 50 ms later (`reset`).
 */
async function refuseBodyServer(response: string, close: "end" | "reset"): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.pause();
    socket.on("error", () => undefined);
    socket.write(response, () => {
      if (close === "end") socket.end();
      else setTimeout(() => socket.destroy(), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

let closeRaw: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeRaw?.();
  closeRaw = undefined;
});

describe("JSON request bodies larger than the limit", () => {
  it("are refused before anything is sent, naming the size and the limit", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, { requestId: "r", callId: "1" });
    });
    const big = request(11);
    const bytes = Buffer.byteLength(JSON.stringify(big));
    expect(bytes).toBeGreaterThan(MAX_JSON_BODY_BYTES);
    const error = await addCall(testClient(s.url), big, { ambiguityDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).exitCode).toBe(2);
    expect((error as ValidationError).message).toBe(
      `Invalid input: (root): the request is ${bytes.toLocaleString("en-US")} bytes as JSON; at most 10,485,760 bytes (10 MiB) may be sent in one request`,
    );
    expect(s.seen).toHaveLength(0);
  });

  it("up to the limit are sent", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, { requestId: "r", callId: "1" });
    });
    const client = testClient(s.url);
    const body = { text: `${"é".repeat((MAX_JSON_BODY_BYTES - 12) / 2)}x` };
    expect(Buffer.byteLength(JSON.stringify(body))).toBe(MAX_JSON_BODY_BYTES);
    await expect(client.request({ method: "POST", path: "/v2/echo", body })).resolves.toEqual({ requestId: "r", callId: "1" });
    await expect(client.request({ method: "POST", path: "/v2/echo", body: { text: `${body.text}x` } })).rejects.toThrow(
      "(root): the request is 10,485,761 bytes as JSON; at most 10,485,760 bytes (10 MiB) may be sent",
    );
    expect(s.seen).toHaveLength(1);
  });
});

describe("a server that answers while the body is still being written", () => {
  const answer413 = JSON.stringify({ requestId: "too-big", errors: ["Request body is too large"] });
  const response413 = `HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: ${String(answer413.length)}\r\nconnection: close\r\n\r\n${answer413}`;

  it.each(["end", "reset"] as const)("is reported with its answer (413), not as a dropped connection (server %s): Add call is sent once, never looked up or resent", async (close) => {
    const raw = await refuseBodyServer(response413, close);
    closeRaw = raw.close;
    for (let i = 1; i <= 3; i++) {
      const warnings: string[] = [];
      // 9 MB: under the limit, more than the socket buffers take at once, so the client is still writing when the answer comes.
      const error = await addCall(testClient(raw.url), request(9), { ambiguityDelayMs: 1, onWarning: (w) => warnings.push(w) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GongApiError);
      expect((error as GongApiError).status).toBe(413);
      expect((error as GongApiError).message).toContain("Request body is too large");
      expect(warnings.filter((w) => w.includes("ambiguous"))).toEqual([]);
      // One connection per Add call: no look-up (GET) and no resend followed the answer.
      expect(raw.connections()).toBe(i);
    }
  });
});
