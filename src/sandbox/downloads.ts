import { join } from "node:path";
import type { SandboxContext } from "./context.js";
import { commitMedia, fetchDownload, removeQuietly, storedMedia } from "./media.js";

/** Fetches `downloadMediaUrl`s in the background after POST /v2/calls, as Gong does; the outcome lands on the call. */
export class DownloadQueue {
  private readonly ctx: SandboxContext;
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(ctx: SandboxContext) {
    this.ctx = ctx;
  }

  start(callId: string, url: string): void {
    if (this.inFlight.has(callId)) return;
    const controller = new AbortController();
    const done = this.run(callId, url, controller.signal).finally(() => this.inFlight.delete(callId));
    this.inFlight.set(callId, { controller, done });
  }

  /** Restarts fetches left pending by a previous run on the same data dir. */
  resumePending(): void {
    for (const call of this.ctx.store.pendingDownloads()) {
      if (call.downloadMediaUrl !== null) this.start(call.id, call.downloadMediaUrl);
    }
  }

  private async run(callId: string, url: string, signal: AbortSignal): Promise<void> {
    const { store, settings } = this.ctx;
    try {
      const media = await fetchDownload(url, {
        dir: store.mediaDir,
        maxBytes: settings.maxMediaBytes,
        allowLoopback: settings.allowLoopbackDownloads,
        timeoutMs: settings.downloadTimeoutMs,
        signal,
      });
      if (signal.aborted) {
        await removeQuietly(media.tmpPath);
        return;
      }
      const file = await commitMedia(media, store.mediaDir, callId);
      store.setMedia(callId, storedMedia(media, file, "download"));
    } catch (err) {
      // A fetch cut short by close() stays pending and resumes on the next start with the same data dir.
      if (signal.aborted || !store.db.open) return;
      store.setMediaState(callId, "failed", err instanceof Error ? err.message : String(err));
    }
  }

  /** Waits for every fetch under way (tests use it through the admin API instead). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  async close(): Promise<void> {
    for (const f of this.inFlight.values()) f.controller.abort();
    await this.idle();
  }
}

export function mediaPath(ctx: SandboxContext, file: string): string {
  return join(ctx.store.mediaDir, file);
}
