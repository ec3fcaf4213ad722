import { createHash, randomBytes } from "node:crypto";

const ID_MIN = 1_000_000_000_000_000_000n; // 10^18: 19 digits, far above 2^53
const ID_SPAN = 9_000_000_000_000_000_000n; // [10^18, 10^19)

function idFromBytes(bytes: Buffer): string {
  return (ID_MIN + (bytes.readBigUInt64BE(0) % ID_SPAN)).toString();
}

/** A fresh random 19-digit numeric id (always above 2^53, so it only survives as a string). */
export function newGongId(): string {
  return idFromBytes(randomBytes(8));
}

/** A stable 19-digit numeric id derived from a label (seeded users and workspaces keep their ids across runs). */
export function stableGongId(label: string): string {
  return idFromBytes(createHash("sha256").update(label).digest());
}

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/** An opaque request reference in Gong's style (e.g. `4al018gzaztcr8nbukw`). */
export function newRequestId(): string {
  const bytes = randomBytes(19);
  let out = "";
  for (const b of bytes) out += BASE36[b % 36] ?? "0";
  return out;
}

/** A random secret of URL-safe characters. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}
