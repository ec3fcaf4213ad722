/**
 * `auth login`: the OAuth authorization-code flow with a loopback redirect (RFC 8252): a one-shot HTTP server on
 * 127.0.0.1 answers GET /callback, the consent page is opened in the browser, the code is exchanged and the profile
 * written before the browser is told it worked.
 */
import { spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GongAbortError, GongError, OAuthError, type OAuthTokens } from "@gong-connector/client";
import { authorizationUrl, exchangeCode, newState } from "@gong-connector/client/oauth";
import { printError } from "./output.js";
import { writeOAuthProfile } from "./profiles.js";
import { ConfigurationError } from "./setup-error.js";

/** No answer came back to the callback in time. */
export class LoginTimeoutError extends GongError {
  override name = "LoginTimeoutError";
  override readonly exitCode: number = 4;
}

export interface LoginSettings {
  profile: string;
  clientId: string;
  clientSecret: string;
  /** The OAuth host, already checked (https unless loopback). */
  oauthUrl: string;
  scopes: readonly string[];
  /** 0: any free port. */
  port: number;
  open: boolean;
  timeoutSeconds: number;
  signal: AbortSignal;
}

export interface LoginResult {
  profile: string;
  path: string;
  tokens: OAuthTokens;
}

/** Longest request target the callback reads; Node itself refuses headers over 16 KiB. */
const MAX_CALLBACK_URL = 8192;
const MAX_CODE_CHARS = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
} as const;

