/** Server-rendered HTML for the call list and the call page. Every value from a request is escaped. */
import type { SandboxWorkspace, SandboxUser } from "./seed.js";
import type { CallRequestParty, StoredCall } from "./store.js";
import { isoUtc } from "./views.js";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const LANE_COLORS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4b5563"];

const STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.bar { background: #1e1b4b; color: #fff; padding: 12px 28px; display: flex; align-items: center; gap: 12px; }
header.bar a { color: #c7d2fe; text-decoration: none; font-weight: 600; }
header.bar .tag { font-size: 12px; background: #4338ca; padding: 2px 8px; border-radius: 999px; }
main { max-width: 1100px; margin: 24px auto; padding: 0 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.sub { color: var(--muted); margin-bottom: 20px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-bottom: 18px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px 24px; }
.grid div span { display: block; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.ok { background: #dcfce7; color: #166534; } .fail { background: #fee2e2; color: #991b1b; } .wait { background: #fef3c7; color: #92400e; } .none { background: #f3f4f6; color: #374151; }
.dir { background: #e0e7ff; color: #3730a3; }
audio, video { width: 100%; margin-top: 8px; }
video { max-height: 420px; background: #000; border-radius: 8px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; }
table code { white-space: nowrap; word-break: normal; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f4f6; padding: 1px 5px; border-radius: 4px; word-break: break-all; }
a { color: var(--accent); }
.empty { color: var(--muted); font-style: italic; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: #374151; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header class="bar"><a href="/">Gong sandbox</a><span class="tag">local</span></header>
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
  return Number.isNaN(ms) ? value : isoUtc(ms).replace("T", " ").replace("Z", " UTC");
}

export function partyLabel(p: CallRequestParty, index: number): string {
  return p.name ?? p.emailAddress ?? p.phoneNumber ?? p.userId ?? `Party ${index + 1}`;
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

export function renderCallList(calls: StoredCall[]): string {
  const rows = calls
    .slice()
    .reverse()
    .map((c) => {
      const r = c.request;
      return `<tr><td><a href="/call?id=${escapeHtml(encodeURIComponent(c.id))}">${escapeHtml(r.title ?? "(untitled call)")}</a><br><code>${escapeHtml(c.id)}</code></td>
<td>${escapeHtml(when(r.actualStart))}</td><td><span class="badge dir">${escapeHtml(r.direction)}</span></td>
<td>${escapeHtml(r.parties.map(partyLabel).join(", "))}</td><td>${mediaBadge(c)}</td></tr>`;
    })
    .join("\n");
  const body =
    calls.length === 0
      ? `<p class="empty">No calls yet. POST /v2/calls to add one.</p>`
      : `<table><thead><tr><th>Call</th><th>Actual start</th><th>Direction</th><th>Parties</th><th>Media</th></tr></thead><tbody>${rows}</tbody></table>`;
  return layout("Calls — Gong sandbox", `<h1>Calls</h1><div class="sub">${calls.length} call${calls.length === 1 ? "" : "s"} in this sandbox</div><div class="card">${body}</div>`);
}

interface Lane {
  label: string;
  partyId: string;
  color: string;
}

function renderTimeline(call: StoredCall, lanes: Lane[], totalMs: number): string {
  const segments = call.request.speakersTimeline?.speechSegments ?? [];
  if (segments.length === 0 || lanes.length === 0) return `<p class="empty">No speakers timeline was given for this call.</p>`;
  const labelW = 170;
  const width = 1000;
  const laneH = 34;
  const top = 8;
  const axisH = 26;
  const trackW = width - labelW - 10;
  const height = top + lanes.length * laneH + axisH;
  const x = (ms: number): number => labelW + (Math.min(Math.max(ms, 0), totalMs) / totalMs) * trackW;
  const parts: string[] = [];
  lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    parts.push(`<rect x="${labelW}" y="${y + 4}" width="${trackW}" height="${laneH - 8}" rx="4" fill="#f3f4f6"/>`);
    const label = lane.label.length > 22 ? `${lane.label.slice(0, 21)}…` : lane.label;
    parts.push(`<text x="0" y="${y + laneH / 2 + 4}"><tspan fill="${lane.color}">●</tspan> ${escapeHtml(label)}</text>`);
    for (const seg of segments) {
      if (!seg.partyIds.includes(lane.partyId)) continue;
      const x0 = x(seg.fromTime);
      const w = Math.max(1.5, x(seg.toTime) - x0);
      const tip = `${lane.label}: ${formatDuration(seg.fromTime / 1000)}–${formatDuration(seg.toTime / 1000)}`;
      parts.push(
        `<rect class="seg" data-from="${seg.fromTime}" x="${x0.toFixed(1)}" y="${y + 6}" width="${w.toFixed(1)}" height="${laneH - 12}" rx="3" fill="${lane.color}"><title>${escapeHtml(tip)}</title></rect>`,
      );
    }
  });
  const axisY = top + lanes.length * laneH;
  const ticks = 6;
  for (let t = 0; t <= ticks; t++) {
    const ms = (totalMs * t) / ticks;
    const tx = x(ms);
    parts.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${top}" y2="${axisY + 4}" stroke="#d1d5db" stroke-dasharray="2 3"/>`);
    const anchor = t === 0 ? "start" : t === ticks ? "end" : "middle";
    parts.push(`<text x="${tx.toFixed(1)}" y="${axisY + 18}" text-anchor="${anchor}">${formatDuration(ms / 1000)}</text>`);
  }
  parts.push(`<line id="playhead" x1="${labelW}" x2="${labelW}" y1="${top}" y2="${axisY}" stroke="#111827" stroke-width="2" opacity="0"/>`);
  return `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Speakers timeline" data-total="${totalMs}" data-left="${labelW}" data-track="${trackW}">${parts.join("")}</svg>`;
}

const PLAYER_SCRIPT = `
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
  svg.querySelectorAll("rect.seg").forEach(function (r) {
    r.style.cursor = "pointer";
    r.addEventListener("click", function () { player.currentTime = Number(r.dataset.from) / 1000; player.play(); });
  });
})();`;

export interface CallPageData {
  call: StoredCall;
  primaryUser: SandboxUser | undefined;
  workspace: SandboxWorkspace | undefined;
  mediaDurationSeconds: number | undefined;
}

export function renderCallPage({ call, primaryUser, workspace, mediaDurationSeconds }: CallPageData): string {
  const r = call.request;
  const title = r.title ?? "(untitled call)";
  const segments = r.speakersTimeline?.speechSegments ?? [];
  const lastMs = segments.reduce((m, s) => Math.max(m, s.toTime), 0);
  const durationS = r.duration ?? mediaDurationSeconds ?? lastMs / 1000;
  const totalMs = Math.max(lastMs, durationS * 1000, 1000);
  const lanes: Lane[] = r.parties
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.partyId !== undefined)
    .map(({ p, i }, k) => ({ label: partyLabel(p, i), partyId: p.partyId ?? "", color: LANE_COLORS[k % LANE_COLORS.length] ?? "#2563eb" }));
  const colorOf = new Map(lanes.map((l) => [l.partyId, l.color]));

  const host = primaryUser ? `${primaryUser.firstName} ${primaryUser.lastName} (${primaryUser.emailAddress})` : call.primaryUserId;
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
<div class="sub" style="margin:8px 0 0">sha256 <code>${escapeHtml(m.sha256 ?? "")}</code></div>`;
  } else if (m.state === "pending") {
    mediaHtml = `<div>${mediaBadge(call)} <span class="sub">fetching <code>${escapeHtml(call.downloadMediaUrl ?? "")}</code></span></div>`;
  } else if (m.state === "failed") {
    mediaHtml = `<div>${mediaBadge(call)} <code>${escapeHtml(call.downloadMediaUrl ?? "")}</code></div><p>${escapeHtml(m.error ?? "unknown error")}</p>`;
  } else {
    mediaHtml = `<div>${mediaBadge(call)}</div><p class="empty">Upload it with PUT /v2/calls/${escapeHtml(call.id)}/media.</p>`;
  }

  const partyRows = r.parties
    .map((p, i) => {
      const color = p.partyId !== undefined ? colorOf.get(p.partyId) : undefined;
      const sw = color !== undefined ? `<span class="swatch" style="background:${color}"></span>` : "";
      const ctx = (p.context ?? []).map((c) => `${c.system}: ${(c.objects ?? []).map((o) => `${o.objectType} ${o.objectId}`).join(", ")}`).join("; ");
      return `<tr><td>${sw}${escapeHtml(partyLabel(p, i))}</td><td>${escapeHtml(p.emailAddress ?? "")}</td><td>${escapeHtml(p.phoneNumber ?? "")}</td>
<td>${p.userId !== undefined ? `<code>${escapeHtml(p.userId)}</code>${p.userId === call.primaryUserId ? " (host)" : ""}` : ""}</td>
<td>${escapeHtml(p.partyId ?? "")}</td><td>${p.mediaChannelId === undefined ? "" : escapeHtml(p.mediaChannelId)}</td><td>${escapeHtml(ctx)}</td></tr>`;
    })
    .join("\n");

  const contextRows = (r.context ?? [])
    .flatMap((c) => (c.objects ?? [{ objectType: "—", objectId: "—" }]).map((o) => `<tr><td>${escapeHtml(c.system)}</td><td>${escapeHtml(o.objectType)}</td><td><code>${escapeHtml(o.objectId)}</code></td></tr>`))
    .join("\n");

  const body = `<h1 id="call-title">${escapeHtml(title)}</h1>
<div class="sub">Call <code>${escapeHtml(call.id)}</code> · <span class="badge dir">${escapeHtml(r.direction)}</span></div>
<div class="card"><h2>Recording</h2>${mediaHtml}</div>
<div class="card"><h2>Speakers timeline${r.speakersTimeline?.precise === true ? " <span class=\"badge ok\">precise</span>" : ""}</h2>${renderTimeline(call, lanes, totalMs)}</div>
<div class="card"><h2>Details</h2><div class="grid">${factsHtml}${meeting}</div></div>
<div class="card"><h2>Parties</h2><table id="parties"><thead><tr><th>Name</th><th>E-mail</th><th>Phone</th><th>User id</th><th>Party id</th><th>Channel</th><th>Context</th></tr></thead><tbody>${partyRows}</tbody></table></div>
<div class="card"><h2>Context</h2>${contextRows === "" ? `<p class="empty">No CRM context.</p>` : `<table><thead><tr><th>System</th><th>Object</th><th>Id</th></tr></thead><tbody>${contextRows}</tbody></table>`}</div>
<script>${PLAYER_SCRIPT}</script>`;
  return layout(`${title} — Gong sandbox`, body);
}

export function renderNotFound(id: string): string {
  return layout("Call not found — Gong sandbox", `<h1>Call not found</h1><p>No call with id <code>${escapeHtml(id)}</code>.</p><p><a href="/">All calls</a></p>`);
}
