/**
 * The console's stylesheet and script, served from `/assets/` (no inline code: the pages run under a strict CSP).
 * The script renders every value from the relay as text (textContent, never HTML), builds the Add call form from the
 * action's JSON Schema, and follows the relay's server-sent events.
 */

export const CONSOLE_CSS = String.raw`
:root { color-scheme: light; --fg: #1d2330; --muted: #6b7385; --line: #dde1ea; --accent: #5a2ee5; --bad: #b3261e; --ok: #1b7f3b; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f7f8fb; }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
h2 { font-size: 1rem; margin: 0 0 .75rem; }
.counts { display: flex; gap: 1rem; margin: 0 0 .75rem; flex-wrap: wrap; }
.count { min-width: 7rem; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; }
.count dt { color: var(--muted); text-transform: capitalize; }
.count dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
.stats { display: flex; flex-direction: column; gap: .25rem; margin: 0; }
.live { color: var(--muted); }
.live.on { color: var(--ok); }
.live.off { color: var(--bad); }
.muted { color: var(--muted); }
.warning { color: var(--warn); font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td code, .id { font-family: ui-monospace, monospace; word-break: break-all; }
.status { font-weight: 600; }
.status-done { color: var(--ok); }
.status-failed { color: var(--bad); }
.status-queued, .status-sending, .status-created { color: var(--warn); }
td ul { margin: 0; padding-left: 1rem; }
button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--accent); background: #fff; color: var(--accent); border-radius: 5px; cursor: pointer; }
button[type=submit], button.primary { background: var(--accent); color: #fff; }
form .field { margin: .6rem 0; }
form label { display: block; font-weight: 600; }
form label .required { color: var(--bad); margin-left: .2rem; }
form input[type=text], form input[type=number], form input[type=password], form select { width: 100%; max-width: 32rem; padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 4px; font: inherit; }
form .help { margin: .15rem 0 0; color: var(--muted); font-size: .9em; max-width: 48rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; padding: .5rem .9rem; }
legend { font-weight: 600; }
.field.invalid > input, .field.invalid > select { border-color: var(--bad); }
.errors { color: var(--bad); margin: .2rem 0 0; padding-left: 1.1rem; }
.errors:empty { display: none; }
.error { color: var(--bad); }
#form-result.ok { color: var(--ok); }
#form-result.bad { color: var(--bad); }
body.login main { max-width: 24rem; margin: 4rem auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
body.login button { margin-top: .75rem; }
`;

