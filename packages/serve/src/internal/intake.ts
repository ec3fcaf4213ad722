/**
 * Taking a call in, whatever the door (the API, the watch folder, the console's form): every rule of Add call
 * checked, the recording checked like `add-media` checks a file, then the call committed to the outbox. Nothing is
 * stored for an invalid call; the same clientUniqueId twice is one call.
 */
import { randomUUID } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { extname, join } from "node:path";
import { mediaFileIssues } from "@gong-connector/client/advanced";
import { makeDirectories, mediaFormatForExtension, sniffMediaFormat, validateAddCallRequest } from "@gong-connector/schema";
import { publicRecord, type AcceptResult, type CallSource, type Outbox } from "./outbox.js";

export interface IntakeIssue {
  path: string;
  rule: string;
  message: string;
}

export type IntakeResult = ({ ok: true } & AcceptResult) | { ok: false; issues: IntakeIssue[] };

export interface IntakeInput {
  /** The Add call request as received (Gong's field names). */
  request: unknown;
  /** A recording already on disk. */
  media?: { path: string; /** The relay owns the file: moved into its media directory, deleted when delivered. */ owned: boolean } | undefined;
  source: CallSource;
  sourceRef?: string | undefined;
}

function issue(path: string, rule: string): IntakeIssue {
  return { path, rule, message: `${path}: ${rule}` };
}

/** The extension a received file is stored with: a supported media format's, or none (the media check names it). */
export function storedExtension(fileName: string | undefined): string {
  if (fileName === undefined) return "";
  const ext = extname(fileName.slice(-64)).toLowerCase();
  return mediaFormatForExtension(`x${ext}`) === undefined ? "" : ext;
}

/**
 * A received file stored without a known extension (the sender named it `blob`, `recording`…) gets the one its first
 * bytes show, so the media check and Gong see its real format; the new path is returned.
 */
export async function withSniffedExtension(path: string): Promise<string> {
  if (extname(path) !== "") return path;
  const handle = await open(path, "r");
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buf, 0, 16, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const format = sniffMediaFormat(head);
  if (format === undefined) return path;
  await rename(path, `${path}.${format}`);
  return `${path}.${format}`;
}

export class Intake {
  readonly #outbox: Outbox;
  readonly #mediaDir: string;
  readonly #incomingDir: string;
  #onAccepted: (() => void) | undefined;

  constructor(outbox: Outbox, dataDir: string) {
    this.#outbox = outbox;
    this.#mediaDir = join(dataDir, "media");
    this.#incomingDir = join(dataDir, "incoming");
  }

  /** Makes the directories; removes uploads a crash left half-received and media no call needs any more. */
  async prepare(): Promise<void> {
    await makeDirectories(this.#mediaDir, 0o700);
    await rm(this.#incomingDir, { recursive: true, force: true });
    await makeDirectories(this.#incomingDir, 0o700);
    const needed = this.#outbox.mediaFiles();
    for (const name of await readdir(this.#mediaDir)) {
      const path = join(this.#mediaDir, name);
      if (!needed.has(path)) await rm(path, { force: true });
    }
  }

  /** Called after each new call is committed (to wake the sender). */
  onAccepted(fn: () => void): void {
    this.#onAccepted = fn;
  }

  /** Wakes the sender (a call was re-queued). */
  notify(): void {
    this.#onAccepted?.();
  }

  /** A fresh path in the data directory for a file being received (removed at start-up if left there). */
  incomingPath(fileName?: string): string {
    return join(this.#incomingDir, `${randomUUID()}${storedExtension(fileName)}`);
  }

  /** Checks the call and its recording; commits it when valid. An owned media file is moved or removed either way. */
  async take(input: IntakeInput): Promise<IntakeResult> {
    const media = input.media;
    let keep = false;
    try {
      const issues: IntakeIssue[] = [];
      const checked = validateAddCallRequest(input.request);
      if (!checked.ok) issues.push(...checked.issues.map((i) => issue(i.path, i.rule)));
      const raw = typeof input.request === "object" && input.request !== null ? (input.request as Record<string, unknown>) : {};
      if (media !== undefined) {
        if (raw.downloadMediaUrl !== undefined) issues.push(issue("mediaFile", "give either a media file or downloadMediaUrl, not both"));
        const { issues: mediaIssues } = await mediaFileIssues(media.path);
        issues.push(...mediaIssues.map((i) => issue("mediaFile", i.rule.replaceAll(this.#incomingDir, "<upload>"))));
      }
      if (!checked.ok || issues.length > 0) return { ok: false, issues };
      const request = checked.value as unknown as Record<string, unknown>;
      const clientUniqueId = checked.value.clientUniqueId;
      let mediaFile: string | undefined;
      if (media !== undefined) {
        if (this.#outbox.get(clientUniqueId) !== undefined) {
          // Already accepted: the same call again is not a second one (its file is not needed).
          return { ok: true, accepted: false, record: this.#publicOf(clientUniqueId) };
        }
        if (media.owned) {
          mediaFile = join(this.#mediaDir, `${randomUUID()}${storedExtension(media.path)}`);
          await rename(media.path, mediaFile);
        } else mediaFile = media.path;
      }
      const result = await this.#outbox.accept({ clientUniqueId, request, mediaFile, mediaOwned: media?.owned, source: input.source, sourceRef: input.sourceRef });
      if (result.accepted) {
        keep = true;
        this.#onAccepted?.();
      } else if (mediaFile !== undefined && media?.owned === true) await rm(mediaFile, { force: true });
      return { ok: true, ...result };
    } finally {
      if (media?.owned === true && !keep) await rm(media.path, { force: true });
    }
  }

  #publicOf(clientUniqueId: string): AcceptResult["record"] {
    const row = this.#outbox.get(clientUniqueId);
    if (row === undefined) throw new Error(`call ${clientUniqueId} vanished from the outbox`);
    return publicRecord(row);
  }
}
