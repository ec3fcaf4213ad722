/** Scripted faults on the token endpoint: before any work (the refresh token kept) or after the tokens are issued (spent). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../src/index.js";
import { api, refresh } from "./oauth-flow.js";

const TOKEN_PATH = "/oauth2/generate-customer-token";
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox({ ratePerSecond: 0, ratePerDay: 0 });
});

afterAll(async () => {
  await sb.close();
});

beforeEach(async () => {
  await sb.clearFaults();
  await sb.clearTokenRequests();
});

describe("faults on the token endpoint", () => {
  it("503 and 429 before any work: the refresh token is not spent, a retry succeeds", async () => {
    const { refreshToken } = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "503", path: TOKEN_PATH }, { fault: "429", path: TOKEN_PATH, retryAfterSeconds: 7 }] });
    const first = await refresh(sb, refreshToken);
    expect(first.status).toBe(503);
    expect(first.json).toEqual({ error: "temporarily_unavailable", error_description: "injected fault (503)" });
    const second = await refresh(sb, refreshToken);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("7");
    expect((await refresh(sb, refreshToken)).status).toBe(200);
    expect((await sb.tokenRequests()).map((r) => [r.status, r.error])).toEqual([
      [503, "temporarily_unavailable"],
      [429, "too_many_requests"],
      [200, undefined],
    ]);
    expect((await sb.faults()).stats.injected).toMatchObject({ "503": 1, "429": 1 });
  });

  it("500-after-commit: the answer is lost but the refresh happened, so the old refresh token is spent", async () => {
    const { refreshToken } = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "500-after-commit", path: TOKEN_PATH }] });
    const lost = await refresh(sb, refreshToken);
    expect(lost.status).toBe(500);
    expect(lost.json?.error).toBe("server_error");
    expect(lost.text).not.toContain("sbx_");
    const retry = await refresh(sb, refreshToken);
    expect(retry.status).toBe(400);
    expect(retry.json?.error).toBe("invalid_grant");
  });

  it("drop before any work keeps the refresh token; drop-after-commit spends it", async () => {
    const { refreshToken } = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "drop", path: TOKEN_PATH }] });
    await expect(refresh(sb, refreshToken)).rejects.toThrow();
    await sb.setFaults({ script: [{ fault: "drop-after-commit", path: TOKEN_PATH }] });
    await expect(refresh(sb, refreshToken)).rejects.toThrow();
    expect((await refresh(sb, refreshToken)).json?.error).toBe("invalid_grant");
    expect((await sb.tokenRequests()).map((r) => [r.grantType, r.status, r.error])).toEqual([
      ["refresh_token", 0, "dropped"],
      ["refresh_token", 0, "dropped"],
      ["refresh_token", 400, "invalid_grant"],
    ]);
  });

  it("an entry without a path, or with a /v2 path, never reaches the token endpoint; an /oauth2 one never reaches /v2", async () => {
    const { accessToken, refreshToken } = await sb.issueTokens();
    await sb.setFaults({ script: [{ fault: "503" }, { fault: "500", path: "/v2/users" }, { fault: "429", path: TOKEN_PATH }] });
    const first = await refresh(sb, refreshToken);
    expect(first.status).toBe(429);
    expect((await api(sb.baseUrl, "/v2/workspaces", accessToken)).status).toBe(503);
    expect((await api(sb.baseUrl, "/v2/users", accessToken)).status).toBe(500);
    expect((await sb.faults()).script).toEqual([]);
  });
});
