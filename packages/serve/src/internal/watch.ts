/**
 * The watch folder: a recorder writes NAME.<wav|mp3|mp4|mkv|flac> (optional) and then NAME.json (an Add call
 * request); once the JSON is complete the pair is taken in, then moved to DIR/done/ (delivered), or to DIR/failed/
 * with NAME.error.json saying why.
 *
 * Complete means: the JSON parses and its size and mtime (and the recording's) have not changed for `settleMs`. The
 * folder is polled (readdir), which works on network filesystems where change notifications do not.
 *
 * How a pair is held while its call waits for delivery, so that a kill -9 at any point loses nothing and sends
 * nothing twice:
 *  1. the pair is claimed by moving it into its own directory DIR/.queued/<key>/ (the recording first, then the
 *     JSON), keeping its names; the folder never sees it again;
 *  2. the call is committed to the outbox, pointing at the recording in DIR/.queued/<key>/ (the relay reads it from
 *     there when it uploads it: no copy of a large recording, and the watch folder may be another filesystem);
 *  3. once the call is done (or failed) the pair leaves .queued for done/ (or failed/): the recording first, then the
 *     JSON, then the directory.
 * At start-up every DIR/.queued/<key>/ is taken again: one whose JSON is there goes through the intake (the same
 * clientUniqueId is never a second call; a call that was never committed is committed now) and waits for its call;
 * one holding only a recording (killed between the two moves of step 1) goes back into the folder beside its JSON.
 */
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { constants as fsConstants, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rmdir } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import { makeDirectories, makeDirectoriesSync, mediaFormatForExtension } from "@gong-connector/schema";
import { writeFileAtomic } from "@gong-connector/client/advanced";
import { RelaySetupError, WatchFolderBusyError, reasonOf } from "../errors.js";
import { JSON_BODY_LIMIT } from "./api.js";
import type { RelayContext } from "./context.js";
import type { IntakeIssue } from "./intake.js";
import type { CallRecord, OutboxChange } from "./outbox.js";

export interface Watcher {
  stop(): Promise<void>;
}

export interface WatchOptions {
  /** How often the folder is read (ms; default 500). */
  pollMs?: number | undefined;
  /** How long a JSON (and its recording) must stay unchanged before it is taken (ms; default 1,500). */
  settleMs?: number | undefined;
  /** How long a JSON that does not parse may stay unchanged before it is moved to failed/ (ms; default 60,000). */
  unparseableMs?: number | undefined;
  /** The largest JSON read (bytes; default the intake API's body limit, 4 MiB). */
  maxJsonBytes?: number | undefined;
}

const QUEUED = ".queued";
const DONE = "done";
const FAILED = "failed";
/** Pairs taken in at once (their commits share an fsync). */
const BATCH = 32;
/** A file name's longest length in bytes on common filesystems. */
const NAME_MAX = 255;

/** What NAME.error.json says. */
export interface WatchErrorDoc {
  clientUniqueId: string | null;
  /** "invalid" (refused before it was queued) or "failed" (Gong refused it, or it kept failing). */
  status: "invalid" | "failed";
  reason: string;
  errors: string[];
  issues: IntakeIssue[];
  lastError?: CallRecord["lastError"] | undefined;
  /** The pair's directory in .queued (to find it again when the call is retried). */
  queuedAs?: string | undefined;
  at: string;
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** Epoch ms since when size and mtime are as recorded. */
  since: number;
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function isMediaName(name: string): boolean {
  return mediaFormatForExtension(name) !== undefined;
}

function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

function codeOf(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String((err).code) : "";
}

/** Cuts `text` to at most `bytes` UTF-8 bytes without splitting a character. */
function cutUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = "";
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** A printable form of a file name for logs and error files (no control characters, bounded). */
function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 300);
}

/** The lock file in DIR: held by the relay that watches DIR (a dot file, like .queued: the folder's scan skips it). */
const LOCK_FILE = ".relay.lock";

