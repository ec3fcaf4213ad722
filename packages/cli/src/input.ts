import { readFile } from "node:fs/promises";
import { ValidationError } from "@gong-connector/client";
import { firstDuplicateKey } from "./duplicate-keys.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message.split("\n")[0] ?? message;
  const offset = Number(position);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${(message.split("\n")[0] ?? message).replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`;
}

/** Reads a JSON document from a file, or from stdin for "-". Errors name the field `input` and what is wrong. */
export async function readJsonInput(source: string, field = "--input"): Promise<unknown> {
  let text: string;
  try {
    text = source === "-" ? await readStdin() : await readFile(source, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw ValidationError.of(field, code === "ENOENT" ? `file not found: ${source}` : `cannot read ${source} (${code ?? "error"})`);
  }
  if (text.trim() === "") throw ValidationError.of(field, `is empty: expected a JSON object (${source === "-" ? "stdin" : source})`);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
  } catch (error) {
    throw ValidationError.of(field, `is not valid JSON: ${describeJsonError(error, text).slice(0, 300)}`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw ValidationError.of(field, `has the key ${JSON.stringify(duplicate.key)} twice in one object (line ${String(duplicate.line)}): JSON would keep only the last value`);
  }
  return value;
}
