/** A slow client of the console's event stream costs no unbounded buffer: over a real socket that stops reading. */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { Socket, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { SseStream } from "../src/internal/console/live.js";

describe("SseStream", () => {
  it("drops events while the client does not read, and sends a fresh snapshot once it drains", async () => {
    const responses: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      responses.push(res);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const client = new Socket();
    try {
      client.connect((server.address() as AddressInfo).port, "127.0.0.1");
      await once(client, "connect");
      client.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      // The client reads nothing from here on.
      client.pause();
      while (responses.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const res = responses[0] as ServerResponse;
      let resyncs = 0;
      const stream = new SseStream(res, () => {
        resyncs++;
        return Promise.resolve({ fresh: true });
      });

      const payload = "x".repeat(16 * 1024);
      const events = 4000; // 64 MB: far more than the socket buffers hold
      let maxBuffered = 0;
      for (let i = 0; i < events; i++) {
        stream.send("call", { i, payload });
        maxBuffered = Math.max(maxBuffered, res.writableLength);
      }
      expect(stream.blocked).toBe(true);
      // At most the one write that found the socket full waits in memory.
      expect(maxBuffered).toBeLessThan(64 * 1024);

      // The client reads again: it gets what the socket held, then a snapshot in place of what was dropped.
      let received = "";
      client.setEncoding("utf8");
      client.on("data", (chunk: string) => {
        received += chunk;
      });
      client.resume();
      while (!received.includes("event: snapshot")) await once(client, "data");
      expect(resyncs).toBe(1);
      expect(received).toContain('event: snapshot\ndata: {"fresh":true}\n\n');
      const delivered = received.split("event: call\n").length - 1;
      expect(delivered).toBeGreaterThan(0);
      expect(delivered).toBeLessThan(events);
      // The stream goes on as usual after the snapshot.
      stream.send("stats", { ok: 1 });
      while (!received.includes('event: stats\ndata: {"ok":1}')) await once(client, "data");
    } finally {
      client.destroy();
      for (const r of responses) r.destroy();
      server.close();
    }
  });
});
