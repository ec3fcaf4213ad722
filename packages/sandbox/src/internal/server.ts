import { isLoopbackHost } from "@gong-connector/schema";
import type { FastifyInstance } from "fastify";
import { mkdtemp, rm } from "node:fs/promises";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSandbox } from "./app.js";
import type { SandboxContext, SandboxOptions } from "./context.js";

export interface StartSandboxOptions extends Omit<SandboxOptions, "dataDir"> {
  /** Data directory; a fresh temp dir (removed on close unless keepData) when omitted. */
  dataDir?: string;
  /** Listen host (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: any free port). */
  port?: number;
  /** Keep an auto-created temp data dir on close. */
  keepData?: boolean;
}

export interface RunningSandbox {
  baseUrl: string;
  accessKey: string;
  accessKeySecret: string;
  /** A Bearer token with every scope. */
  bearerToken: string;
  /** Present when the admin API is on. */
  adminToken?: string;
  dataDir: string;
  app: FastifyInstance;
  context: SandboxContext;
  close(): Promise<void>;
}

/** Starts a sandbox listening on host:port; resolves once it accepts connections. */
export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const host = opts.host ?? "127.0.0.1";
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "gong-sandbox-")));
  const { host: _h, port: _p, keepData: _k, ...rest } = opts;
  const app = await buildSandbox({ ...rest, dataDir, allowLoopbackDownloads: opts.allowLoopbackDownloads ?? isLoopbackHost(host) });
  app.sandbox.settings.listenHost = host;
  try {
    await app.listen({ host, port: opts.port ?? 0 });
  } catch (err) {
    await app.close();
    if (ownDir && opts.keepData !== true) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (opts.port ?? 0);
  const urlHost = isIP(host) === 6 ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const baseUrl = opts.baseUrl ?? `http://${urlHost}:${port}`;
  const ctx = app.sandbox;
  ctx.settings.baseUrl = baseUrl;
  let closed: Promise<void> | undefined;
  const running: RunningSandbox = {
    baseUrl,
    accessKey: ctx.accessKey,
    accessKeySecret: ctx.accessKeySecret,
    bearerToken: ctx.bearerToken,
    dataDir,
    app,
    context: ctx,
    close: () => {
      closed ??= (async () => {
        await app.close();
        if (ownDir && opts.keepData !== true) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
  if (ctx.adminToken !== undefined) running.adminToken = ctx.adminToken;
  return running;
}
