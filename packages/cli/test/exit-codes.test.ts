/**
 * The one table from error class to exit code: every error class the client exports (main entry and ./advanced),
 * the importer's, the relay's and the CLI's own, each with the code of the rule (0 done · 2 invalid input/usage · 3 Gong refused
 * (4xx but 429) · 4 gave up (5xx, 429, network, malformed answers) · 130 interrupted · 1 a bug).
 */
import { CommanderError } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as client from "@gong-connector/client";
import * as advanced from "@gong-connector/client/advanced";
import * as importerErrors from "@gong-connector/importer/errors";
import * as serveErrors from "@gong-connector/serve/errors";
import { GongApiError, GongConnectionError, GongError, MediaUploadFailedError, RateLimitError, ValidationError } from "@gong-connector/client";
import { EXIT_CODES, exitCodeOf } from "../src/exit-codes.js";
import { reportError } from "../src/errors.js";
import { ConfigurationError } from "../src/setup-error.js";

/** The code each client error class must map to, by class name. */
const CLIENT_EXPECTED: Record<string, number> = {
  GongError: 4,
  GongApiError: 3, // an instance with a 4xx status; the status rule is tested below
  BadRequestError: 3,
  AuthenticationError: 3,
  PermissionDeniedError: 3,
  NotFoundError: 3,
  ConflictError: 3,
  RecordingDisabledError: 3,
  RateLimitError: 4,
  InternalServerError: 4,
  GongConnectionError: 4,
  GongUnreachableError: 4,
  GongTimeoutError: 4,
  GongResponseError: 4,
  UnconfirmedCallError: 4,
  GongAbortError: 130,
  ValidationError: 2,
  OAuthError: 3, // an instance with status 400 (invalid_grant); the 5xx case is tested below
  MediaUploadFailedError: 4, // an instance whose cause is a GongConnectionError; the cause rule is tested below
};

const IMPORTER_EXPECTED: Record<string, number> = {
  ManifestError: 2,
  ReportPathError: 2,
  JournalBusyError: 2,
  JournalBindingError: 2,
  JournalFileError: 2,
  JournalWriteError: 4,
  MappingError: 2,
  QueueConnectionError: 4, // an instance without reason (unreachable); "refused" is tested below
};

/** The relay cannot start with what it was given: a usage mistake, nothing accepted. */
const SERVE_EXPECTED: Record<string, number> = {
  RelaySetupError: 2,
  OutboxBusyError: 2,
  OutboxBindingError: 2,
  WatchFolderBusyError: 2,
};

type AnyClass = abstract new (...args: never[]) => unknown;

/** The exported error classes of a module namespace. */
function errorClasses(ns: Record<string, unknown>): [string, AnyClass][] {
  return Object.entries(ns).filter((e): e is [string, AnyClass] => typeof e[1] === "function" && e[1].prototype instanceof Error);
}

/** An instance of `cls` made without its constructor (whatever its signature), with `fields` set. */
function instanceOf(cls: AnyClass, fields: Record<string, unknown> = {}): unknown {
  return Object.assign(Object.create(cls.prototype as object) as object, fields);
}