/**
 * One relay per watch folder: two would each take the same pair. The lock is an SQLite file held in exclusive
 * locking mode (an fcntl lock, which works on network filesystems and which the system releases when the process
 * dies, even by kill -9: a restart never waits for a stale lock). WatchFolderBusyError while another relay holds it.
 */
function lockFolder(dir: string, path: string): { close(): void } {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new RelaySetupError(`the watch folder ${dir} cannot be used: ${path} cannot be opened (${codeOf(err) || reasonOf(err)})`);
  }
  try {
    db.pragma("busy_timeout = 0");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = MEMORY");
    // A write takes the exclusive lock, which exclusive locking mode keeps until the connection closes.
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER, host TEXT, since TEXT)");
    db.prepare("DELETE FROM holder").run();
    db.prepare("INSERT INTO holder (pid, host, since) VALUES (?, ?, ?)").run(process.pid, hostname(), new Date().toISOString());
  } catch (err) {
    db.close();
    if (/^SQLITE_(BUSY|LOCKED)/.test(codeOf(err))) throw new WatchFolderBusyError(dir);
    throw new RelaySetupError(`the watch folder ${dir} cannot be used: ${path} cannot be locked (${codeOf(err) || reasonOf(err)})`);
  }
  return {
    close() {
      db.close();
    },
  };
}

/**
 * Reads a regular file of at most `max` bytes without following a symbolic link or blocking on a FIFO; undefined
 * when it is none of that (or vanished).
 */
