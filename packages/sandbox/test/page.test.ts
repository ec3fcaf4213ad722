import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { escapeHtml, formatTick, timeTicks } from "../src/internal/page.js";
import { SEED_USERS } from "../src/internal/seed.js";
import { generateConversationWav, readWavInfo } from "../src/internal/wav.js";
import { launchChromium, type LaunchedChromium } from "../../../test-support/chromium.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

/** The CSP the sandbox's pages must work under (app.ts registers it for every page). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Serves every HTML page to `page` with the strict CSP, and records any CSP violation in window.__violations. */
async function withStrictCsp(page: Page): Promise<void> {
  await page.addInitScript(`window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`);
  await page.route(/\/(call\?id=.*)?$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": CSP } });
  });
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>("window.__violations");
}

/** No inline script, style element, style attribute or event handler: what a strict CSP would block. */
function expectNoInlineCode(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style[\s>]/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
}

async function demoCall(
  sb: TestSandbox,
  title: string,
  opts: { turns?: number; turnMs?: number; parties?: Record<string, unknown>[] } = {},
): Promise<{ callId: string; url: string; durationMs: number }> {
  const { wav, segments, durationMs } = generateConversationWav({ speakers: 2, turns: opts.turns ?? 6, turnMs: opts.turnMs ?? 900 });
  const body = sb.validCall({
    title,
    purpose: "Discovery",
    actualStart: "2026-03-02T15:00:00Z",
    duration: durationMs / 1000,
    direction: "Outbound",
    parties: opts.parties ?? [
      { userId: sb.users.host, name: "Ada Lovelace", emailAddress: "ada@sandbox.example.com", partyId: "rep" },
      { name: "Grace Customer", emailAddress: "grace@customer.example.org", phoneNumber: "+14155550100", partyId: "cust",
        context: [{ system: "Salesforce", objects: [{ objectType: "Contact", objectId: "0038d00000XyZ12" }] }] },
    ],
    context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "0068d00000AbCdE" }, { objectType: "Account", objectId: "0018d00000QwErT" }] }],
    speakersTimeline: {
      precise: true,
      speechSegments: segments.map((s) => ({ fromTime: s.fromMs, toTime: s.toMs, partyIds: [s.speaker === 0 ? "rep" : "cust"] })),
    },
  });
  const created = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
  expect(created.status).toBe(200);
  const up = await sb.uploadMedia(created.body.callId, wav, "recording.wav");
  expect(up.status).toBe(201);
  return { callId: created.body.callId, url: (up.body as { url: string }).url, durationMs };
}

// One sandbox for the file: each test looks at the call it added (by its id), never at the list as a whole.
let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb.close();
});

describe("call page (server-rendered)", () => {
  it("lists calls at / and escapes everything", async () => {
    const evil = `<script>alert("x")</script> & "quotes"`;
    const { callId } = await demoCall(sb, evil);
    const list = await (await fetch(`${sb.baseUrl}/`)).text();
    expect(list).toContain(`/call?id=${callId}`);
    expect(list).not.toContain("<script>alert");
    const page = await (await fetch(`${sb.baseUrl}/call?id=${callId}`)).text();
    expect(page).not.toContain("<script>alert");
    expect(page).toContain(escapeHtml(evil));
    expect((await fetch(`${sb.baseUrl}/call?id=1`)).status).toBe(404);
    expectNoInlineCode(page);
    expectNoInlineCode(list);
    const css = await fetch(`${sb.baseUrl}/assets/page.css`);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    const js = await fetch(`${sb.baseUrl}/assets/page.js`);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
  });
});

// One Chromium for the browser tests, a page of its own for each.
let browser: LaunchedChromium | undefined;
async function chromium(): Promise<LaunchedChromium> {
  browser ??= await launchChromium();
  return browser;
}
afterAll(async () => {
  await browser?.close();
});

describe("call page in headless Chromium", () => {
  it("shows title and parties, draws one lane per party, and the player loads the media", async () => {
    const page = await (await chromium()).context.newPage();
    try {
      const { url, durationMs } = await demoCall(sb, "Discovery call with Acme");
      await withStrictCsp(page);
      await page.setViewportSize({ width: 1200, height: 1100 });
      const response = await page.goto(url);
      expect(response?.headers()["content-security-policy"]).toBe(CSP);
      expect(await page.title()).toContain("Discovery call with Acme");
      expect(await page.textContent("#call-title")).toBe("Discovery call with Acme");
      const parties = await page.textContent("#parties");
      expect(parties).toContain("Ada Lovelace");
      expect(parties).toContain("Grace Customer");
      expect(await page.locator("svg.timeline rect.seg").count()).toBe(6);
      // Runs in the page (a string, so this file needs no DOM typings).
      const duration = Number(
        await page.evaluate(`(async () => {
          const el = document.getElementById("player");
          if (el.readyState < 1) await new Promise((r) => el.addEventListener("loadedmetadata", r, { once: true }));
          return el.duration;
        })()`),
      );
      expect(duration).toBeGreaterThan(0);
      expect(Math.abs(duration * 1000 - durationMs)).toBeLessThan(100);
      // A click on a segment (a user gesture) seeks there and plays: the external script runs under the CSP.
      const seg = page.locator("svg.timeline rect.seg").nth(2);
      const fromS = Number(await seg.getAttribute("data-from")) / 1000;
      await seg.click();
      const played = await page.evaluate<{ time: number; head: string }>(`(async () => {
        const el = document.getElementById("player");
        const head = document.getElementById("playhead");
        const until = Date.now() + 10000;
        while ((el.currentTime < ${fromS} + 0.3 || head.getAttribute("opacity") !== "1") && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 50));
        }
        return { time: el.currentTime, head: head.getAttribute("opacity") };
      })()`);
      expect(await violations(page)).toEqual([]);
      // It seeked to the segment and played on from there; the play head follows.
      expect(played.time).toBeGreaterThan(fromS + 0.3);
      expect(played.head).toBe("1");
      // The stylesheet applied (a CSP blocking it would leave the card unstyled).
      expect(await page.evaluate(`getComputedStyle(document.querySelector(".card")).borderRadius`)).toBe("10px");
      // docs/call-page.png is rewritten only when missing or with UPDATE_SCREENSHOTS=1 (ids change on every run).
      const shot = await page.screenshot({ fullPage: true });
      expect(shot.length).toBeGreaterThan(10_000);
      if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync("docs/call-page.png")) {
        await mkdir("docs", { recursive: true });
        await writeFile("docs/call-page.png", shot);
      }
    } finally {
      await page.close();
    }
  });
});