describe("exit codes: one table, error class → code", () => {
  const classes = [...errorClasses(client), ...errorClasses(advanced)];

  it("finds the client's error classes", () => {
    expect(new Set(classes.map(([name]) => name)).size).toBeGreaterThanOrEqual(18);
  });

  it.each(errorClasses({ ...client, ...advanced }))("client %s has its own entry and the rule's code", (name, cls) => {
    expect(EXIT_CODES.has(cls), `no entry in EXIT_CODES for ${name}`).toBe(true);
    expect(CLIENT_EXPECTED[name], `no expected code for ${name} in this test`).toBeDefined();
    const fields = name === "GongApiError" ? { status: 418 } : name === "OAuthError" ? { status: 400 } : name === "MediaUploadFailedError" ? { cause: new GongConnectionError("reset") } : {};
    expect(exitCodeOf(instanceOf(cls, fields))).toBe(CLIENT_EXPECTED[name]);
  });

  it("an OAuthError is a refusal for a 4xx (log in again) and giving up for a 429 or 5xx", () => {
    expect(exitCodeOf(new client.OAuthError("refused", "invalid_grant", 400))).toBe(3);
    expect(exitCodeOf(new client.OAuthError("busy", "http_429", 429))).toBe(4);
    expect(exitCodeOf(new client.OAuthError("down", "http_503", 503))).toBe(4);
  });

  it.each(errorClasses(importerErrors))("importer %s has its own entry and the rule's code", (name, cls) => {
    expect(EXIT_CODES.has(cls)).toBe(true);
    expect(exitCodeOf(instanceOf(cls))).toBe(IMPORTER_EXPECTED[name]);
  });

  it("QueueConnectionError: Redis unreachable is giving up (4), credentials refused a setup mistake (2)", () => {
    expect(exitCodeOf(new importerErrors.QueueConnectionError("cannot reach Redis", "unreachable"))).toBe(4);
    expect(exitCodeOf(new importerErrors.QueueConnectionError("refused the credentials", "refused"))).toBe(2);
  });

  it("every importer error is expected here", () => {
    expect(errorClasses(importerErrors).map(([name]) => name).sort()).toEqual(Object.keys(IMPORTER_EXPECTED).sort());
  });

  it("every relay error is expected here, each with the rule's code", () => {
    const classes = errorClasses(serveErrors);
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(SERVE_EXPECTED).sort());
    for (const [name, cls] of classes) expect(exitCodeOf(instanceOf(cls)), name).toBe(SERVE_EXPECTED[name]);
  });

  it("GongApiError by status: a 4xx but 429 is a refusal (3); 429 and 5xx are given up on (4)", () => {
    for (const status of [400, 401, 403, 404, 405, 409, 413, 418, 422]) expect(exitCodeOf(GongApiError.from(status, ""))).toBe(3);
    for (const status of [429, 500, 502, 503, 504]) expect(exitCodeOf(GongApiError.from(status, ""))).toBe(4);
    expect(exitCodeOf(new GongApiError({ status: 503 }))).toBe(4);
    expect(exitCodeOf(new GongApiError({ status: 429 }))).toBe(4);
    expect(exitCodeOf(new RateLimitError({ status: 429 }))).toBe(4);
  });

  it("a media upload that failed takes the code of its cause", () => {
    const call = { callId: "1", requestId: "r" } as ConstructorParameters<typeof MediaUploadFailedError>[0];
    expect(exitCodeOf(new MediaUploadFailedError(call, GongApiError.from(400, "")))).toBe(3);
    expect(exitCodeOf(new MediaUploadFailedError(call, GongApiError.from(503, "")))).toBe(4);
    expect(exitCodeOf(new MediaUploadFailedError(call, ValidationError.of("filePath", "is empty")))).toBe(2);
    expect(exitCodeOf(new MediaUploadFailedError(call, new TypeError("x")))).toBe(1);
  });

  it("the CLI's own: usage and setup mistakes are 2, help and version 0", () => {
    expect(exitCodeOf(new ConfigurationError("GONG_ACCESS_KEY is required"))).toBe(2);
    expect(exitCodeOf(new CommanderError(1, "commander.unknownOption", "error: unknown option"))).toBe(2);
    expect(exitCodeOf(new CommanderError(1, "commander.missingMandatoryOptionValue", "error"))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(0);
    expect(exitCodeOf(new CommanderError(0, "commander.version", "0.1.0"))).toBe(0);
  });

  it("anything else is a bug (1); a subclass nobody listed takes its parent's code", () => {
    expect(exitCodeOf(new TypeError("x"))).toBe(1);
    expect(exitCodeOf(new Error("x"))).toBe(1);
    expect(exitCodeOf("a string")).toBe(1);
    expect(exitCodeOf(undefined)).toBe(1);
    class OddApiError extends GongApiError {}
    expect(exitCodeOf(new OddApiError({ status: 404 }))).toBe(3);
    class OddError extends GongError {}
    expect(exitCodeOf(new OddError("x"))).toBe(4);
  });
});

describe("reportError uses the table", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function report(error: unknown): { code: number; stderr: string; stdout: string } {
    let stderr = "";
    let stdout = "";
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    return { code: reportError(error), stderr, stdout };
  }

  it("for every client and importer error class, the same code as exitCodeOf", () => {
    for (const [name, cls] of [...errorClasses(client), ...errorClasses(importerErrors)]) {
      if (name === "MediaUploadFailedError") continue; // needs a call and a cause: below
      const fields = { message: `a ${name}`, status: 418, errors: [], issues: [] };
      expect(report(instanceOf(cls, fields)).code, name).toBe(exitCodeOf(instanceOf(cls, fields)));
    }
  });

  it("says what went wrong without calling a refusal or a failed journal a bug", async () => {
    const { JournalWriteError, JournalBindingError } = importerErrors;
    const disk = report(new JournalWriteError("/tmp/j.sqlite", "SQLITE_FULL", new Error("full")));
    expect(disk.code).toBe(4);
    expect(disk.stderr).toContain("cannot write the journal /tmp/j.sqlite: the disk holding it is full");
    expect(disk.stderr).not.toContain("a bug");
    const gong = { baseUrl: "https://a.example/", identity: "key-sha256:1", label: "key a…" };
    const bound = report(new JournalBindingError("/tmp/j.sqlite", gong, { ...gong, baseUrl: "https://b.example/" }));
    expect(bound.code).toBe(2);
    expect(bound.stderr).toContain("the journal /tmp/j.sqlite belongs to https://a.example/");
    const bug = report(new TypeError("undefined is not a function"));
    expect(bug.code).toBe(1);
    expect(bug.stderr).toContain("unexpected error (a bug): undefined is not a function");
    const media = report(new MediaUploadFailedError({ callId: "77", requestId: "r" }, GongApiError.from(503, ""), "/tmp/a b.wav"));
    expect(media.code).toBe(4);
    expect(JSON.parse(media.stdout)).toMatchObject({ callId: "77", media: null });
    expect(media.stderr).toContain("gong-connector add-media --call-id 77 --file '/tmp/a b.wav'");
    await Promise.resolve();
  });
});