async function readSmallFile(path: string, max: number): Promise<{ text: string } | { refused: string } | undefined> {
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = codeOf(err);
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") return { refused: "a symbolic link: write the file itself into the folder" };
    return { refused: `cannot be read (${code || "error"})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { refused: "not a regular file" };
    if (info.size > max) return { refused: `over ${String(max)} bytes: an Add call request is far smaller` };
    const buf = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buf, 0, info.size, 0);
    return { text: buf.subarray(0, bytesRead).toString("utf8") };
  } finally {
    await handle.close();
  }
}

export async function startWatch(ctx: RelayContext, dir: string, options: WatchOptions = {}): Promise<Watcher> {
  const pollMs = Math.max(20, options.pollMs ?? 500);
  const settleMs = Math.max(0, options.settleMs ?? 1500);
  const unparseableMs = Math.max(settleMs, options.unparseableMs ?? 60_000);
  const maxJsonBytes = options.maxJsonBytes ?? JSON_BODY_LIMIT;
  const log = ctx.log.child({ watch: dir });
  const queuedDir = join(dir, QUEUED);
  const doneDir = join(dir, DONE);
  const failedDir = join(dir, FAILED);
  const info = await lstat(dir).catch((err: unknown) => {
    throw new RelaySetupError(`the watch folder ${dir} cannot be used: ${codeOf(err) === "ENOENT" ? "it does not exist" : reasonOf(err)}`);
  });
  if (!info.isDirectory()) throw new RelaySetupError(`the watch folder ${dir} is not a directory`);
  try {
    for (const d of [queuedDir, doneDir, failedDir]) await makeDirectories(d, 0o750);
  } catch (err) {
    throw new RelaySetupError(`the watch folder ${dir} cannot be used: ${reasonOf(err)}`);
  }
  const lock = lockFolder(dir, join(dir, LOCK_FILE));

  /** JSON files of the folder being watched for completeness, by name. */
  const seen = new Map<string, Seen>();
  /** Pairs in .queued waiting for their call: key → clientUniqueId, and the reverse. */
  const waiting = new Map<string, string>();
  const byId = new Map<string, Set<string>>();
  /** Finishing moves under way (awaited by stop). */
  const busy = new Set<Promise<void>>();
  let stopped = false;

  function track(p: Promise<void>): void {
    const q = p.catch((err: unknown) => {
      log.error({ error: err instanceof Error ? err.message : String(err) }, "watch folder error");
    });
    busy.add(q);
    void q.finally(() => busy.delete(q));
  }

  /** A stem free in `target` for every suffix in `exts` (never overwrite): NAME, NAME-2, NAME-3, … */
  function freeStem(target: string, stem: string, exts: string[]): string {
    const longest = Math.max(...exts.map((e) => Buffer.byteLength(e)), ".error.json".length) + 12;
    const base = cutUtf8(stem, NAME_MAX - longest);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${String(n)}`;
      if (exts.every((e) => !existsSync(join(target, candidate + e))) && !existsSync(join(target, `${candidate}.error.json`))) return candidate;
    }
  }

  /** Moves into done/ and failed/ run one at a time: a free name is chosen and taken without a race. */
  let moveChain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = moveChain.then(fn, fn);
    moveChain = p.catch(() => undefined);
    return p;
  }

  /** Moves the files of a pair (recordings first, the JSON last) into done/ or failed/; writes the error file. */
  function moveOut(files: { dir: string; names: string[]; stem: string }, target: string, errorDoc?: WatchErrorDoc): Promise<string> {
    return exclusive(() => moveOutNow(files, target, errorDoc));
  }

  async function moveOutNow(files: { dir: string; names: string[]; stem: string }, target: string, errorDoc?: WatchErrorDoc): Promise<string> {
    const jsonName = files.names.find((n) => n === `${files.stem}.json`);
    const others = files.names.filter((n) => n !== jsonName);
    const exts = files.names.map((n) => n.slice(files.stem.length));
    const stem = freeStem(target, files.stem, exts.length > 0 ? exts : [".json"]);
    for (const n of others) await rename(join(files.dir, n), join(target, stem + n.slice(files.stem.length)));
    // Whole or not at all: a script watching failed/ never reads half an error file.
    if (errorDoc !== undefined) await writeFileAtomic(join(target, `${stem}.error.json`), `${JSON.stringify(errorDoc, null, 2)}\n`, 0o640);
    if (jsonName !== undefined) await rename(join(files.dir, jsonName), join(target, `${stem}.json`));
    return stem;
  }

  /** The files of a pair in its .queued directory. */
  async function queuedFiles(key: string): Promise<{ dir: string; names: string[]; stem: string; json: string | undefined }> {
    const d = join(queuedDir, key);
    const names = await readdir(d);
    const json = names.find((n) => n.toLowerCase().endsWith(".json"));
    const stem = json === undefined ? stemOf(names[0] ?? "") : json.slice(0, -".json".length);
    return { dir: d, names, stem, json };
  }

  function forget(key: string): void {
    const id = waiting.get(key);
    waiting.delete(key);
    if (id === undefined) return;
    const keys = byId.get(id);
    keys?.delete(key);
    if (keys?.size === 0) byId.delete(id);
  }

  /** The call of a pair in .queued reached done or failed: the pair leaves .queued. */
  async function finish(key: string, record: CallRecord): Promise<void> {
    if (!waiting.has(key)) return;
    forget(key);
    const files = await queuedFiles(key);
    if (record.status === "done") {
      const stem = await moveOut(files, doneDir);
      log.info({ clientUniqueId: record.clientUniqueId, file: shown(stem), callId: record.callId }, "watch folder pair delivered: moved to done/");
    } else {
      const doc: WatchErrorDoc = {
        clientUniqueId: record.clientUniqueId,
        status: "failed",
        reason: record.lastError?.message ?? "delivery failed",
        errors: record.errors,
        issues: [],
        lastError: record.lastError,
        queuedAs: key,
        at: new Date().toISOString(),
      };
      const stem = await moveOut(files, failedDir, doc);
      log.warn({ clientUniqueId: record.clientUniqueId, file: shown(stem), errors: record.errors }, "watch folder pair failed: moved to failed/");
    }
    await rmdir(files.dir).catch(() => undefined);
  }

  function wait(key: string, id: string): void {
    waiting.set(key, id);
    let keys = byId.get(id);
    if (keys === undefined) byId.set(id, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Takes in the pair held in .queued/<key>/ (a new claim, or one found at start-up): through the intake, then it
   * waits for its call (or leaves at once when the call is already done or failed, or is invalid).
   */
  async function takeQueued(key: string): Promise<void> {
    const files = await queuedFiles(key);
    if (files.json === undefined) {
      // Killed between the two moves of a claim: the recording goes back beside its JSON.
      for (const n of files.names) {
        const back = join(dir, n);
        if (existsSync(back)) await moveOut({ dir: files.dir, names: [n], stem: stemOf(n) }, failedDir, invalidDoc(`a second ${n} was written while this one was being taken in`, [], null));
        else await rename(join(files.dir, n), back);
      }
      await rmdir(files.dir).catch(() => undefined);
      return;
    }
    const read = await readSmallFile(join(files.dir, files.json), maxJsonBytes);
    const media = files.names.filter((n) => n !== files.json);
    let request: unknown;
    let problem: string | undefined;
    if (read === undefined) problem = "the JSON vanished";
    else if ("refused" in read) problem = read.refused;
    else {
      try {
        request = JSON.parse(read.text);
      } catch (err) {
        problem = `not valid JSON (${err instanceof Error ? err.message.slice(0, 200) : "parse error"})`;
      }
    }
    if (problem === undefined && media.length > 1) problem = `more than one recording for ${shown(files.stem)}: ${media.map(shown).join(", ")}`;
    for (const n of media) {
      if (problem !== undefined) break;
      const st = await lstat(join(files.dir, n));
      if (!st.isFile()) problem = `${shown(n)}: ${st.isSymbolicLink() ? "a symbolic link: write the recording itself into the folder" : "not a regular file"}`;
    }
    const idOf = (r: unknown): string | null => {
      const v = typeof r === "object" && r !== null ? (r as Record<string, unknown>).clientUniqueId : undefined;
      return typeof v === "string" ? v : null;
    };
    if (problem !== undefined) {
      const stem = await moveOut(files, failedDir, invalidDoc(problem, [], idOf(request)));
      await rmdir(files.dir).catch(() => undefined);
      log.warn({ file: shown(stem), reason: problem }, "watch folder pair refused: moved to failed/");
      return;
    }
    const mediaName = media[0];
    const result = await ctx.intake.take({
      request,
      media: mediaName === undefined ? undefined : { path: join(files.dir, mediaName), owned: false },
      source: "watch",
      sourceRef: files.stem,
    });
    if (!result.ok) {
      const stem = await moveOut(files, failedDir, invalidDoc(`invalid call: ${String(result.issues.length)} issue(s)`, result.issues, idOf(request)));
      await rmdir(files.dir).catch(() => undefined);
      log.warn({ file: shown(stem), issues: result.issues }, "watch folder pair invalid: moved to failed/");
      return;
    }
    const id = result.record.clientUniqueId;
    wait(key, id);
    log.info({ clientUniqueId: id, file: shown(files.stem), accepted: result.accepted, hasMedia: mediaName !== undefined }, result.accepted ? "watch folder pair queued" : "watch folder pair is a call accepted before");
    // The call may already be over (a duplicate of a finished one, or delivered while this ran).
    const now = ctx.outbox.get(id);
    if (now !== undefined && (now.status === "done" || now.status === "failed")) await finish(key, now);
  }

  function invalidDoc(reason: string, issues: IntakeIssue[], clientUniqueId: string | null): WatchErrorDoc {
    return { clientUniqueId, status: "invalid", reason, errors: [], issues, at: new Date().toISOString() };
  }

  /** Claims a complete pair: the recording, then the JSON, into .queued/<key>/; then takes it in. */
  async function claim(jsonName: string, mediaNames: string[]): Promise<void> {
    const key = `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
    const d = join(queuedDir, key);
    await mkdir(d, { mode: 0o750 });
    try {
      for (const m of mediaNames) await rename(join(dir, m), join(d, m));
      await rename(join(dir, jsonName), join(d, jsonName));
    } catch (err) {
      if (codeOf(err) !== "ENOENT") throw err;
      // Something moved or removed a file meanwhile: put back what was moved, look again at the next poll.
      for (const n of await readdir(d)) await rename(join(d, n), join(dir, n)).catch(() => undefined);
      await rmdir(d).catch(() => undefined);
      return;
    }
    await takeQueued(key);
  }

  /** Refuses a JSON (or pair) left in the folder itself: moved to failed/ with the reason. */
  async function refuse(jsonName: string, mediaNames: string[], reason: string): Promise<void> {
    const stem = jsonName.slice(0, -".json".length);
    const out = await moveOut({ dir, names: [...mediaNames, jsonName], stem }, failedDir, invalidDoc(reason, [], null));
    log.warn({ file: shown(out), reason }, "watch folder file refused: moved to failed/");
  }

  async function poll(): Promise<void> {
    const entries = await readdir(dir);
    const now = Date.now();
    const names = new Set(entries);
    for (const name of seen.keys()) if (!names.has(name)) seen.delete(name);
    const mediaByStem = new Map<string, string[]>();
    for (const n of entries) {
      if (n.startsWith(".") || !isMediaName(n)) continue;
      const s = stemOf(n);
      mediaByStem.set(s, [...(mediaByStem.get(s) ?? []), n]);
    }
    const ready: { name: string; media: string[] }[] = [];
    for (const name of entries) {
      if (stopped) return;
      // Names starting with a dot are the recorders' temporary files (and .queued).
      if (name.startsWith(".") || !name.toLowerCase().endsWith(".json") || name.length === ".json".length) continue;
      const path = join(dir, name);
      let st;
      try {
        st = await lstat(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) continue;
      const stem = name.slice(0, -".json".length);
      const media = mediaByStem.get(stem) ?? [];
      let size = st.size;
      let mtime = st.mtimeMs;
      for (const m of media) {
        const ms = await lstat(join(dir, m)).catch(() => undefined);
        size += ms?.size ?? 0;
        mtime = Math.max(mtime, ms?.mtimeMs ?? 0);
      }
      const prev = seen.get(name);
      if (prev?.size !== size || prev.mtimeMs !== mtime) {
        seen.set(name, { size, mtimeMs: mtime, since: now });
        continue;
      }
      const stable = now - prev.since;
      if (stable < settleMs) continue;
      if (st.isSymbolicLink()) {
        seen.delete(name);
        await refuse(name, media, "a symbolic link: write the file itself into the folder");
        continue;
      }
      if (!st.isFile()) continue; // FIFOs, sockets, devices: never opened
      if (st.size > maxJsonBytes) {
        seen.delete(name);
        await refuse(name, media, `over ${String(maxJsonBytes)} bytes: an Add call request is far smaller`);
        continue;
      }
      const read = await readSmallFile(path, maxJsonBytes);
      if (read === undefined) continue;
      if ("refused" in read) {
        seen.delete(name);
        await refuse(name, media, read.refused);
        continue;
      }
      let parseError: string | undefined;
      try {
        JSON.parse(read.text);
      } catch (err) {
        parseError = err instanceof Error ? err.message.slice(0, 200) : "parse error";
      }
      if (parseError !== undefined) {
        // Half written, or broken: given time, then failed/ with the reason.
        if (stable >= unparseableMs) {
          seen.delete(name);
          await refuse(name, media, `not valid JSON after ${String(Math.round(stable / 1000))} s unchanged (${parseError})`);
        }
        continue;
      }
      seen.delete(name);
      ready.push({ name, media });
    }
    // Claimed a batch at a time: their commits share one fsync (the outbox groups commits that arrive together).
    await inBatches(ready, BATCH, async (r) => {
      if (stopped) return;
      try {
        await claim(r.name, r.media);
      } catch (err) {
        log.error({ file: shown(r.name), error: err instanceof Error ? err.message : String(err) }, "watch folder pair could not be taken in");
      }
    });
  }

  /** A failed watch call put back in the queue: its pair comes back from failed/ to where the outbox expects it. */
  function bringBack(id: string): void {
    const row = ctx.outbox.get(id);
    if (row?.source !== "watch" || (byId.get(id)?.size ?? 0) > 0) return;
    const wanted = row.mediaFile === null ? undefined : basename(dirname(row.mediaFile));
    let found: { stem: string; doc: WatchErrorDoc } | undefined;
    for (const n of readdirSync(failedDir)) {
      if (!n.endsWith(".error.json")) continue;
      try {
        const doc = JSON.parse(readFileSync(join(failedDir, n), "utf8")) as WatchErrorDoc;
        if (doc.clientUniqueId !== id || doc.status !== "failed") continue;
        if (wanted !== undefined && doc.queuedAs !== wanted) continue;
        found = { stem: n.slice(0, -".error.json".length), doc };
        break;
      } catch {
        continue;
      }
    }
    if (found === undefined) return;
    const key = wanted ?? found.doc.queuedAs ?? `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
    const d = join(queuedDir, key);
    makeDirectoriesSync(d, 0o750);
    const original = row.sourceRef ?? found.stem;
    // The recording back to the exact path the outbox holds, then the JSON; synchronously, before the sender runs.
    if (row.mediaFile !== null) {
      const ext = extname(row.mediaFile);
      const from = join(failedDir, found.stem + ext);
      if (lstatSync(from, { throwIfNoEntry: false })?.isFile() === true) renameSync(from, row.mediaFile);
    }
    const json = join(failedDir, `${found.stem}.json`);
    if (existsSync(json)) renameSync(json, join(d, `${original}.json`));
    rmSync(join(failedDir, `${found.stem}.error.json`), { force: true });
    wait(key, id);
    log.info({ clientUniqueId: id, file: shown(original) }, "watch folder pair re-queued: moved back from failed/");
  }

  const onChange = (change: OutboxChange): void => {
    if (stopped) return;
    if (change.previous === "failed" && change.status !== "failed") {
      try {
        bringBack(change.clientUniqueId);
      } catch (err) {
        log.error({ clientUniqueId: change.clientUniqueId, error: err instanceof Error ? err.message : String(err) }, "watch folder pair could not be moved back from failed/");
      }
      return;
    }
    if (change.status !== "done" && change.status !== "failed") return;
    const keys = byId.get(change.clientUniqueId);
    if (keys === undefined) return;
    for (const key of [...keys]) track(finish(key, change.record));
  };
  ctx.outbox.on("change", onChange);

  // Start-up: pairs a previous run left in .queued are taken again (see the top of this file).
  const left: string[] = [];
  try {
    for (const key of await readdir(queuedDir)) {
      const p = join(queuedDir, key);
      const st = await lstat(p);
      if (!st.isDirectory()) continue;
      if ((await readdir(p)).length === 0) await rmdir(p);
      else left.push(key);
    }
  } catch (err) {
    ctx.outbox.off("change", onChange);
    lock.close();
    throw new RelaySetupError(`the watch folder ${dir} cannot be used: ${queuedDir} cannot be read: ${reasonOf(err)}`);
  }
  await inBatches(left, BATCH, async (key) => {
    try {
      await takeQueued(key);
    } catch (err) {
      log.error({ key, error: err instanceof Error ? err.message : String(err) }, "watch folder pair left in .queued could not be taken again");
    }
  });
  if (waiting.size > 0) log.info({ waiting: waiting.size }, "watch folder pairs from the previous run wait for their calls");

  let running: Promise<void> | undefined;
  let lastError = "";
  const timer = setInterval(() => {
    if (running !== undefined || stopped) return;
    running = poll()
      .then(() => {
        if (lastError !== "") log.info("watch folder readable again");
        lastError = "";
      })
      .catch((err: unknown) => {
        // Once per distinct error, not every poll (e.g. a network share that went away).
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastError) log.error({ error: message }, "watch folder could not be read");
        lastError = message;
      })
      .finally(() => {
        running = undefined;
      });
  }, pollMs);
  log.info({ pollMs, settleMs }, "watching folder");

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      ctx.outbox.off("change", onChange);
      await running;
      await Promise.all([...busy]);
      lock.close();
    },
  };
}
