import { redactText } from "../client/index.js";

const SECRET_VARIABLES = ["GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN", "GONG_ACCESS_KEY"] as const;

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

/** Human text and diagnostics go to stderr, with every secret of the environment removed. */
export function printError(text: string): void {
  process.stderr.write(`${redactText(text, environmentSecrets())}\n`);
}

/** Results go to stdout as JSON (one value per call). */
export function printJson(value: unknown, pretty = false): void {
  process.stdout.write(`${redactText(JSON.stringify(value, null, pretty ? 2 : undefined), environmentSecrets())}\n`);
}
