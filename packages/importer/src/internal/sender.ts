/** The CallSender the importer uses, built on the actions and one GongClient. */
import { addCall, addCallMedia, findCallByClientUniqueId, type AddCallOptions } from "@gong-connector/client";
import { RateLimitError } from "@gong-connector/client";
import type { AddCallRequestInput, GongClient } from "@gong-connector/client";
import type { DailyQuota } from "@gong-connector/client/advanced";
import type { CallSender } from "./task.js";

export interface SenderOptions {
  /** Passed to addCall (e.g. a shorter ambiguity delay in tests). */
  addCall?: Pick<AddCallOptions, "maxResends" | "ambiguityDelayMs">;
  onWarning?: (message: string) => void;
}

/** A limiter that can say where its daily budget stands (the local one synchronously, the Redis one by a read). */
interface QuotaSource {
  quota(): DailyQuota | Promise<DailyQuota | undefined>;
}

function hasQuota(limiter: unknown): limiter is QuotaSource {
  return typeof limiter === "object" && limiter !== null && typeof (limiter as { quota?: unknown }).quota === "function";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function senderFromClient(client: GongClient, opts: SenderOptions = {}): CallSender {
  const limiter = client.limiter;
  return {
    ...(hasQuota(limiter) && {
      async checkQuota() {
        const q = await limiter.quota();
        if (q === undefined || q.spent < q.perDay) return;
        throw new RateLimitError({
          status: 429,
          errors: [`local rate limit: daily budget of ${q.perDay} requests spent`],
          retryAfterSeconds: Math.max(1, Math.ceil((q.resetsAt - Date.now()) / 1000)),
        });
      },
    }),
    addCall: (request, signal) => addCall(client, request as AddCallRequestInput, { ...opts.addCall, signal, onWarning: opts.onWarning }),
    async findCall(request, signal) {
      const clientUniqueId = str(request.clientUniqueId);
      const actualStart = str(request.actualStart);
      if (clientUniqueId === undefined || actualStart === undefined) return undefined;
      const found = await findCallByClientUniqueId(
        client,
        { clientUniqueId, actualStart, workspaceId: str(request.workspaceId) },
        { signal, onWarning: opts.onWarning },
      );
      return found?.id;
    },
    async uploadMedia(callId, filePath, signal) {
      const res = await addCallMedia(client, { callId, filePath }, { signal });
      return { requestId: res.requestId, url: res.url };
    },
  };
}
