import { ValidationError } from "./errors.js";
import { basicAuthSecrets, bearerSecrets } from "./internal/redact.js";

export interface BasicAuth {
  accessKey: string;
  accessKeySecret: string;
}

export interface BearerAuth {
  /** An OAuth access token, or a function returning a fresh one for each attempt. */
  bearerToken: string | (() => string | Promise<string>);
}

export type GongAuth = BasicAuth | BearerAuth;

/** The Authorization header value and the strings that must never be logged. */
export interface Credentials {
  authorization: string;
  secrets: string[];
}

export function checkAuth(auth: unknown): GongAuth {
  if (typeof auth !== "object" || auth === null) throw ValidationError.of("auth", "required: { accessKey, accessKeySecret } or { bearerToken }");
  const a = auth as Record<string, unknown>;
  if ("bearerToken" in a) {
    const token = a.bearerToken;
    if (typeof token === "function") return { bearerToken: token as () => string | Promise<string> };
    if (typeof token === "string" && token.trim() !== "") return { bearerToken: token };
    throw ValidationError.of("auth.bearerToken", "must be a non-empty string or a function");
  }
  const { accessKey, accessKeySecret } = a;
  if (typeof accessKey !== "string" || accessKey.trim() === "") throw ValidationError.of("auth.accessKey", "required");
  if (typeof accessKeySecret !== "string" || accessKeySecret.trim() === "") {
    throw ValidationError.of("auth.accessKeySecret", "required");
  }
  return { accessKey, accessKeySecret };
}

/** Resolves the credentials for one attempt (a bearer function is called each time). */
export async function resolveCredentials(auth: GongAuth): Promise<Credentials> {
  if ("bearerToken" in auth) {
    const token = typeof auth.bearerToken === "function" ? await auth.bearerToken() : auth.bearerToken;
    if (token.trim() === "") throw ValidationError.of("auth.bearerToken", "the token function returned an empty token");
    return { authorization: `Bearer ${token}`, secrets: bearerSecrets(token) };
  }
  const encoded = Buffer.from(`${auth.accessKey}:${auth.accessKeySecret}`, "utf8").toString("base64");
  return { authorization: `Basic ${encoded}`, secrets: basicAuthSecrets(auth.accessKey, auth.accessKeySecret) };
}
