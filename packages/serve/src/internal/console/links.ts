/** Where a call can be seen in Gong: its call page. */
import { isLoopbackHost } from "@gong-connector/schema";

const GONG_CALL_PAGE = "https://app.gong.io/call";

/**
 * The call page's base for a Gong API base URL: Gong's own (`https://app.gong.io/call`), or, for a Gong on a loopback
 * host (the sandbox, which serves its call pages at `/call?id=…` on its API's origin), that host's `/call`.
 */
export function callPageBase(baseURL: URL): string {
  if (!isLoopbackHost(baseURL.hostname)) return GONG_CALL_PAGE;
  return `${baseURL.origin}/call`;
}

/** The call page of a Gong call id. */
export function callLink(base: string, callId: string): string {
  return `${base}?id=${encodeURIComponent(callId)}`;
}
