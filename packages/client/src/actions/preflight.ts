import type { GongClient } from "../client.js";
import { GongResponseError, ValidationError } from "../errors.js";
import { describeInvalidItem } from "../internal/paginate.js";
import { isAcceptableDownloadContentType, MEDIA_MAX_BYTES } from "@gong-connector/schema";
import { userSchema } from "@gong-connector/schema";

const HEAD_TIMEOUT_MS = 15_000;

/**
 * The opt-in check of a `downloadMediaUrl` before Add call (CONTRACT.md §3): a HEAD request without credentials must
 * answer 2xx, with a Content-Type Gong takes and a Content-Length (when given) within 1.5 GB. Throws ValidationError
 * naming the field otherwise. Note: a URL pre-signed for GET only (S3, GCS) may refuse HEAD although Gong's GET works.
 */
export async function checkDownloadUrl(url: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
  const { signal } = options;
  const refuse = (rule: string): never => {
    throw ValidationError.of("downloadMediaUrl", rule);
  };
  const signals = [AbortSignal.timeout(HEAD_TIMEOUT_MS), ...(signal === undefined ? [] : [signal])];
  let res: Response;
  try {
    res = await fetch(url, { method: "HEAD", redirect: "follow", signal: AbortSignal.any(signals) });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return refuse(`HEAD request failed (${cause}): Gong could not fetch it either`);
  }
  if (res.status < 200 || res.status > 299) refuse(`HEAD answered ${String(res.status)}: Gong needs a URL that answers 2xx without credentials`);
  const contentType = res.headers.get("content-type") ?? "";
  if (!isAcceptableDownloadContentType(contentType)) {
    refuse(`HEAD answered Content-Type "${contentType}": must be audio/* or video/*, or an octet-stream naming WAV, MP3, MP4, MKV or FLAC`);
  }
  const length = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(length) && length > MEDIA_MAX_BYTES) {
    refuse(`HEAD answered Content-Length ${length.toLocaleString("en-US")}: the limit is ${MEDIA_MAX_BYTES.toLocaleString("en-US")} bytes`);
  }
}

/** What Gong says of a user, as far as Add call cares. */
export interface PrimaryUserStatus {
  active?: boolean | null | undefined;
  callImportEnabled?: boolean | null | undefined;
}

/** Why Gong would refuse `userId` as a primary user (409), or undefined when it would not. */
export function primaryUserProblem(userId: string, user: PrimaryUserStatus | undefined): string | undefined {
  if (user === undefined) return `no Gong user has the id ${userId} (GET /v2/users)`;
  if (user.active === false) return `user ${userId} is not active in Gong`;
  if (user.callImportEnabled === false) return `user ${userId} is not enabled for call import (telephonyCallsImported is off in Gong's settings)`;
  return undefined;
}

/**
 * The opt-in check of the primary user before Add call (CONTRACT.md §5; costs a GET /v2/users per page): the user
 * must exist, be active and be enabled for call import, or Gong answers 409. Throws ValidationError naming the field.
 */
export async function checkPrimaryUser(client: GongClient, userId: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
  const { signal } = options;
  let found: PrimaryUserStatus | undefined;
  let malformed: string | undefined;
  const users = client.paginate("/v2/users", {}, "users", {
    signal,
    schema: userSchema,
    onInvalidItem: (item) => {
      if (item.id === userId) malformed = item.problem;
      else client.warn(`GET /v2/users: left out a malformed record, ${describeInvalidItem(item)}`);
    },
  });
  for await (const user of users) {
    if (user.id !== userId) continue;
    found = { active: user.active, callImportEnabled: user.settings?.telephonyCallsImported };
    break;
  }
  if (found === undefined && malformed !== undefined) {
    throw new GongResponseError(`GET /v2/users: the record of user ${userId} is malformed (${malformed})`, 200);
  }
  const problem = primaryUserProblem(userId, found);
  if (problem !== undefined) throw ValidationError.of("primaryUser", problem);
}