/** A static page: the callback's pages never show anything taken from the request (no code, state or error text). */
function page(title: string, text: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} — gong-connector</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1 id="title">${title}</h1><p id="message">${text}</p></body></html>
`;
}

function answer(res: ServerResponse, status: number, title: string, text: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve) => {
    res.writeHead(status, { ...PAGE_HEADERS, ...headers, connection: "close" });
    res.end(page(title, text), () => {
      resolve();
    });
  });
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The query parameters of the callback that matter, each given at most once; else the name given twice. */
function callbackParams(search: URLSearchParams): { params: Record<string, string | undefined>; repeated?: string } {
  const params: Record<string, string | undefined> = {};
  for (const name of ["state", "code", "error", "error_description"]) {
    const values = search.getAll(name);
    if (values.length > 1) return { params, repeated: name };
    params[name] = values[0];
  }
  return { params };
}

/** An OAuth error code from the callback, fit to print: a short token, else a placeholder. */
function printableErrorCode(value: string): string {
  return /^[A-Za-z0-9_.-]{1,60}$/.test(value) ? value : "(an unreadable error code)";
}

function printableDescription(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return "";
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim(); // eslint-disable-line no-control-regex
  return `: ${JSON.stringify(clean.length > 200 ? `${clean.slice(0, 200)}…` : clean)}`;
}

/** Opens `url` in the user's browser with the platform's opener, detached; a failure is only a note. */
export function openBrowser(url: string): void {
  const note = (why: string): void => {
    printError(`gong-connector: could not open a browser (${why}); open the page above yourself`);
  };
  try {
    const child =
      process.platform === "darwin"
        ? spawn("open", [url], { detached: true, stdio: "ignore" })
        : process.platform === "win32"
          ? spawn("cmd", ["/c", "start", '""', `"${url}"`], { detached: true, stdio: "ignore", windowsVerbatimArguments: true })
          : spawn("xdg-open", [url], { detached: true, stdio: "ignore" });
    child.on("error", (error: NodeJS.ErrnoException) => {
      note(error.code === "ENOENT" ? `${process.platform === "darwin" ? "open" : process.platform === "win32" ? "start" : "xdg-open"} is not installed` : error.message);
    });
    child.on("exit", (code) => {
      if (code !== null && code !== 0) note(`the opener exited with code ${String(code)}`);
    });
    child.unref();
  } catch (error) {
    note(error instanceof Error ? error.message : String(error));
  }
}

async function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === "EADDRINUSE") reject(new ConfigurationError(`--port ${String(port)}: 127.0.0.1:${String(port)} is in use; choose another port, or 0 for any free one`));
      else if (error.code === "EACCES") reject(new ConfigurationError(`--port ${String(port)}: not allowed to listen on 127.0.0.1:${String(port)} (ports below 1024 need privileges); choose another port, or 0 for any free one`));
      else reject(error);
    };
    server.once("error", onError);
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Runs the login: serves the callback, prints (and opens) the consent page, waits for the answer, exchanges the code
 * and writes the profile. Throws OAuthError (denied: exit 3), LoginTimeoutError (exit 4), GongAbortError (130).
 */
export async function login(settings: LoginSettings): Promise<LoginResult> {
  const state = newState();
  const stateDigest = digest(state);
  let phase: "waiting" | "exchanging" | "done" = "waiting";
  let finish: { resolve: (result: LoginResult) => void; reject: (error: Error) => void } | undefined;
  const outcome = new Promise<LoginResult>((resolve, reject) => {
    finish = { resolve, reject };
  });
  const settle = (error: Error | undefined, result?: LoginResult): void => {
    if (phase === "done") return;
    phase = "done";
    if (error !== undefined) finish?.reject(error);
    else if (result !== undefined) finish?.resolve(result);
  };
  let redirectUri = "";

  const exchange = async (code: string, res: ServerResponse): Promise<void> => {
    phase = "exchanging";
    let tokens: OAuthTokens;
    try {
      tokens = await exchangeCode({ clientId: settings.clientId, clientSecret: settings.clientSecret, code, redirectUri, oauthURL: settings.oauthUrl, signal: settings.signal });
    } catch (error) {
      await answer(res, 502, "Login failed", "Gong's OAuth host did not accept the answer. The command line says why; run the login again.");
      settle(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    let path: string;
    try {
      // The profile is on disk before the browser is told the login worked.
      path = await writeOAuthProfile(settings.profile, { clientId: settings.clientId, clientSecret: settings.clientSecret, oauthUrl: settings.oauthUrl, tokens });
    } catch (error) {
      await answer(res, 500, "Login failed", "The connection could not be saved. The command line says why.");
      settle(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    await answer(res, 200, "Logged in", "gong-connector is connected to Gong. You can close this tab.");
    settle(undefined, { profile: settings.profile, path, tokens });
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? "/";
    if (target.length > MAX_CALLBACK_URL) return answer(res, 414, "Request too long", "This address is too long to be an answer to the login.");
    const url = new URL(target, "http://127.0.0.1");
    if (url.pathname !== "/callback") return answer(res, 404, "Not found", "This server only takes the answer to a gong-connector login, at /callback.");
    if (req.method !== "GET") return answer(res, 405, "Method not allowed", "The answer to the login comes as a GET request.", { allow: "GET" });
    const { params, repeated } = callbackParams(url.searchParams);
    if (repeated !== undefined) return answer(res, 400, "Not a valid answer", `The parameter ${repeated} is given more than once. The login is still waiting.`);
    const { state: given, code, error } = params;
    if (given === undefined || given === "") return answer(res, 400, "Not a valid answer", "The answer has no state. The login is still waiting.");
    if (!timingSafeEqual(digest(given), stateDigest)) {
      printError("gong-connector: warning: refused an answer on the callback whose state does not match this login (it may be forged); still waiting");
      return answer(res, 400, "Not this login's answer", "This answer is not for the login that is waiting (its state does not match). The login is still waiting.");
    }
    if (phase !== "waiting") return answer(res, 409, "Already answered", "This login has already received its answer.");
    if (error !== undefined) {
      if (error === "access_denied") {
        await answer(res, 200, "Access denied", "The app was not given access. The command line has stopped; you can close this tab.");
        settle(new OAuthError("the Gong admin denied access (the consent page answered access_denied); nothing was saved", "access_denied", 403));
        return;
      }
      await answer(res, 400, "Login failed", "Gong's OAuth host answered with an error. The command line says which; you can close this tab.");
      settle(new OAuthError(`Gong's OAuth host answered the consent with error=${printableErrorCode(error)}${printableDescription(params.error_description)}; nothing was saved`, printableErrorCode(error), 400));
      return;
    }
    if (code === undefined || code === "") return answer(res, 400, "Not a valid answer", "The answer has neither a code nor an error. The login is still waiting.");
    if (code.length > MAX_CODE_CHARS || CONTROL.test(code)) return answer(res, 400, "Not a valid answer", "The answer's code is not one Gong issues. The login is still waiting.");
    await exchange(code, res);
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16_384 }, (req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, PAGE_HEADERS).end(page("Error", "The answer could not be handled."));
      settle(error instanceof Error ? error : new Error(String(error)));
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  const port = await listen(server, settings.port);
  redirectUri = `http://127.0.0.1:${String(port)}/callback`;
  const onAbort = (): void => {
    if (phase !== "done") printError("gong-connector: the login was not finished; nothing was saved");
    settle(new GongAbortError("interrupted: the login was not finished; nothing was saved"));
  };
  settings.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    if (phase === "waiting") {
      settle(new LoginTimeoutError(`no answer from the consent page within ${String(settings.timeoutSeconds)} s; nothing was saved. Run gong-connector auth login again (--timeout sets the wait)`));
    }
  }, settings.timeoutSeconds * 1000);
  try {
    const consent = authorizationUrl({ clientId: settings.clientId, redirectUri, scopes: settings.scopes, state, oauthURL: settings.oauthUrl });
    printError(`gong-connector: to connect the profile ${JSON.stringify(settings.profile)}, a Gong admin approves the app on this page (waiting up to ${String(settings.timeoutSeconds)} s):\n  ${consent.href}`);
    if (settings.open) openBrowser(consent.href);
    return await outcome;
  } finally {
    clearTimeout(timer);
    settings.signal.removeEventListener("abort", onAbort);
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  }
}
