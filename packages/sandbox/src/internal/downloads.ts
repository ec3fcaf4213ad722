import ipaddr from "ipaddr.js";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { basename, join } from "node:path";
import { isAcceptableDownloadContentType } from "@gong-connector/schema";
import type { SandboxContext } from "./context.js";
import { SandboxError } from "./errors.js";
import { commitMedia, describeBytes, finish, removeQuietly, storedMedia, writeMeasured, type ReceivedMedia } from "./media.js";

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
      // The call may have been removed (clearCalls) while its media was on the way.
      if (store.getCall(callId) === undefined) {
        await removeQuietly(join(store.mediaDir, file));
        return;
      }
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

  /** Stops every fetch under way; a stopped call's media stays pending (and resumes at the next start). */
  async stopAll(): Promise<void> {
    for (const f of this.inFlight.values()) f.controller.abort();
    await this.idle();
  }

  async close(): Promise<void> {
    await this.stopAll();
  }
}

export function mediaPath(ctx: SandboxContext, file: string): string {
  return join(ctx.store.mediaDir, file);
}

/** How many redirects a `downloadMediaUrl` fetch follows, each one checked like the first URL. */
export const MAX_DOWNLOAD_REDIRECTS = 5;

/** ::/96: the deprecated IPv4-compatible form, which ipaddr.js counts as unicast. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/** An address a download may connect to, after the checks. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Why the sandbox refuses to connect to `address`, or undefined when it may. Only globally routable unicast addresses
 * pass, plus loopback when `allowLoopback` (the sandbox itself listens on loopback). IPv4-mapped IPv6 addresses are
 * judged as the IPv4 address they carry; 0.0.0.0 and :: (which reach this host) are "unspecified".
 */
export function refusedAddressReason(address: string, allowLoopback: boolean): string | undefined {
  if (!ipaddr.isValid(address)) return "is not an IP address";
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === "unicast" && parsed.kind() === "ipv6" && parsed.match(IPV4_COMPATIBLE)) {
    return "is an IPv4-compatible IPv6 address (::/96, deprecated)";
  }
  if (range === "unicast") return undefined;
  if (range === "loopback") {
    return allowLoopback ? undefined : "is a loopback address (allowed only when the sandbox itself listens on loopback)";
  }
  return `is in the ${range} range, which the sandbox never fetches from`;
}

function refused(host: string, address: string, reason: string): Error {
  const shown = host === address ? address : `${host} (${address})`;
  return new Error(`refused to fetch from ${shown}: the address ${reason}`);
}

/**
 * Resolves `host` (every address dns.lookup gives) and checks each; any refused address refuses the host, so a name
 * cannot mix a public and a private answer. Returns the first address, to which the request then connects.
 */
export async function vetHost(host: string, allowLoopback: boolean): Promise<VettedAddress> {
  const bare = host.replace(/^\[|\]$/g, "");
  let addresses: LookupAddress[];
  if (isIP(bare) !== 0) {
    addresses = [{ address: bare, family: isIP(bare) }];
  } else {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
      dnsLookup(bare, { all: true, verbatim: true }, (err, found) => {
        if (err) reject(new Error(`could not resolve ${bare}: ${err.code ?? err.message}`));
        else resolve(found);
      });
    });
  }
  if (addresses.length === 0) throw new Error(`could not resolve ${bare}: no address`);
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address, allowLoopback);
    if (reason !== undefined) throw refused(bare, address, reason);
  }
  const first = addresses[0] as LookupAddress;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for http.request that answers only the vetted address: no second resolution between check and connect. */
function pinnedLookup(vetted: VettedAddress): LookupFunction {
  return (_host, options, callback) => {
    if (options.all === true) {
      (callback as (err: null, addresses: LookupAddress[]) => void)(null, [{ address: vetted.address, family: vetted.family }]);
    } else {
      callback(null, vetted.address, vetted.family);
    }
  };
}

function get(url: URL, vetted: VettedAddress, signal: AbortSignal): Promise<IncomingMessage> {
  const options: RequestOptions = {
    method: "GET",
    lookup: pinnedLookup(vetted),
    signal,
    headers: { "user-agent": "gong-sandbox-media-fetch", accept: "audio/*, video/*, application/octet-stream" },
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, resolve);
    req.once("error", reject);
    req.end();
  });
}

function discard(res: IncomingMessage): void {
  res.resume();
  res.destroy();
}

/** The last path segment of a URL, decoded when it can be (a bad percent-escape keeps it as written). */
function fileNameOf(url: URL): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path
  }
  return basename(path) || "download";
}

function parseUrl(value: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = base === undefined ? new URL(value) : new URL(value, base);
  } catch {
    throw new Error(base === undefined ? "not a valid URL" : "redirect Location is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`unsupported scheme ${parsed.protocol}`);
  return parsed;
}

export interface DownloadOptions {
  dir: string;
  maxBytes: number;
  allowLoopback: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Redirects followed (default MAX_DOWNLOAD_REDIRECTS). */
  maxRedirects?: number;
}

/**
 * Fetches a `downloadMediaUrl` the way Gong does (CONTRACT.md §3), storing it like an upload. Every hop's resolved
 * address is checked (refusedAddressReason) and connected to as checked; redirects are followed up to a limit. Throws
 * an Error with a reason; leaves no partial file.
 */
export async function fetchDownload(url: string, opts: DownloadOptions): Promise<ReceivedMedia> {
  const signals = [AbortSignal.timeout(opts.timeoutMs)];
  if (opts.signal) signals.push(opts.signal);
  const signal = AbortSignal.any(signals);
  const maxRedirects = opts.maxRedirects ?? MAX_DOWNLOAD_REDIRECTS;
  let current = parseUrl(url);
  let res: IncomingMessage;
  for (let hop = 0; ; hop++) {
    const vetted = await vetHost(current.hostname, opts.allowLoopback);
    try {
      res = await get(current, vetted, signal);
    } catch (err) {
      throw new Error(`download failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304 && res.headers.location !== undefined) {
      discard(res);
      if (hop >= maxRedirects) throw new Error(`download redirected more than ${maxRedirects} times`);
      current = parseUrl(res.headers.location, current);
      continue;
    }
    break;
  }
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    discard(res);
    throw new Error(`download answered HTTP ${status}`);
  }
  const contentType = res.headers["content-type"] ?? "";
  if (!isAcceptableDownloadContentType(contentType)) {
    discard(res);
    throw new Error(`Content-Type "${contentType}" is not audio/*, video/* or an octet-stream naming WAV, MP3, MP4, MKV or FLAC`);
  }
  const length = Number(res.headers["content-length"] ?? "NaN");
  if (Number.isFinite(length) && length > opts.maxBytes) {
    discard(res);
    throw new Error(`Content-Length ${describeBytes(length)} exceeds the limit of ${describeBytes(opts.maxBytes)} bytes`);
  }
  const fileName = fileNameOf(current);
  let written: Awaited<ReturnType<typeof writeMeasured>>;
  try {
    written = await writeMeasured(res, opts.dir, opts.maxBytes);
  } catch (err) {
    throw new Error(err instanceof SandboxError ? (err.errors[0] ?? err.message) : `download failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return await finish(written.tmpPath, written.meter, fileName, undefined);
  } catch (err) {
    throw new Error(err instanceof SandboxError ? (err.errors[0] ?? err.message) : String(err));
  }
}
