/** Drives the sandbox's OAuth host over real HTTP, as an app and a user's browser would (no browser needed). */
import { expect } from "vitest";
import type { RunningSandbox } from "../src/index.js";

export const REDIRECT_URI = "http://127.0.0.1:53682/callback";
export const ALL_SCOPES = "api:calls:create api:calls:read:basic api:users:read api:workspaces:read";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined. */
  json: Record<string, unknown> | undefined;
}

async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function authorizeUrl(sb: RunningSandbox, params: Record<string, string | string[] | undefined>): URL {
  const url = new URL("/oauth2/authorize", sb.oauthUrl);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
  }
  return url;
}

export function goodParams(sb: RunningSandbox, overrides: Record<string, string | string[] | undefined> = {}): Record<string, string | string[] | undefined> {
  return { client_id: sb.oauthClientId, response_type: "code", scope: ALL_SCOPES, redirect_uri: REDIRECT_URI, state: "st-123", ...overrides };
}

export async function getPage(url: URL | string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return answer(await fetch(url, { headers, redirect: "manual" }));
}

function unescapeHtml(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The consent form's fields (hidden inputs), as a browser would post them. */
export function formFields(html: string): Record<string, string> {
  const form = /<form[^>]*id="consent"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1] ?? ""] = unescapeHtml(m[2] ?? "");
  return fields;
}

/** Opens the consent page for `params` (it must be 200) and returns its form fields. */
export async function openConsent(sb: RunningSandbox, params: Record<string, string | string[] | undefined>): Promise<Record<string, string>> {
  const page = await getPage(authorizeUrl(sb, params));
  expect(page.status, page.text).toBe(200);
  return formFields(page.text);
}

/** Posts the consent form; answers with the response (a 302 to the app when all is well). */
export async function postConsent(sb: RunningSandbox, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(new URL("/oauth2/authorize", sb.oauthUrl), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return answer(res);
}

/** Consent page → Approve → the code from the redirect. */
export async function approve(sb: RunningSandbox, overrides: Record<string, string | string[] | undefined> = {}): Promise<string> {
  const fields = await openConsent(sb, goodParams(sb, overrides));
  const res = await postConsent(sb, { ...fields, decision: "approve" });
  expect(res.status, res.text).toBe(302);
  const code = new URL(res.headers.get("location") ?? "").searchParams.get("code");
  expect(code).toBeTruthy();
  return code ?? "";
}

export function clientBasic(sb: RunningSandbox, id = sb.oauthClientId, secret = sb.oauthClientSecret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

/** POST /oauth2/generate-customer-token with the parameters in the query string (default) or a form body. */
export async function tokenRequest(
  sb: RunningSandbox,
  params: Record<string, string | undefined>,
  opts: { via?: "query" | "form"; authorization?: string | null; query?: Record<string, string>; contentType?: string; body?: string } = {},
): Promise<HttpAnswer> {
  const url = new URL("/oauth2/generate-customer-token", sb.oauthUrl);
  const defined = Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const headers: Record<string, string> = {};
  if (opts.authorization !== null) headers.authorization = opts.authorization ?? clientBasic(sb);
  let body: string | undefined = opts.body;
  if ((opts.via ?? "query") === "query") {
    for (const [k, v] of Object.entries(defined)) url.searchParams.set(k, v);
  } else {
    body = new URLSearchParams(defined).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  }
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  if (opts.contentType !== undefined) headers["content-type"] = opts.contentType;
  return answer(await fetch(url, { method: "POST", headers, ...(body === undefined ? {} : { body }) }));
}

export async function exchange(sb: RunningSandbox, code: string, via: "query" | "form" = "query", redirectUri = REDIRECT_URI): Promise<HttpAnswer> {
  return tokenRequest(sb, { grant_type: "authorization_code", code, client_id: sb.oauthClientId, redirect_uri: redirectUri }, { via });
}

export async function refresh(sb: RunningSandbox, refreshToken: string, via: "query" | "form" = "query"): Promise<HttpAnswer> {
  return tokenRequest(sb, { grant_type: "refresh_token", refresh_token: refreshToken }, { via });
}

/** A Bearer request to the API at `base`. */
export async function api(base: string, path: string, token: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const headers = { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) };
  return answer(await fetch(new URL(path, base), { ...init, headers }));
}

export function str(value: unknown): string {
  expect(typeof value).toBe("string");
  return value as string;
}
