// The process the relay benchmark (bench/relay.ts) drives: `node bench/relay-child.js MODE DATA_DIR`, on the built
// packages (dist/, as users run them; plain JavaScript so no TypeScript loader weighs on its memory or speed). Prints
// `{"url","token"}` on its first stdout line; stops on SIGTERM.
//   relay      the relay (startRelay), delivery off so the figure is intake alone: every call validated and committed
//              to the outbox (WAL, synchronous FULL, group commit) before its 202
//   reference  the same HTTP stack (fastify, the same body limit, the token check, the same validation) answering the
//              same 202 without committing anything
import { randomBytes, timingSafeEqual } from "node:crypto";
import Fastify from "fastify";
import { validateAddCallRequest } from "@gong-connector/schema";
import { startRelay } from "@gong-connector/serve";

const [mode, dataDir] = process.argv.slice(2);
const token = randomBytes(24).toString("base64url");

async function reference() {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  const expected = Buffer.from(`Bearer ${token}`);
  app.post("/v1/calls", async (req, reply) => {
    const got = Buffer.from(req.headers.authorization ?? "");
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return reply.code(401).send({ error: "missing or wrong token" });
    const checked = validateAddCallRequest(req.body);
    if (!checked.ok) return reply.code(400).send({ error: "invalid call", issues: checked.issues });
    const id = checked.value.clientUniqueId;
    return reply.code(202).send({ clientUniqueId: id, status: "queued", statusUrl: `http://127.0.0.1/v1/calls/${encodeURIComponent(id)}` });
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}

if (dataDir === undefined || (mode !== "relay" && mode !== "reference")) throw new Error("usage: relay-child.js relay|reference DATA_DIR");
const server =
  mode === "reference"
    ? await reference()
    : await startRelay({
        // Never contacted: delivery is off.
        client: { baseURL: "http://127.0.0.1:9", auth: { accessKey: "bench-key-000000000000", accessKeySecret: "bench-secret-0000000000000000000000" } },
        dataDir,
        token,
        deliver: false,
        logger: false,
      });
process.stdout.write(`${JSON.stringify({ url: server.url, token })}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