export const CONSOLE_JS = String.raw`
"use strict";
const STATUSES = ["queued", "sending", "created", "done", "failed"];
const LIST_LIMIT = 50;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children || []) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

function inTime(iso) {
  const ms = Date.parse(iso) - Date.now();
  if (!(ms > 0)) return when(iso);
  const min = Math.round(ms / 60000);
  const rel = min < 60 ? min + " min" : Math.floor(min / 60) + " h " + (min % 60) + " min";
  return when(iso) + " (in " + rel + ")";
}

function safeLink(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : undefined;
}

async function request(method, url, body) {
  const res = await fetch(url, { method, body, credentials: "same-origin", headers: { accept: "application/json" } });
  let data;
  try { data = await res.json(); } catch { data = undefined; }
  if (res.status === 401) showLoggedOut();
  return { status: res.status, data };
}

function showLoggedOut() {
  const live = $("live");
  live.textContent = "";
  live.className = "live off";
  live.append("Session ended: ", el("a", { href: "/login", text: "log in again" }));
}

// ---------- overview ----------

function renderStats(stats) {
  if (!stats) return;
  for (const s of STATUSES) $("count-" + s).textContent = String(stats.counts ? stats.counts[s] : 0);
  $("rate").textContent = String(stats.rate.perMinute);
  $("rate-window").textContent = "over " + stats.rate.windowMinutes + " min";
  $("rate-last-minute").textContent = String(stats.rate.lastMinute);
  const q = stats.quota;
  $("quota-spent").textContent = q ? String(q.spent) : "–";
  $("quota-per-day").textContent = q ? String(q.perDay) : "–";
  $("quota-resets").textContent = q ? inTime(q.resetsAt) : "– (the workers keep the quota when the relay runs with --queue)";
  const paused = $("quota-paused");
  paused.hidden = !(q && q.pausedUntil);
  paused.textContent = q && q.pausedUntil ? "The daily quota is spent: delivery waits for the reset at " + when(q.pausedUntil) + "." : "";
  $("draining").hidden = !stats.draining;
}

// ---------- calls ----------

function gongCell(call) {
  const link = safeLink(call.link);
  if (call.callId && link) return el("td", {}, [el("a", { href: link, target: "_blank", rel: "noopener noreferrer", class: "id", text: call.callId })]);
  return el("td", { class: "muted", text: call.callId || "–" });
}

function recentRow(call) {
  return el("tr", { "data-id": call.clientUniqueId }, [
    el("td", {}, [el("code", { text: call.clientUniqueId })]),
    el("td", {}, [el("span", { class: "status status-" + call.status, text: call.status })]),
    gongCell(call),
    el("td", { text: call.source }),
    el("td", { text: String(call.attempts) }),
    el("td", { text: when(call.updatedAt) }),
  ]);
}

function errorList(call) {
  const items = [];
  const last = call.lastError;
  const errors = Array.isArray(call.errors) && call.errors.length > 0 ? call.errors : last ? [last.message] : [];
  for (const e of errors) items.push(el("li", { text: String(e) }));
  const detail = last ? [last.status !== undefined ? "HTTP " + last.status : undefined, last.stage ? "while " + last.stage : undefined, last.requestId ? "request " + last.requestId : undefined].filter(Boolean).join(" · ") : "";
  return el("td", {}, [el("ul", { class: "gong-errors" }, items), detail ? el("span", { class: "muted", text: detail }) : undefined]);
}

function failedRow(call) {
  const retry = el("button", { type: "button", class: "retry", text: "Retry" });
  retry.addEventListener("click", () => retryCall(call.clientUniqueId, retry));
  return el("tr", { "data-id": call.clientUniqueId }, [
    el("td", {}, [el("code", { text: call.clientUniqueId })]),
    errorList(call),
    el("td", { text: String(call.attempts) }),
    el("td", { text: when(call.updatedAt) }),
    el("td", {}, [retry]),
  ]);
}

function rowOf(tbody, id) {
  for (const tr of tbody.rows) if (tr.dataset.id === id) return tr;
  return undefined;
}

function showTable(table, empty) {
  const n = table.tBodies[0].rows.length;
  table.hidden = n === 0;
  empty.hidden = n !== 0;
}

function upsert(table, empty, call, render, keep) {
  const tbody = table.tBodies[0];
  const existing = rowOf(tbody, call.clientUniqueId);
  if (!keep) {
    if (existing) existing.remove();
  } else if (existing) {
    existing.replaceWith(render(call));
  } else {
    tbody.prepend(render(call));
    while (tbody.rows.length > LIST_LIMIT) tbody.rows[tbody.rows.length - 1].remove();
  }
  showTable(table, empty);
}

function renderCall(call) {
  upsert($("recent"), $("recent-empty"), call, recentRow, true);
  upsert($("failed"), $("failed-empty"), call, failedRow, call.status === "failed");
}

function renderSnapshot(snapshot) {
  renderStats(snapshot.stats);
  for (const [id, list, render] of [["recent", snapshot.recent, recentRow], ["failed", snapshot.failed, failedRow]]) {
    const tbody = $(id).tBodies[0];
    tbody.replaceChildren(...list.map(render));
    showTable($(id), $(id + "-empty"));
  }
}

async function retryCall(id, button) {
  button.disabled = true;
  const out = $("retry-result");
  const { status, data } = await request("POST", "/v1/calls/" + encodeURIComponent(id) + "/retry");
  button.disabled = false;
  out.textContent = status === 202 ? "Queued again: " + id : "Retry of " + id + " refused: " + (data && data.error ? data.error : "HTTP " + status);
}

function connect() {
  const live = $("live");
  const events = new EventSource("/events");
  events.addEventListener("open", () => { live.textContent = "live"; live.className = "live on"; });
  events.addEventListener("snapshot", (e) => renderSnapshot(JSON.parse(e.data)));
  events.addEventListener("call", (e) => renderCall(JSON.parse(e.data)));
  events.addEventListener("stats", (e) => renderStats(JSON.parse(e.data)));
  events.addEventListener("error", () => {
    if (events.readyState === EventSource.CLOSED) {
      live.textContent = "disconnected";
      live.className = "live off";
      // A closed stream is usually an ended session: the page tells by asking once.
      request("GET", "/console/state").then(({ status }) => { if (status !== 401) setTimeout(connect, 3000); });
    } else {
      live.textContent = "reconnecting…";
      live.className = "live off";
    }
  });
}

// ---------- the Add call form, built from the JSON Schema ----------

/** Fields whose values are Gong's users or workspaces: filled from the cached pick lists. */
const PICK = { primaryUser: "users", userId: "users", workspaceId: "workspaces" };
const pickSelects = { users: [], workspaces: [] };
let pickLists;

function typeOf(schema) {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  return schema.type;
}

function fieldShell(schema, seg, name, required, inputId) {
  const label = el("label", { for: inputId }, [schema.title || name]);
  if (required) label.append(el("span", { class: "required", title: "required", text: "*" }));
  const wrap = el("div", { class: "field", "data-seg": seg });
  wrap.append(label);
  return { wrap, label };
}

function helpOf(schema) {
  return schema.description ? el("p", { class: "help", text: schema.description }) : undefined;
}

let idCounter = 0;
const nextId = () => "f" + ++idCounter;

function pickOptions(kind) {
  const list = pickLists ? pickLists[kind] : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.map((o) => {
    const notes = [];
    if (o.emailAddress) notes.push(o.emailAddress);
    if (o.active === false) notes.push("inactive");
    if (o.callImportEnabled === false) notes.push("call import off");
    return { value: o.id, text: o.name + (notes.length ? " (" + notes.join(", ") + ")" : "") + " · " + o.id };
  });
}

function fillSelect(select, options, blank) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: blank }), ...options.map((o) => el("option", { value: o.value, text: o.text })));
  if (options.some((o) => o.value === keep)) select.value = keep;
}

/** A leaf field: returns { node, collect }. */
function leafField(schema, seg, name, required) {
  const id = nextId();
  const { wrap } = fieldShell(schema, seg, name, required, id);
  const type = typeOf(schema);
  let input;
  let collect;
  const kind = PICK[name];
  const picks = kind ? pickOptions(kind) : undefined;
  if (picks) {
    input = el("select", { id, name: seg });
    fillSelect(input, picks, "—");
    pickSelects[kind].push(input);
    collect = () => input.value || undefined;
  } else if (Array.isArray(schema.enum)) {
    input = el("select", { id, name: seg });
    fillSelect(input, schema.enum.map((v) => ({ value: String(v), text: String(v) })), "—");
    collect = () => input.value || undefined;
  } else if (type === "boolean") {
    input = el("input", { id, name: seg, type: "checkbox" });
    collect = () => (input.checked ? true : undefined);
  } else if (type === "integer" || type === "number") {
    input = el("input", { id, name: seg, type: "number", step: type === "integer" ? "1" : "any" });
    collect = () => (input.value === "" ? undefined : Number(input.value));
  } else if (type === "array") {
    input = el("input", { id, name: seg, type: "text", placeholder: "comma-separated" });
    const itemType = typeOf(schema.items || {});
    collect = () => {
      const parts = input.value.split(",").map((p) => p.trim()).filter((p) => p !== "");
      if (parts.length === 0) return undefined;
      return itemType === "integer" || itemType === "number" ? parts.map(Number) : parts;
    };
  } else {
    const attrs = { id, name: seg, type: "text" };
    if (schema.format === "date-time") attrs.placeholder = "2024-05-01T14:30:00Z";
    input = el("input", attrs);
    collect = () => (input.value === "" ? undefined : input.value);
  }
  wrap.append(input, helpOf(schema) || "", el("ul", { class: "errors" }));
  return { node: wrap, collect, input };
}

function objectFields(schema, container) {
  const required = new Set(schema.required || []);
  const fields = [];
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    const f = buildField(sub, name, name, required.has(name));
    container.append(f.node);
    fields.push([name, f]);
  }
  return () => {
    const out = {};
    for (const [name, f] of fields) {
      const v = f.collect();
      if (v !== undefined) out[name] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
}

function buildField(schema, seg, name, required) {
  const type = typeOf(schema);
  if (type === "object" && schema.properties) {
    const set = el("fieldset", { class: "field", "data-seg": seg }, [el("legend", { text: (schema.title || name) + (required ? " *" : "") })]);
    const help = helpOf(schema);
    if (help) set.append(help);
    const collect = objectFields(schema, set);
    set.append(el("ul", { class: "errors" }));
    return { node: set, collect };
  }
  if (type === "array" && schema.items && typeOf(schema.items) === "object") {
    const set = el("fieldset", { class: "field", "data-seg": seg }, [el("legend", { text: (schema.title || name) + (required ? " *" : "") })]);
    const help = helpOf(schema);
    if (help) set.append(help);
    const list = el("div", { class: "items" });
    const items = [];
    const itemTitle = (schema.items.title || (schema.title || name).replace(/ies$/, "y").replace(/s$/, "")).toLowerCase();
    const renumber = () => items.forEach((it, i) => { it.node.dataset.seg = "[" + i + "]"; it.legend.textContent = (schema.title || name) + " #" + (i + 1); });
    const add = () => {
      const node = el("fieldset", { class: "field item", "data-seg": "[" + items.length + "]" });
      const legend = el("legend");
      node.append(legend);
      const collect = objectFields(schema.items, node);
      const remove = el("button", { type: "button", class: "remove", text: "Remove" });
      const item = { node, legend, collect };
      remove.addEventListener("click", () => { items.splice(items.indexOf(item), 1); node.remove(); renumber(); });
      node.append(el("ul", { class: "errors" }), remove);
      items.push(item);
      list.append(node);
      renumber();
    };
    const addButton = el("button", { type: "button", class: "add", text: "Add " + itemTitle });
    addButton.addEventListener("click", add);
    for (let i = 0; i < (schema.minItems || 0); i++) add();
    set.append(list, addButton, el("ul", { class: "errors" }));
    const collect = () => {
      const values = items.map((it) => it.collect() || {});
      return values.length > 0 ? values : undefined;
    };
    return { node: set, collect };
  }
  return leafField(schema, seg, name, required);
}

/** The path of a field, as the relay names it in issues: parties[0].userId. */
function pathOf(node, root) {
  const segs = [];
  for (let n = node; n && n !== root; n = n.parentElement) if (n.dataset && n.dataset.seg !== undefined) segs.unshift(n.dataset.seg);
  return segs.reduce((p, s) => (s.startsWith("[") ? p + s : p ? p + "." + s : s), "");
}

function fieldFor(form, path) {
  const byPath = new Map();
  for (const node of form.querySelectorAll("[data-seg]")) byPath.set(pathOf(node, form), node);
  let p = path;
  while (p) {
    const node = byPath.get(p);
    if (node) return node;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut > 0 ? p.slice(0, cut) : "";
  }
  return undefined;
}

function clearErrors(form) {
  for (const ul of form.querySelectorAll(".errors")) ul.replaceChildren();
  for (const node of form.querySelectorAll(".invalid")) node.classList.remove("invalid");
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function showIssues(form, issues) {
  for (const issue of issues) {
    const node = fieldFor(form, String(issue.path));
    const exact = node && pathOf(node, form) === issue.path;
    const list = node ? node.querySelector(":scope > .errors") : $("form-errors");
    const text = exact ? String(issue.rule) : String(issue.message || issue.path + ": " + issue.rule);
    (list || $("form-errors")).append(el("li", { text }));
    if (node) {
      node.classList.add("invalid");
      const input = node.querySelector(":scope > input, :scope > select");
      if (input) input.setAttribute("aria-invalid", "true");
    }
  }
}

function newClientUniqueId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function loadPickLists(refresh) {
  const res = refresh ? await request("POST", "/console/pick-lists/refresh") : await request("GET", "/console/pick-lists");
  if (res.status !== 200 || !res.data) {
    $("pick-lists-at").textContent = "could not read them: " + (res.data && res.data.error ? res.data.error : "HTTP " + res.status);
    return;
  }
  pickLists = res.data;
  $("pick-lists-at").textContent = "read " + when(pickLists.fetchedAt);
  for (const kind of ["users", "workspaces"]) {
    const options = pickOptions(kind);
    for (const select of pickSelects[kind]) fillSelect(select, options, "—");
  }
}

async function buildForm() {
  const [schemaRes] = await Promise.all([request("GET", "/console/schema"), loadPickLists(false)]);
  const holder = $("form-fields");
  if (schemaRes.status !== 200 || !schemaRes.data) {
    holder.replaceChildren(el("p", { class: "error", text: "Could not load the Add call schema (HTTP " + schemaRes.status + ")." }));
    return;
  }
  holder.replaceChildren();
  const collect = objectFields(schemaRes.data, holder);
  const idInput = holder.querySelector('[data-seg="clientUniqueId"] input');
  if (idInput) idInput.value = newClientUniqueId();
  const form = $("add-call");
  const result = $("form-result");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    result.textContent = "Sending…";
    result.className = "";
    const body = new FormData();
    body.append("request", JSON.stringify(collect() || {}));
    const file = $("field-mediaFile").files[0];
    if (file) body.append("mediaFile", file, file.name);
    const submit = $("add-call-submit");
    submit.disabled = true;
    try {
      const { status, data } = await request("POST", "/v1/calls", body);
      if (status === 202 || status === 200) {
        result.className = "ok";
        result.textContent = (status === 202 ? "Accepted: " : "Already accepted: ") + data.clientUniqueId + " (" + data.status + ")";
        if (idInput) idInput.value = newClientUniqueId();
        $("field-mediaFile").value = "";
      } else {
        result.className = "bad";
        result.textContent = data && data.error ? data.error : "HTTP " + status;
        if (data && Array.isArray(data.issues)) showIssues(form, data.issues);
      }
    } catch (err) {
      result.className = "bad";
      result.textContent = "Could not send: " + (err && err.message ? err.message : String(err));
    } finally {
      submit.disabled = false;
    }
  });
}

$("refresh-pick-lists").addEventListener("click", () => loadPickLists(true));
$("logout").addEventListener("click", async () => {
  await fetch("/logout", { method: "POST", credentials: "same-origin" });
  location.assign("/login");
});
connect();
buildForm();
`;
