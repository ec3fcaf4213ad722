import { isLoopbackHost } from "@gong-connector/schema";
import { mkdtemp, rm } from "node:fs/promises";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningSandbox, StartSandboxOptions } from "../types.js";
import { buildSandbox } from "./app.js";
import { buildOAuthHost } from "./oauth-host.js";
import {
  callView,
  changeFaults,
  changeSettings,
  changeUser,
  clearCalls,
  faultState,
  InvalidChange,
  issueTokens,
  recentRequests,
  requestLimit,
} from "./control.js";

export type { RunningSandbox, StartSandboxOptions };

/** Runs a change a test asked for; a broken rule becomes a TypeError naming the method, the field and the rule. */
function checked<T>(method: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof InvalidChange) throw new TypeError(`${method}: ${err.message}`);
    throw err;
  }
}

/** Starts a sandbox listening on host:port; resolves once it accepts connections. */
export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const host = opts.host ?? "127.0.0.1";
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "gong-sandbox-")));
  const removeOwnDir = async (): Promise<void> => {
    if (ownDir && opts.keepData !== true) await rm(dataDir, { recursive: true, force: true });
  };
  const { host: _h, port: _p, keepData: _k, oauthPort: _o, ...rest } = opts;
  if (opts.oauthPort !== undefined && (!Number.isInteger(opts.oauthPort) || opts.oauthPort < 0 || opts.oauthPort > 65_535)) {
    await removeOwnDir();
    throw new Error("oauthPort: must be a port number from 0 to 65535");
  }
  let app: Awaited<ReturnType<typeof buildSandbox>>;
  try {
    app = await buildSandbox({ ...rest, dataDir, allowLoopbackDownloads: opts.allowLoopbackDownloads ?? isLoopbackHost(host) });
  } catch (err) {
    await removeOwnDir();
    throw err;
  }
  app.sandbox.settings.listenHost = host;
  let oauthApp: Awaited<ReturnType<typeof buildOAuthHost>> | undefined;
  try {
    oauthApp = await buildOAuthHost(app.sandbox, { logger: opts.logger === true });
    await app.listen({ host, port: opts.port ?? 0 });
    await oauthApp.listen({ host, port: opts.oauthPort ?? 0 });
  } catch (err) {
    await oauthApp?.close();
    await app.close();
    await removeOwnDir();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (opts.port ?? 0);
  const oauthAddress = oauthApp.server.address();
  const oauthPort = typeof oauthAddress === "object" && oauthAddress !== null ? oauthAddress.port : (opts.oauthPort ?? 0);
  const urlHost = isIP(host) === 6 ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const baseUrl = opts.baseUrl ?? `http://${urlHost}:${port}`;
  const oauthUrl = `http://${urlHost}:${oauthPort}`;
  const oauthHost = oauthApp;
  const ctx = app.sandbox;
  const downloads = app.downloads;
  ctx.settings.baseUrl = baseUrl;
  ctx.settings.oauthUrl = oauthUrl;
  let closed: Promise<void> | undefined;
  /** Runs a method's work: rejects once the sandbox is closed, and with a TypeError naming the field and the rule. */
  const run = <T>(method: string, work: () => T | Promise<T>): Promise<T> => {
    try {
      if (closed !== undefined) throw new Error(`${method}: the sandbox is closed`);
      return Promise.resolve(checked(method, work));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const running: RunningSandbox = {
    baseUrl,
    port,
    accessKey: ctx.accessKey,
    accessKeySecret: ctx.accessKeySecret,
    bearerToken: ctx.bearerToken,
    ...(ctx.adminToken === undefined ? {} : { adminToken: ctx.adminToken }),
    dataDir,
    oauthUrl,
    oauthClientId: ctx.oauth.clientId,
    oauthClientSecret: ctx.oauth.clientSecret,
    tokenRequests: () => run("tokenRequests", () => ctx.oauth.tokenRequests()),
    clearTokenRequests: () => run("clearTokenRequests", () => { ctx.oauth.clearTokenRequests(); }),
    issueTokens: (issue) => run("issueTokens", () => issueTokens(ctx, issue ?? {})),
    expireAccessTokens: () => run("expireAccessTokens", () => { ctx.oauth.expireAccessTokens(); }),
    calls: () => run("calls", () => ctx.store.allCalls().map((c) => callView(c, baseUrl))),
    call: (id) =>
      run("call", () => {
        const call = typeof id === "string" ? ctx.store.getCall(id) : undefined;
        return call === undefined ? undefined : callView(call, baseUrl);
      }),
    clearCalls: async () => {
      await run("clearCalls", () => clearCalls(ctx, downloads));
    },
    requests: (limit) => run("requests", () => recentRequests(ctx, requestLimit(limit))),
    clearRequests: () => run("clearRequests", () => { ctx.store.clearRequests(); }),
    faults: () => run("faults", () => faultState(ctx)),
    setFaults: (change) => run("setFaults", () => changeFaults(ctx, change)),
    clearFaults: () => run("clearFaults", () => { ctx.faults.reset(); }),
    setUser: (userId, change) =>
      run("setUser", () => {
        if (changeUser(ctx, userId, change) === undefined) throw new RangeError(`setUser: userId: no user ${userId} in the sandbox (see SEED_USERS)`);
      }),
    setSettings: (change) => run("setSettings", () => changeSettings(ctx, change)),
    waitForDownloads: () => downloads.idle(),
    close: () => {
      closed ??= (async () => {
        await oauthHost.close();
        await app.close();
        await removeOwnDir();
      })();
      return closed;
    },
  };
  return running;
}
