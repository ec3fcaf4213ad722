/** The console in headless Chromium, against an in-process sandbox and relay. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { generateConversationWav } from "@gong-connector/sandbox";
import { launchChromium, type LaunchedChromium } from "../../../test-support/chromium.js";
import { startConsoleFixture, type ConsoleFixture } from "./console-support.js";

let f: ConsoleFixture;
let browser: LaunchedChromium;
let page: Page;

beforeAll(async () => {
  f = await startConsoleFixture();
  browser = await launchChromium();
  page = await browser.context.newPage();
  // Records what the CSP blocks: the console must need nothing it forbids.
  await page.addInitScript(`window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await f.close();
});

async function postCall(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${f.relay.url}/v1/calls`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${f.relay.token}` }, body: JSON.stringify(body) });
  return res.status;
}

const row = (table: "recent" | "failed", id: string): ReturnType<Page["locator"]> =>
  page.locator(`#${table} tbody tr`).filter({ has: page.locator("td:first-child code", { hasText: id }) });

describe("console in Chromium", () => {
  it("logs in: a wrong token is refused, the right one sets an HttpOnly cookie the page cannot read", async () => {
    await page.goto(`${f.relay.url}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("#token", "not-the-token-at-all");
    await page.click("button[type=submit]");
    await page.waitForSelector("#login-error");
    expect(await page.textContent("#login-error")).toContain("Wrong token");
    expect(await browser.context.cookies()).toEqual([]);

    await page.fill("#token", f.relay.token);
    await Promise.all([page.waitForURL(`${f.relay.url}/`), page.click("button[type=submit]")]);
    const cookies = await browser.context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([["gc_session", true, "Strict"]]);
    expect(await page.evaluate<string>("document.cookie")).toBe("");
    await page.waitForSelector("#live.on");
  });

  it("shows a call pushed to the API live (no reload), its id as text, its status, counts and Gong link", async () => {
    await page.waitForSelector("#live.on");
    const doneBefore = Number(await page.textContent("#count-done"));
    // Set on this page load: still there afterwards proves no reload happened.
    await page.evaluate("window.__sameLoad = true");
    const hostile = `<img src=x onerror="window.__pwned=1">${String(Date.now())}`;
    expect(await postCall(f.sb.validCall({ clientUniqueId: hostile }))).toBe(202);
    const r = row("recent", hostile);
    await r.locator(".status-done").waitFor();
    expect(await r.locator("td:first-child code").textContent()).toBe(hostile);
    expect(await page.locator("#recent img").count()).toBe(0);
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();
    expect(await page.evaluate<unknown>("window.__sameLoad")).toBe(true);
    const call = (await f.sb.admin.calls()).find((c) => c.clientUniqueId === hostile);
    expect(call).toBeDefined();
    expect(await r.locator("a").getAttribute("href")).toBe(`${f.sb.baseUrl}/call?id=${call?.id ?? ""}`);
    await page.waitForFunction(`Number(document.getElementById("count-done").textContent) >= ${String(doneBefore + 1)}`);
    expect(Number(await page.textContent("#quota-spent"))).toBeGreaterThan(0);
    expect(await page.textContent("#quota-per-day")).toBe("10000");
  });

  it("shows a call Gong refused with Gong's error, and the Retry button delivers it once Gong takes it", async () => {
    const user = f.sb.users.recordingDisabled;
    const id = `refused-${String(Date.now())}`;
    const body = f.sb.validCall({ clientUniqueId: id, primaryUser: user, parties: [{ userId: user, name: "No Recording" }, { name: "Customer" }] });
    expect(await postCall(body)).toBe(202);
    const failed = row("failed", id);
    await failed.waitFor();
    const errors = (await failed.locator(".gong-errors").textContent()) ?? "";
    const record = (await (await fetch(`${f.relay.url}/v1/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${f.relay.token}` } })).json()) as { status: string; errors: string[] };
    expect(record.status).toBe("failed");
    expect(record.errors.length).toBeGreaterThan(0);
    expect(errors).toContain(record.errors[0]);
    expect(await failed.textContent()).toContain("HTTP 409");

    await f.sb.admin.setUser(user, { telephonyCallsImported: true });
    try {
      await failed.locator("button.retry").click();
      await row("recent", id).locator(".status-done").waitFor();
      await failed.waitFor({ state: "detached" });
      expect(await page.textContent("#retry-result")).toContain(`Queued again: ${id}`);
      expect((await f.sb.admin.calls()).filter((c) => c.clientUniqueId === id)).toHaveLength(1);
    } finally {
      await f.sb.admin.setUser(user, { telephonyCallsImported: false });
    }
  });

  it("the Add call form: built from the schema with pick lists, an invalid submit shows errors beside the fields", async () => {
    await page.waitForSelector('#form-fields [data-seg="primaryUser"] select option[value]:not([value=""])', { state: "attached" });
    // Labels and help from the schema (the seed's), not from the page.
    expect(await page.textContent('#form-fields [data-seg="primaryUser"] label')).toContain("Primary user");
    expect(await page.textContent('#form-fields [data-seg="primaryUser"] .help')).toContain("hosted the call");
    const optionsOf = (field: string): Promise<string[]> =>
      page.evaluate<string[]>(`Array.from(document.querySelectorAll('#form-fields [data-seg="${field}"] select option'), (o) => o.value)`);
    const userOptions = await optionsOf("primaryUser");
    expect(userOptions).toContain(f.sb.users.host);
    const wsOptions = await optionsOf("workspaceId");
    expect(wsOptions).toContain(f.sb.defaultWorkspaceId);

    const before = (await f.sb.admin.calls()).length;
    await page.fill('[data-seg="duration"] input', "-5");
    await page.click("#add-call-submit");
    await page.waitForSelector("#form-result.bad");
    const errorsOf = async (sel: string): Promise<string> => (await page.locator(`${sel} > .errors`).textContent()) ?? "";
    expect(await errorsOf('#form-fields > [data-seg="actualStart"]')).toContain("is required");
    expect(await errorsOf('#form-fields > [data-seg="primaryUser"]')).toContain("is required");
    expect(await errorsOf('#form-fields > [data-seg="direction"]')).toContain("is required");
    expect(await errorsOf('#form-fields > [data-seg="duration"]')).toMatch(/at least 0/);
    expect(await page.locator('#form-fields > [data-seg="actualStart"]').getAttribute("class")).toContain("invalid");
    expect((await f.sb.admin.calls()).length).toBe(before);
  });

  it("the Add call form: a valid submit with a WAV recording creates the call with its media", async () => {
    const host = f.sb.users.host;
    const id = (await page.inputValue('[data-seg="clientUniqueId"] input'));
    expect(id).toMatch(/^console-[0-9a-f]{18}$/);
    await page.fill('[data-seg="actualStart"] input', "2026-03-02T15:00:00Z");
    await page.fill('[data-seg="duration"] input', "2");
    await page.selectOption('#form-fields > [data-seg="primaryUser"] select', host);
    await page.selectOption('#form-fields > [data-seg="direction"] select', "Outbound");
    await page.fill('#form-fields > [data-seg="title"] input', "Console call <b>bold</b>");
    const party = page.locator('#form-fields > [data-seg="parties"] .item').first();
    await party.locator('[data-seg="userId"] select').selectOption(host);
    await party.locator('[data-seg="name"] input').fill("Ada Lovelace");
    await page.click('#form-fields > [data-seg="parties"] > button.add');
    await page.locator('#form-fields > [data-seg="parties"] .item').nth(1).locator('[data-seg="name"] input').fill("Grace Customer");
    const { wav } = generateConversationWav({ speakers: 2, turns: 2, turnMs: 300, sampleRate: 8000 });
    await page.setInputFiles("#field-mediaFile", { name: "call.wav", mimeType: "audio/wav", buffer: Buffer.from(wav) });
    await page.click("#add-call-submit");
    await page.waitForSelector("#form-result.ok");
    expect(await page.textContent("#form-result")).toContain(`Accepted: ${id}`);
    // Earlier errors are cleared.
    expect(await page.locator("#add-call .errors li").count()).toBe(0);
    await row("recent", id).locator(".status-done").waitFor();
    expect(await row("recent", id).locator("td:nth-child(4)").textContent()).toBe("console");
    const listed = (await f.sb.admin.calls()).find((c) => c.clientUniqueId === id);
    expect(listed).toBeDefined();
    const call = await f.sb.admin.call(listed?.id ?? "");
    expect(call.title).toBe("Console call <b>bold</b>");
    expect(call.primaryUserId).toBe(host);
    expect(call.request.parties.map((p) => p.name)).toEqual(["Ada Lovelace", "Grace Customer"]);
    expect(call.media.state).toBe("ready");
    // The form is ready for the next call.
    expect(await page.inputValue('[data-seg="clientUniqueId"] input')).not.toBe(id);
  });

  it("ran without a CSP violation", async () => {
    expect(await page.evaluate<string[]>("window.__violations")).toEqual([]);
  });
});
