/** Running `auth login` as a user would (the built CLI, a child process) and answering its consent page in Chromium. */
import { spawn } from "node:child_process";
import type { Page } from "playwright-core";
import { CLI, type CliResult } from "../../test-support/run-cli.js";

export { filesUnder, tempConfigDir, textOfFilesExcept } from "../../test-support/config-dir.js";

export interface RunningLogin {
  /** The consent page's address, as printed on stderr. */
  consentUrl: Promise<URL>;
  /** The CLI's exit code and output once it ends. */
  done: Promise<CliResult>;
  stderr(): string;
  kill(): void;
  /** Ctrl-C: SIGINT to the CLI. */
  interrupt(): void;
}

/** Starts `gong-connector auth login …` with a clean environment plus `env`; stdin is `stdin` (then closed). */
export function startLogin(args: readonly string[], env: Record<string, string | undefined>, stdin = ""): RunningLogin {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, "auth", "login", ...args], { env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let onStderr: () => void = () => undefined;
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    onStderr();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: Date.now() - started });
    });
  });
  const consentUrl = new Promise<URL>((resolve, reject) => {
    onStderr = () => {
      const match = /(https?:\/\/\S+\/oauth2\/authorize\?\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(new URL(match[1]));
    };
    void done.then((r) => {
      reject(new Error(`auth login ended (${String(r.code)}) before printing the consent page: ${r.stderr}`));
    });
  });
  consentUrl.catch(() => undefined);
  child.stdin.end(stdin);
  return { consentUrl, done, stderr: () => stderr, kill: () => child.kill("SIGKILL"), interrupt: () => child.kill("SIGINT") };
}

/** The callback address the consent URL names (redirect_uri). */
export function redirectUriOf(consent: URL): URL {
  return new URL(consent.searchParams.get("redirect_uri") ?? "");
}

/**
 * Opens the consent page in the browser, clicks Approve or Deny, and waits for the callback's page. Returns the
 * callback address the browser was sent to (it carries the code) and the page's title.
 */
export async function answerConsent(
  page: Page,
  consent: URL,
  decision: "approve" | "deny",
  /** Called the moment the callback's answer reaches the browser (e.g. to check what is on disk by then). */
  onCallbackAnswer: () => void = () => undefined,
): Promise<{ callbackUrl: URL; title: string; status: number | undefined }> {
  await page.goto(consent.href);
  const redirect = redirectUriOf(consent);
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => {
        const ours = r.url().startsWith(`${redirect.origin}${redirect.pathname}`);
        if (ours) onCallbackAnswer();
        return ours;
      },
      { timeout: 30_000 },
    ),
    page.click(decision === "approve" ? "#approve" : "#deny"),
  ]);
  await page.waitForSelector("#title");
  return { callbackUrl: new URL(response.url()), title: (await page.textContent("#title")) ?? "", status: response.status() };
}
