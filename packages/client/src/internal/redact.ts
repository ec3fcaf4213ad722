export const REDACTED = "[REDACTED]";

/** Headers that carry credentials: never kept from an answer, redacted in logs. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);

/** Secrets shorter than this are left alone: replacing them would wreck ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** A copy of `headers` with credential headers replaced by [REDACTED]. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value]),
  );
}

const JSON_SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

const HTML_NAMED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function hexAt(text: string, pos: number, digits: number): number | undefined {
  const hex = text.slice(pos, pos + digits);
  return hex.length === digits && /^[0-9a-fA-F]+$/.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

/** Where one UTF-16 code unit `unit`, written literally or JSON-escaped, can end when it starts at `pos`. */
function unitEnds(text: string, pos: number, unit: number, out: number[]): void {
  if (text.charCodeAt(pos) === unit) out.push(pos + 1);
  if (text[pos] !== "\\") return;
  const next = text[pos + 1];
  if (next === "u" && hexAt(text, pos + 2, 4) === unit) out.push(pos + 6);
  else if (next !== undefined && JSON_SHORT_ESCAPES[next]?.charCodeAt(0) === unit) out.push(pos + 2);
}

/** Where code point `cp` can end when it starts at `pos`: literal, JSON escapes, %XX (UTF-8), `+` for a space, HTML entities. */
function codePointEnds(text: string, pos: number, cp: number): number[] {
  const char = String.fromCodePoint(cp);
  // Literal or JSON-escaped, one UTF-16 unit at a time (an astral character is two).
  let ends = [pos];
  for (let i = 0; i < char.length; i++) {
    const unit = char.charCodeAt(i);
    const next: number[] = [];
    for (const p of ends) unitEnds(text, p, unit, next);
    ends = next;
  }
  const out = [...ends];
  // Percent-encoded UTF-8 bytes.
  if (text[pos] === "%") {
    let p = pos;
    for (const byte of Buffer.from(char, "utf8")) {
      if (text[p] !== "%" || hexAt(text, p + 1, 2) !== byte) {
        p = -1;
        break;
      }
      p += 3;
    }
    if (p >= 0) out.push(p);
  }
  if (cp === 0x20 && text[pos] === "+") out.push(pos + 1);
  // HTML character references: &#NN; &#xHH; and the five named ones.
  if (text[pos] === "&") {
    const m = /^&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-z]{2,4}));/.exec(text.slice(pos, pos + 12));
    if (m !== null) {
      const value = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? Number.parseInt(m[2], 16) : HTML_NAMED[m[3] ?? ""]?.codePointAt(0);
      if (value === cp) out.push(pos + m[0].length);
    }
  }
  return out;
}

interface SecretPattern {
  codePoints: number[];
  /** Characters an occurrence can start with. */
  firstChars: Set<string>;
}

function compile(secret: string): SecretPattern {
  const codePoints = Array.from(secret, (c) => c.codePointAt(0) ?? 0);
  const first = secret[0] ?? "";
  const firstChars = new Set([first, "\\", "%", "&"]);
  if (first === " ") firstChars.add("+");
  return { codePoints, firstChars };
}

/** The end of the longest occurrence of `pattern` starting at `start`, in any mix of encodings, or -1. */
function matchAt(text: string, start: number, pattern: SecretPattern): number {
  let positions = [start];
  for (const cp of pattern.codePoints) {
    const next = new Set<number>();
    for (const p of positions) for (const end of codePointEnds(text, p, cp)) next.add(end);
    if (next.size === 0) return -1;
    positions = [...next];
  }
  return Math.max(...positions);
}

function redactOne(text: string, secret: string): string {
  const pattern = compile(secret);
  let out = "";
  let copied = 0;
  for (let i = 0; i < text.length; ) {
    if (pattern.firstChars.has(text[i] ?? "")) {
      const end = matchAt(text, i, pattern);
      if (end > i) {
        out += text.slice(copied, i) + REDACTED;
        copied = end;
        i = end;
        continue;
      }
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Replaces every occurrence of each secret (at least 4 characters long) in `text` by [REDACTED], whether the text
 * holds it as is or escaped the way servers echo things: JSON (`\/`, `\u002b`, `\"`), URL encoding (`%2B`, `+` for a
 * space), HTML character references, or any mix of them. Pass the secrets themselves; for access keys include the
 * base64 `key:secret` value of the Basic header (`basicAuthSecrets` builds the list). Cost: linear in the text's length
 * for each secret.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = redactOne(out, secret);
  return out;
}

/** The same as redactSecrets (the earlier name). */
export const redactText = redactSecrets;

/** What must never show for an access key pair: the secret, and the Basic header's base64 value (padded, unpadded, url-safe). */
export function basicAuthSecrets(accessKey: string, accessKeySecret: string): string[] {
  const encoded = Buffer.from(`${accessKey}:${accessKeySecret}`, "utf8").toString("base64");
  const unpadded = encoded.replace(/=+$/, "");
  const urlSafe = unpadded.replace(/\+/g, "-").replace(/\//g, "_");
  return [...new Set([encoded, unpadded, urlSafe, accessKeySecret])];
}

/** What must never show for a bearer token: the token (with or without its scheme). */
export function bearerSecrets(token: string): string[] {
  return [token];
}

/** Redacts secrets in every string of a JSON-like value (log data). */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item, secrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : redactValue(v, secrets)]),
    );
  }
  return value;
}
