/** The consent page in headless Chromium: Approve and Deny reach the app's redirect URI under the page's strict CSP. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../src/index.js";
import { launchChromium, type LaunchedChromium } from "../../../test-support/chromium.js";
import { authorizeUrl, exchange, goodParams, str } from "./oauth-flow.js";

let sb: RunningSandbox;
let browser: LaunchedChromium;
let app: Server;
let callbackUrl = "";
/** The query strings the app's callback received, in order. */
const received: URLSearchParams[] = [];

beforeAll(async () => {
  sb = await startSandbox({ ratePerSecond: 0 });
  app = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/callback") received.push(url.searchParams);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><title>done</title><p id=done>You may close this window.</p>");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  callbackUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await new Promise((resolve) => app.close(resolve));
  await sb.close();
});

async function clickThrough(button: "#approve" | "#deny", state: string): Promise<{ params: URLSearchParams; violations: string[]; landed: string }> {
  const page = await browser.context.newPage();
  try {
    await page.addInitScript(`window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`);
    const before = received.length;
    const consent = await page.goto(authorizeUrl(sb, goodParams(sb, { redirect_uri: callbackUrl, state })).toString());
    expect(consent?.status()).toBe(200);
    expect(await page.textContent("#client-id")).toBe(sb.oauthClientId);
    expect(await page.locator("#scopes li").count()).toBe(4);
    // The stylesheet loaded under the CSP: the Approve button is styled as the primary action.
    expect(await page.evaluate(`getComputedStyle(document.querySelector("#approve")).backgroundColor`)).toBe("rgb(79, 70, 229)");
    const violations = await page.evaluate<string[]>("window.__violations");
    await Promise.all([page.waitForURL((u) => u.pathname === "/callback"), page.click(button)]);
    await page.waitForSelector("#done");
    expect(received.length).toBe(before + 1);
    return { params: received[before] ?? new URLSearchParams(), violations, landed: page.url() };
  } finally {
    await page.close();
  }
}

describe("the consent page in Chromium", () => {
  it("Approve sends the browser to the app with a code that exchanges for tokens", async () => {
    const { params, violations, landed } = await clickThrough("#approve", "browser-state-1");
    expect(violations).toEqual([]);
    expect(landed.startsWith(callbackUrl)).toBe(true);
    expect(params.get("state")).toBe("browser-state-1");
    const tokens = await exchange(sb, str(params.get("code")), "query", callbackUrl);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.json?.api_base_url_for_customer).toBe(sb.baseUrl);
  });

  it("Deny sends the browser to the app with error=access_denied", async () => {
    const { params } = await clickThrough("#deny", "browser-state-2");
    expect(Object.fromEntries(params)).toEqual({ error: "access_denied", state: "browser-state-2" });
  });
});
