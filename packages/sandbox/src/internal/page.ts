/** Server-rendered HTML for the call list and the call page. Every value from a request is escaped. */
import { formatGongDateTime } from "@gong-connector/schema";
import type { SandboxWorkspace, SandboxUser } from "./seed.js";
import type { CallRequestParty, StoredCall } from "./store.js";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export const LANE_COLORS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4b5563"];

/** Served at /assets/page.css: the pages carry no inline style (a strict CSP allows only 'self' styles). */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.bar { background: #1e1b4b; color: #fff; padding: 12px 28px; display: flex; align-items: center; gap: 12px; }
header.bar a { color: #c7d2fe; text-decoration: none; font-weight: 600; }
header.bar .tag { font-size: 12px; background: #4338ca; padding: 2px 8px; border-radius: 999px; }
main { max-width: 1100px; margin: 24px auto; padding: 0 28px; }
h1 { font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 12px; }
.sub { color: var(--muted); margin-bottom: 20px; overflow-wrap: anywhere; }
.sub.tight { margin: 8px 0 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-bottom: 18px; min-width: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px 24px; }
.grid div { min-width: 0; overflow-wrap: break-word; }
.grid div span { display: block; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { overflow-wrap: break-word; }
td.wide { overflow-wrap: anywhere; min-width: 16ch; }
td.nowrap { white-space: nowrap; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; white-space: nowrap; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.ok { background: #dcfce7; color: #166534; } .fail { background: #fee2e2; color: #991b1b; } .wait { background: #fef3c7; color: #92400e; } .none { background: #f3f4f6; color: #374151; }
.dir { background: #e0e7ff; color: #3730a3; }
audio, video { width: 100%; margin-top: 8px; }
video { max-height: 420px; background: #000; border-radius: 8px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; }
${LANE_COLORS.map((c, i) => `.lane-${i} { background: ${c}; }`).join("\n")}
table code { white-space: nowrap; word-break: normal; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f4f6; padding: 1px 5px; border-radius: 4px; word-break: break-all; }
a { color: var(--accent); overflow-wrap: anywhere; }
.empty, .note { color: var(--muted); font-style: italic; }
.note { margin: 8px 0 0; font-size: 13px; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: #374151; }
svg.timeline rect.seg { cursor: pointer; }
.consent { max-width: 560px; margin: 40px auto; }
.consent ul { padding-left: 20px; margin: 8px 0 16px; }
.consent li code { white-space: normal; }
.actions { display: flex; gap: 12px; margin-top: 18px; }
.actions button { font: inherit; font-weight: 600; padding: 9px 22px; border-radius: 8px; border: 1px solid var(--line); cursor: pointer; background: #fff; color: var(--ink); }
.actions button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.problems li { color: #991b1b; overflow-wrap: anywhere; }
`;

/** Served at /assets/page.js: moves the play head and seeks on a click on a segment (no inline script or handler). */
export const PAGE_JS = `"use strict";
(function () {
  var player = document.getElementById("player");
  var svg = document.querySelector("svg.timeline");
  if (!player || !svg) return;
  var head = document.getElementById("playhead");
  var total = Number(svg.dataset.total), left = Number(svg.dataset.left), track = Number(svg.dataset.track);
  player.addEventListener("timeupdate", function () {
    var x = left + Math.min(1, (player.currentTime * 1000) / total) * track;
    head.setAttribute("x1", x); head.setAttribute("x2", x); head.setAttribute("opacity", "1");
  });
  svg.addEventListener("click", function (event) {
    var target = event.target;
    var seg = target && target.closest ? target.closest("rect.seg") : null;
    if (!seg) return;
    player.currentTime = Number(seg.dataset.from) / 1000;
    void player.play();
  });
})();
`;

export function layout(title: string, body: string, script = false, home = "/"): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/page.css">${script ? `<script src="/assets/page.js" defer></script>` : ""}</head>
<body><header class="bar"><a href="${escapeHtml(home)}">Gong sandbox</a><span class="tag">local</span></header>
<main>${body}</main></body></html>`;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

function when(value: string | undefined): string {
  if (value === undefined) return "—";
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(ms) ? value : formatGongDateTime(ms).replace("T", " ").replace("Z", " UTC");
}

/** Names of Gong users, by user id, for parties given only a `userId`. */
export type UserNames = ReadonlyMap<string, string>;

export function userDisplayName(user: SandboxUser): string {
  const name = `${user.firstName} ${user.lastName}`.trim();
  return name === "" ? user.emailAddress : name;
}

export function partyLabel(p: CallRequestParty, index: number, users?: UserNames): string {
  const userName = p.userId === undefined ? undefined : users?.get(p.userId);
  return p.name ?? userName ?? p.emailAddress ?? p.phoneNumber ?? p.userId ?? `Party ${index + 1}`;
}

/** The user ids among `parties` that a label would show raw (no name, e-mail or phone): the ones worth looking up. */
export function userIdsToName(parties: readonly CallRequestParty[]): Set<string> {
  const ids = new Set<string>();
  for (const p of parties) {
    if (p.userId !== undefined && p.name === undefined) ids.add(p.userId);
  }
  return ids;
}

function mediaBadge(call: StoredCall): string {
  const m = call.media;
  switch (m.state) {
    case "ready":
      return `<span class="badge ok">${m.source === "download" ? "Downloaded" : "Uploaded"}</span>`;
    case "pending":
      return `<span class="badge wait">Downloading…</span>`;
    case "failed":
      return `<span class="badge fail">Download failed</span>`;
    default:
      return `<span class="badge none">No media</span>`;
  }
}

/** Parties named per call in the list at `/`. */
export const LIST_PARTIES_SHOWN = 5;
/** Rows of the Parties table on a call page. */
export const PARTY_ROWS_SHOWN = 200;
/** Lanes drawn in the speakers timeline. */
export const LANES_DRAWN = 40;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** Calls listed at `/` (the latest ones). */
export const CALLS_LISTED = 500;

/** The list at `/`: `latest` newest first, out of `total` calls. */
export function renderCallList(latest: StoredCall[], total: number, users?: UserNames): string {
  const rows = latest
    .map((c) => {
      const r = c.request;
      const shown = r.parties.slice(0, LIST_PARTIES_SHOWN).map((p, i) => partyLabel(p, i, users));
      const more = r.parties.length - shown.length;
      const parties = `${shown.join(", ")}${more > 0 ? ` and ${plural(more, "more")}` : ""}`;
      return `<tr><td><a href="/call?id=${escapeHtml(encodeURIComponent(c.id))}">${escapeHtml(r.title ?? "(untitled call)")}</a><br><code>${escapeHtml(c.id)}</code></td>
<td>${escapeHtml(when(r.actualStart))}</td><td><span class="badge dir">${escapeHtml(r.direction)}</span></td>
<td>${escapeHtml(parties)}</td><td>${mediaBadge(c)}</td></tr>`;
    })
    .join("\n");
  const body =
    latest.length === 0
      ? `<p class="empty">No calls yet. POST /v2/calls to add one.</p>`
      : `<div class="scroll"><table><thead><tr><th>Call</th><th>Actual start</th><th>Direction</th><th>Parties</th><th>Media</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const shown = latest.length < total ? ` (the latest ${latest.length.toLocaleString("en-US")} shown)` : "";
  return layout("Calls — Gong sandbox", `<h1>Calls</h1><div class="sub">${plural(total, "call")} in this sandbox${shown}</div><div class="card">${body}</div>`);
}

interface Lane {
  label: string;
  partyId: string;
  color: number;
}

/** Tick steps of the time axis, in seconds: whole seconds and minutes, so no two ticks share a label. */
const TICK_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
const MAX_TICKS = 8;

/** Tick positions (ms) for an axis of `totalMs`: multiples of the smallest step giving at most MAX_TICKS + 1 ticks. */
export function timeTicks(totalMs: number): number[] {
  const totalS = totalMs / 1000;
  const step = TICK_STEPS_S.find((s) => Math.floor(totalS / s) <= MAX_TICKS) ?? Math.ceil(totalS / MAX_TICKS / 86400) * 86400;
  const ticks: number[] = [];
  for (let t = 0; t <= totalS + 1e-9; t += step) ticks.push(t * 1000);
  return ticks;
}

export function formatTick(ms: number): string {
  return formatDuration(ms / 1000);
}

/** A bar drawn for one or more segments that fall within a pixel of each other. */
interface Bar {
  from: number;
  to: number;
  count: number;
}

/**
 * Each lane's segments as bars: segments are grouped by party once (not scanned once per lane), then sorted and
 * merged where less than a pixel apart, so a lane draws at most about one bar per two pixels of track however many
 * segments it has.
 */
function lanesBars(segments: readonly { fromTime: number; toTime: number; partyIds: string[] }[], lanes: readonly Lane[], msPerPixel: number): Map<string, Bar[]> {
  const byParty = new Map<string, { from: number; to: number }[]>(lanes.map((l) => [l.partyId, []]));
  for (const seg of segments) {
    for (const id of seg.partyIds) byParty.get(id)?.push({ from: seg.fromTime, to: seg.toTime });
  }
  const bars = new Map<string, Bar[]>();
  for (const [id, list] of byParty) {
    list.sort((a, b) => a.from - b.from);
    const merged: Bar[] = [];
    for (const s of list) {
      const last = merged.at(-1);
      if (last !== undefined && s.from - last.to < 2 * msPerPixel) {
        last.to = Math.max(last.to, s.to);
        last.count++;
      } else {
        merged.push({ from: s.from, to: s.to, count: 1 });
      }
    }
    bars.set(id, merged);
  }
  return bars;
}

function renderTimeline(call: StoredCall, lanes: Lane[], totalMs: number): string {
  const segments = call.request.speakersTimeline?.speechSegments ?? [];
  if (segments.length === 0 || lanes.length === 0) return `<p class="empty">No speakers timeline was given for this call.</p>`;
  const drawn = lanes.slice(0, LANES_DRAWN);
  const labelW = 170;
  const width = 1000;
  const laneH = 34;
  const top = 8;
  const axisH = 26;
  const trackW = width - labelW - 10;
  const height = top + drawn.length * laneH + axisH;
  const x = (ms: number): number => labelW + (Math.min(Math.max(ms, 0), totalMs) / totalMs) * trackW;
  const bars = lanesBars(segments, drawn, totalMs / trackW);
  const parts: string[] = [];
  let merged = 0;
  drawn.forEach((lane, i) => {
    const y = top + i * laneH;
    const color = LANE_COLORS[lane.color] ?? "#2563eb";
    parts.push(`<rect x="${labelW}" y="${y + 4}" width="${trackW}" height="${laneH - 8}" rx="4" fill="#f3f4f6"/>`);
    const label = lane.label.length > 22 ? `${lane.label.slice(0, 21)}…` : lane.label;
    parts.push(`<text x="0" y="${y + laneH / 2 + 4}"><tspan fill="${color}">●</tspan> ${escapeHtml(label)}</text>`);
    for (const bar of bars.get(lane.partyId) ?? []) {
      const x0 = x(bar.from);
      const w = Math.max(1.5, x(bar.to) - x0);
      if (bar.count > 1) merged += bar.count;
      const span = `${formatDuration(bar.from / 1000)}–${formatDuration(bar.to / 1000)}`;
      const tip = bar.count > 1 ? `${lane.label}: ${span} (${plural(bar.count, "segment")})` : `${lane.label}: ${span}`;
      parts.push(
        `<rect class="seg" data-from="${bar.from}" x="${x0.toFixed(1)}" y="${y + 6}" width="${w.toFixed(1)}" height="${laneH - 12}" rx="3" fill="${color}"><title>${escapeHtml(tip)}</title></rect>`,
      );
    }
  });
  const axisY = top + drawn.length * laneH;
  const ticks = timeTicks(totalMs);
  ticks.forEach((ms, t) => {
    const tx = x(ms);
    parts.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${top}" y2="${axisY + 4}" stroke="#d1d5db" stroke-dasharray="2 3"/>`);
    const anchor = t === 0 ? "start" : tx > width - 30 ? "end" : "middle";
    parts.push(`<text class="tick" x="${tx.toFixed(1)}" y="${axisY + 18}" text-anchor="${anchor}">${formatTick(ms)}</text>`);
  });
  parts.push(`<line id="playhead" x1="${labelW}" x2="${labelW}" y1="${top}" y2="${axisY}" stroke="#111827" stroke-width="2" opacity="0"/>`);
  const notes: string[] = [];
  if (lanes.length > drawn.length) notes.push(`${plural(lanes.length - drawn.length, "more party", "more parties")} with a partyId not drawn.`);
  if (merged > 0) notes.push(`${plural(merged, "segment")} less than a pixel apart drawn merged into shared bars.`);
  const note = notes.length > 0 ? `<p class="note" id="timeline-note">${escapeHtml(notes.join(" "))}</p>` : "";
  return `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Speakers timeline" data-total="${totalMs}" data-left="${labelW}" data-track="${trackW}">${parts.join("")}</svg>${note}`;
}

export interface CallPageData {
  call: StoredCall;
  primaryUser: SandboxUser | undefined;
  workspace: SandboxWorkspace | undefined;
  mediaDurationSeconds: number | undefined;
  /** Names of the users that parties name only by userId. */
  users?: UserNames;
}

function contextText(context: readonly { system: string; objects?: { objectType: string; objectId: string }[] }[]): string {
  return context.map((c) => `${c.system}: ${(c.objects ?? []).map((o) => `${o.objectType} ${o.objectId}`).join(", ")}`).join("; ");
}

export function renderCallPage({ call, primaryUser, workspace, mediaDurationSeconds, users }: CallPageData): string {
  const r = call.request;
  const title = r.title ?? "(untitled call)";
  const segments = r.speakersTimeline?.speechSegments ?? [];
  const lastMs = segments.reduce((m, s) => Math.max(m, s.toTime), 0);
  const durationS = r.duration ?? mediaDurationSeconds ?? lastMs / 1000;
  const totalMs = Math.max(lastMs, durationS * 1000, 1000);
  const lanes: Lane[] = [];
  const laneOf = new Map<string, Lane>();
  r.parties.forEach((p, i) => {
    if (p.partyId === undefined || laneOf.has(p.partyId)) return;
    const lane = { label: partyLabel(p, i, users), partyId: p.partyId, color: lanes.length % LANE_COLORS.length };
    lanes.push(lane);
    laneOf.set(p.partyId, lane);
  });

  const host = primaryUser ? `${userDisplayName(primaryUser)} (${primaryUser.emailAddress})` : call.primaryUserId;
  const facts: [string, string][] = [
    ["Actual start", when(r.actualStart)],
    ["Scheduled", r.scheduledStart === undefined ? "—" : `${when(r.scheduledStart)}${r.scheduledEnd === undefined ? "" : ` → ${when(r.scheduledEnd)}`}`],
    ["Duration", r.duration === undefined ? (mediaDurationSeconds === undefined ? "—" : `${formatDuration(mediaDurationSeconds)} (media)`) : formatDuration(r.duration)],
    ["Direction", r.direction],
    ["Primary user", host],
    ["Workspace", workspace?.name ?? call.workspaceId],
    ["Client unique ID", call.clientUniqueId],
  ];
  if (r.purpose !== undefined) facts.push(["Purpose", r.purpose]);
  if (r.disposition !== undefined) facts.push(["Disposition", r.disposition]);
  if (r.languageCode !== undefined) facts.push(["Language", r.languageCode]);
  if (r.callProviderCode !== undefined) facts.push(["Call provider", r.callProviderCode]);
  if (r.customData !== undefined) facts.push(["Custom data", r.customData]);
  const factsHtml = facts.map(([k, v]) => `<div><span>${escapeHtml(k)}</span>${escapeHtml(v)}</div>`).join("");
  const meeting =
    r.meetingUrl !== undefined && /^https?:\/\//i.test(r.meetingUrl)
      ? `<div><span>Meeting URL</span><a href="${escapeHtml(r.meetingUrl)}" rel="noopener noreferrer">${escapeHtml(r.meetingUrl)}</a></div>`
      : "";

  const m = call.media;
  let mediaHtml: string;
  if (m.state === "ready") {
    const tag = m.format === "mp4" || m.format === "mkv" ? "video" : "audio";
    const details = `${(m.format ?? "").toUpperCase()} · ${formatBytes(m.size ?? 0)} · ${escapeHtml(m.fileName ?? "")}`;
    mediaHtml = `<div>${mediaBadge(call)} <span class="sub">${details}</span></div>
<${tag} id="player" controls preload="metadata" src="/media/${escapeHtml(encodeURIComponent(call.id))}"></${tag}>
<div class="sub tight">sha256 <code>${escapeHtml(m.sha256 ?? "")}</code></div>`;
  } else if (m.state === "pending") {
    mediaHtml = `<div>${mediaBadge(call)} <span class="sub">fetching <code>${escapeHtml(call.downloadMediaUrl ?? "")}</code></span></div>`;
  } else if (m.state === "failed") {
    mediaHtml = `<div>${mediaBadge(call)} <code>${escapeHtml(call.downloadMediaUrl ?? "")}</code></div><p>${escapeHtml(m.error ?? "unknown error")}</p>`;
  } else {
    mediaHtml = `<div>${mediaBadge(call)}</div><p class="empty">Upload it with PUT /v2/calls/${escapeHtml(call.id)}/media.</p>`;
  }

  const partyRows = r.parties
    .slice(0, PARTY_ROWS_SHOWN)
    .map((p, i) => {
      const lane = p.partyId !== undefined ? laneOf.get(p.partyId) : undefined;
      const sw = lane !== undefined ? `<span class="swatch lane-${lane.color}"></span>` : "";
      return `<tr><td>${sw}${escapeHtml(partyLabel(p, i, users))}</td><td>${escapeHtml(p.emailAddress ?? "")}</td><td class="nowrap">${escapeHtml(p.phoneNumber ?? "")}</td>
<td>${p.userId !== undefined ? `<code>${escapeHtml(p.userId)}</code>${p.userId === call.primaryUserId ? " (host)" : ""}` : ""}</td>
<td>${escapeHtml(p.partyId ?? "")}</td><td>${p.mediaChannelId === undefined ? "" : escapeHtml(p.mediaChannelId)}</td><td class="wide">${escapeHtml(contextText(p.context ?? []))}</td></tr>`;
    })
    .join("\n");
  const hiddenParties = r.parties.length - Math.min(r.parties.length, PARTY_ROWS_SHOWN);
  const partiesNote = hiddenParties > 0 ? `<p class="note">${escapeHtml(`${plural(hiddenParties, "more party", "more parties")} not shown.`)}</p>` : "";

  const contextRows = (r.context ?? [])
    .flatMap((c) => (c.objects ?? [{ objectType: "—", objectId: "—" }]).map((o) => `<tr><td>${escapeHtml(c.system)}</td><td>${escapeHtml(o.objectType)}</td><td><code>${escapeHtml(o.objectId)}</code></td></tr>`))
    .join("\n");

  const body = `<h1 id="call-title">${escapeHtml(title)}</h1>
<div class="sub">Call <code>${escapeHtml(call.id)}</code> · <span class="badge dir">${escapeHtml(r.direction)}</span></div>
<div class="card"><h2>Recording</h2>${mediaHtml}</div>
<div class="card" id="timeline-card"><h2>Speakers timeline${r.speakersTimeline?.precise === true ? " <span class=\"badge ok\">precise</span>" : ""}</h2>${renderTimeline(call, lanes, totalMs)}</div>
<div class="card"><h2>Details</h2><div class="grid">${factsHtml}${meeting}</div></div>
<div class="card" id="parties-card"><h2>Parties</h2><div class="scroll"><table id="parties"><thead><tr><th>Name</th><th>E-mail</th><th>Phone</th><th>User id</th><th>Party id</th><th>Channel</th><th>Context</th></tr></thead><tbody>${partyRows}</tbody></table></div>${partiesNote}</div>
<div class="card"><h2>Context</h2>${contextRows === "" ? `<p class="empty">No CRM context.</p>` : `<div class="scroll"><table><thead><tr><th>System</th><th>Object</th><th>Id</th></tr></thead><tbody>${contextRows}</tbody></table></div>`}</div>`;
  return layout(`${title} — Gong sandbox`, body, true);
}

export function renderNotFound(id: string): string {
  const shown = id.length > 200 ? `${id.slice(0, 200)}…` : id;
  return layout("Call not found — Gong sandbox", `<h1>Call not found</h1><p>No call with id <code>${escapeHtml(shown)}</code>.</p><p><a href="/">All calls</a></p>`);
}
