import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../src/sandbox/page.js";
import { generateConversationWav, readWavInfo } from "../../src/sandbox/wav.js";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

async function demoCall(sb: TestSandbox, title: string): Promise<{ callId: string; url: string; durationMs: number }> {
  const { wav, segments, durationMs } = generateConversationWav({ speakers: 2, turns: 6, turnMs: 900 });
  const body = sb.validCall({
    title,
    purpose: "Discovery",
    actualStart: "2026-03-02T15:00:00Z",
    duration: durationMs / 1000,
    direction: "Outbound",
    parties: [
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

describe("call page (server-rendered)", () => {
  it("lists calls at / and escapes everything", async () => {
    const sb = await startTestSandbox();
    try {
      const evil = `<script>alert("x")</script> & "quotes"`;
      const { callId } = await demoCall(sb, evil);
      const list = await (await fetch(`${sb.baseUrl}/`)).text();
      expect(list).toContain(`/call?id=${callId}`);
      expect(list).not.toContain("<script>alert");
      const page = await (await fetch(`${sb.baseUrl}/call?id=${callId}`)).text();
      expect(page).not.toContain("<script>alert");
      expect(page).toContain(escapeHtml(evil));
      expect((await fetch(`${sb.baseUrl}/call?id=1`)).status).toBe(404);
    } finally {
      await sb.close();
    }
  });
});

describe.skipIf(!chromiumAvailable())("call page in headless Chromium", () => {
  it("shows title and parties, draws one lane per party, and the player loads the media", async () => {
    const sb = await startTestSandbox();
    const browser = await launchChromium();
    try {
      const { url, durationMs } = await demoCall(sb, "Discovery call with Acme");
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1200, height: 1100 });
      await page.goto(url);
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
      // docs/call-page.png is rewritten only when missing or with UPDATE_SCREENSHOTS=1 (ids change on every run).
      const shot = await page.screenshot({ fullPage: true });
      expect(shot.length).toBeGreaterThan(10_000);
      if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync("docs/call-page.png")) {
        await mkdir("docs", { recursive: true });
        await writeFile("docs/call-page.png", shot);
      }
    } finally {
      await browser.close();
      await sb.close();
    }
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
