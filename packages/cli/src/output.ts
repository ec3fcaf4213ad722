import { redactText } from "@gong-connector/client/advanced";

const SECRET_VARIABLES = ["GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN", "GONG_ACCESS_KEY", "GONG_CLIENT_SECRET"] as const;

/** The secrets of this process's environment, so that nothing we print can contain them. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") secrets.push(value);
  }
  const { GONG_ACCESS_KEY: key, GONG_ACCESS_KEY_SECRET: secret } = env;
  if (key !== undefined && secret !== undefined) secrets.push(Buffer.from(`${key.trim()}:${secret.trim()}`).toString("base64"));
  return secrets;
}

/**
 * Characters a terminal may act on rather than show: C0 controls but newline and tab, DEL, C1 controls, the bidi
 * marks, embeddings, overrides and isolates (which reorder what follows them), and the Unicode line separators.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set without the C0 controls, which JSON.stringify escapes already. */
const JSON_UNESCAPED_CONTROLS = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(char: string, width: number): string {
  return (char.codePointAt(0) ?? 0).toString(16).padStart(width, "0");
}

/** Text with every terminal control shown as an escape (`\x1b`, `\u202e`) instead of acting on the terminal. */
export function escapeControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (char) => (char.charCodeAt(0) <= 0xff ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`));
}

/** JSON text with the controls JSON.stringify leaves raw written as `\uXXXX` escapes (the same JSON value). */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_UNESCAPED_CONTROLS, (char) => `\\u${hex(char, 4)}`);
}

/**
 * Human text and diagnostics go to stderr, with every secret of the environment removed and terminal controls
 * (from a manifest, a file name or a server's answer) escaped. Every message of the CLI to stderr goes through here.
 */
export function printError(text: string): void {
  process.stderr.write(`${escapeControls(redactText(text, environmentSecrets()))}\n`);
}

/** Results go to stdout as JSON (one value per call). */
export function printJson(value: unknown, pretty = false): void {
  process.stdout.write(`${formatJson(value, pretty)}\n`);
}

/** A value as JSON for stdout: secrets of the environment removed, terminal controls escaped. */
export function formatJson(value: unknown, pretty = false): string {
  return escapeJsonControls(redactText(JSON.stringify(value, null, pretty ? 2 : undefined), environmentSecrets()));
}
