/** The OAuth host's pages: the consent page and the page that says which parameter of a request is wrong. */
import type { AuthorizeRequest } from "./oauth.js";
import { escapeHtml, layout } from "./page.js";

/** What each scope lets the app do, as the consent page says it. */
const SCOPE_TEXT: Readonly<Record<string, string>> = {
  "api:calls:create": "add calls and their recordings",
  "api:calls:read:basic": "read calls' basic data",
  "api:calls:read:extensive": "read calls' extensive data",
  "api:users:read": "list users",
  "api:workspaces:read": "list workspaces",
};

function hidden(name: string, value: string | undefined): string {
  return value === undefined ? "" : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/**
 * The consent page: the app's client id, the scopes asked for, where the answer goes, and Approve / Deny. The form
 * posts back to /oauth2/authorize with the page's anti-forgery token and the request's parameters.
 */
export function renderConsentPage(request: AuthorizeRequest, formToken: string, home: string): string {
  const scopes = request.scopes
    .map((s) => `<li><code>${escapeHtml(s)}</code> — ${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`)
    .join("");
  const redirect = new URL(request.redirectUri);
  const body = `<div class="card consent">
<h1 id="consent-title">Authorize an app</h1>
<p>The app <code id="client-id">${escapeHtml(request.clientId)}</code> asks to access this Gong company's data:</p>
<ul id="scopes">${scopes}</ul>
<p class="sub">Your answer is sent to <code id="redirect-origin">${escapeHtml(redirect.origin)}</code>.</p>
<form method="post" action="/oauth2/authorize" id="consent">
${hidden("form_token", formToken)}${hidden("client_id", request.clientId)}${hidden("redirect_uri", request.redirectUri)}${hidden("scope", request.scopes.join(" "))}${hidden("state", request.state)}
<div class="actions"><button type="submit" name="decision" value="approve" class="primary" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></div>
</form></div>`;
  return layout("Authorize an app — Gong sandbox", body, false, home);
}

/** A refused consent request: each problem names its parameter; nothing is redirected anywhere. */
export function renderOAuthErrorPage(title: string, problems: readonly string[], home: string): string {
  const items = problems.map((p) => `<li>${escapeHtml(p.length > 500 ? `${p.slice(0, 500)}…` : p)}</li>`).join("");
  const body = `<div class="card consent"><h1 id="error-title">${escapeHtml(title)}</h1><ul class="problems" id="problems">${items}</ul>
<p class="note">Nothing was sent to the app: fix the request and open the link again.</p></div>`;
  return layout(`${title} — Gong sandbox`, body, false, home);
}
