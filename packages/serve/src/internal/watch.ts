/**
 * The watch folder: a recorder writes NAME.<wav|mp3|mp4|mkv|flac> (optional) and then NAME.json (an Add call
 * request); once the JSON is complete the pair is taken in, then moved to DIR/done/ (delivered), or to DIR/failed/
 * with NAME.error.json saying why.
 */
import type { RelayContext } from "./context.js";

export interface Watcher {
  stop(): Promise<void>;
}

export async function startWatch(ctx: RelayContext, dir: string): Promise<Watcher> {
  await Promise.resolve([ctx, dir]);
  throw new Error("the watch folder is not available yet");
}