describe("call page layout in headless Chromium", () => {
  it("the Parties table stays inside its card, a 4-second axis has unique whole-second ticks, a userId-only party shows the user's name", async () => {
    const page = await (await chromium()).context.newPage();
    try {
      const longIds = Array.from({ length: 12 }, (_, i) => ({ objectType: "Contact", objectId: `0038d00000${"LongObjectIdentifier".repeat(3)}${i}` }));
      const { url, durationMs } = await demoCall(sb, "Layout check", {
        turns: 4,
        turnMs: 900,
        parties: [
          { userId: sb.users.host, name: "Ada Lovelace", emailAddress: "ada@sandbox.example.com", partyId: "rep" },
          {
            name: `Grace ${"Verylongfamilyname".repeat(4)}`,
            emailAddress: `${"grace.customer.with.a.long.address".repeat(2)}@customer.example.org`,
            phoneNumber: "+14155550100",
            partyId: "cust",
            context: [{ system: "Generic", objects: longIds }],
          },
          { userId: SEED_USERS.rep, partyId: "second-rep" },
        ],
      });
      await withStrictCsp(page);
      await page.setViewportSize({ width: 1200, height: 1000 });
      await page.goto(url);

      const overflow = await page.evaluate<{ scroll: number; client: number; page: number; view: number }>(`(() => {
        const card = document.getElementById("parties-card");
        return { scroll: card.scrollWidth, client: card.clientWidth, page: document.documentElement.scrollWidth, view: window.innerWidth };
      })()`);
      expect(overflow.scroll).toBeLessThanOrEqual(overflow.client);
      expect(overflow.page).toBeLessThanOrEqual(overflow.view);

      const ticks = await page.locator("svg.timeline text.tick").allTextContents();
      expect(durationMs).toBeGreaterThanOrEqual(4000); // a 4-second recording
      expect(durationMs).toBeLessThan(5000);
      expect(ticks).toEqual(["0:00", "0:01", "0:02", "0:03", "0:04"]);
      expect(new Set(ticks).size).toBe(ticks.length);

      const rep = await sb.api<{ users: { id: string; firstName: string; lastName: string }[] }>("GET", "/v2/users");
      const user = rep.body.users.find((u) => u.id === SEED_USERS.rep);
      const name = `${user?.firstName ?? "?"} ${user?.lastName ?? "?"}`;
      const rows = await page.locator("#parties tbody tr").allTextContents();
      expect(rows[2]).toContain(name);
      expect(rows[2]?.startsWith(SEED_USERS.rep)).toBe(false);
      expect(await violations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("time axis ticks", () => {
  it("are whole seconds or minutes with unique labels, at most 9, for any length", () => {
    for (const totalMs of [1000, 2500, 4000, 4300, 7999, 9000, 61_000, 125_000, 3_600_000, 5_432_100, 86_400_000 * 3]) {
      const ticks = timeTicks(totalMs);
      const labels = ticks.map(formatTick);
      expect(new Set(labels).size, String(totalMs)).toBe(labels.length);
      expect(ticks.length, String(totalMs)).toBeLessThanOrEqual(9);
      expect(ticks.length, String(totalMs)).toBeGreaterThanOrEqual(2);
      expect(ticks.every((t) => t % 1000 === 0 && t <= totalMs)).toBe(true);
    }
    expect(timeTicks(4000).map(formatTick)).toEqual(["0:00", "0:01", "0:02", "0:03", "0:04"]);
  });
});

describe("wav generator", () => {
  it("makes a valid WAV whose header says its duration", () => {
    const { wav, durationMs, segments } = generateConversationWav({ turns: 4, turnMs: 500, gapMs: 100 });
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    const info = readWavInfo(wav);
    expect(info?.durationSeconds).toBeCloseTo(durationMs / 1000, 2);
    expect(segments.map((s) => s.speaker)).toEqual([0, 1, 0, 1]);
    expect(segments[1]).toEqual({ speaker: 1, fromMs: 700, toMs: 1200 });
  });
});
