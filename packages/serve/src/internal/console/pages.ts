/**
 * The console's two pages. Both are static shells (the console's data arrives through its script, rendered as text):
 * no inline script, style or handler, so they run under `default-src 'self'`.
 */

const STATUSES = ["queued", "sending", "created", "done", "failed"] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function head(title: string, script: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/console.css">
${script ? '<script type="module" src="/assets/console.js"></script>\n' : ""}</head>`;
}

/** The login page; `error` (a fixed sentence) when a token was refused. */
export function loginPage(error?: string): string {
  return `${head("Log in · gong-connector relay", false)}
<body class="login">
<main>
<h1>gong-connector relay</h1>
<form method="post" action="/login" id="login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" required autofocus>
<p class="help">The token <code>gong-connector serve</code> printed first (or <code>GONG_SERVE_TOKEN</code>).</p>
${error === undefined ? "" : `<p class="error" id="login-error" role="alert">${escapeHtml(error)}</p>\n`}<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}

/** The console's shell. */
export function consolePage(): string {
  const counts = STATUSES.map((s) => `<div class="count status-${s}"><dt>${s}</dt><dd id="count-${s}">–</dd></div>`).join("\n");
  return `${head("gong-connector relay", true)}
<body>
<header>
<h1>gong-connector relay</h1>
<span id="live" class="live" role="status">connecting…</span>
<button type="button" id="logout">Log out</button>
</header>
<main>
<section id="overview" aria-label="Overview">
<dl class="counts">
${counts}
</dl>
<p class="stats">
<span>Delivered: <strong id="rate">–</strong> calls/min (<span id="rate-window">–</span>), <span id="rate-last-minute">–</span> in the last minute</span>
<span>Gong requests today: <strong id="quota-spent">–</strong> of <span id="quota-per-day">–</span>, resets <span id="quota-resets">–</span></span>
<span id="quota-paused" class="warning" hidden></span>
<span id="draining" class="warning" hidden>The relay is stopping: new calls are refused.</span>
</p>
</section>
<section id="failed-section">
<h2>Failed calls</h2>
<p id="failed-empty" class="muted">None.</p>
<table id="failed" hidden>
<thead><tr><th>Client unique ID</th><th>Gong's errors</th><th>Attempts</th><th>Updated</th><th></th></tr></thead>
<tbody></tbody>
</table>
<p id="retry-result" role="status"></p>
</section>
<section id="recent-section">
<h2>Recent calls</h2>
<p id="recent-empty" class="muted">No call yet.</p>
<table id="recent" hidden>
<thead><tr><th>Client unique ID</th><th>Status</th><th>Gong call</th><th>Source</th><th>Attempts</th><th>Updated</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section id="add-section">
<h2>Add call</h2>
<p class="muted">Fields and help come from the Add call schema. Users and workspaces are read from Gong and kept for 5 minutes
(<span id="pick-lists-at">not read yet</span>). <button type="button" id="refresh-pick-lists">Refresh users and workspaces</button></p>
<form id="add-call" novalidate>
<div id="form-fields"><p class="muted">Loading the form…</p></div>
<div class="field" data-seg="mediaFile">
<label for="field-mediaFile">Recording</label>
<input type="file" id="field-mediaFile" name="mediaFile" accept=".wav,.mp3,.mp4,.mkv,.flac,audio/*,video/*">
<p class="help">A WAV, MP3, MP4, MKV or FLAC file of up to 1.5 GB (or give a media download URL instead).</p>
<ul class="errors"></ul>
</div>
<ul id="form-errors" class="errors"></ul>
<button type="submit" id="add-call-submit">Add call</button>
<p id="form-result" role="status"></p>
</form>
</section>
</main>
</body>
</html>
`;
}
