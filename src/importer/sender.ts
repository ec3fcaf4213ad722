/** The CallSender the importer uses, built on the actions and one GongClient. */
import { addCall, addCallMedia, findCallByClientUniqueId, type AddCallOptions } from "../actions/index.js";
import type { GongClient } from "../client/index.js";
import type { CallSender } from "./task.js";

export interface SenderOptions {
  /** Passed to addCall (e.g. a shorter ambiguity delay in tests). */
  addCall?: Pick<AddCallOptions, "maxResends" | "ambiguityDelayMs">;
  onWarning?: (message: string) => void;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function senderFromClient(client: GongClient, opts: SenderOptions = {}): CallSender {
  return {
    addCall: (request, signal) => addCall(client, request, { ...opts.addCall, signal, onWarning: opts.onWarning }),
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
