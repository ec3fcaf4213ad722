import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  GongApiError,
  GongError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RecordingDisabledError,
  ValidationError,
} from "../src/index.js";

function narrow<T>(value: unknown, cls: abstract new (...args: never[]) => T): T {
  if (!(value instanceof cls)) throw new Error(`expected an instance of ${cls.name}`);
  return value;
}

describe("GongApiError.from", () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
  ])("maps %i to its subclass", (status, cls) => {
    const error = GongApiError.from(status, { requestId: "r1", errors: ["nope"] }, {});
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(GongApiError);
    expect(error).toBeInstanceOf(GongError);
    expect(error.status).toBe(status);
  });

  it("keeps other statuses as GongApiError", () => {
    const error = GongApiError.from(418, "", {});
    expect(error.constructor).toBe(GongApiError);
  });

  it("reads requestId and errors from a JSON string body and names them in the message", () => {
    const error = GongApiError.from(400, '{"requestId":"4al018gzaztcr8nbukw","errors":["primaryUser is unknown","x"]}', {});
    expect(error.requestId).toBe("4al018gzaztcr8nbukw");
    expect(error.errors).toEqual(["primaryUser is unknown", "x"]);
    expect(error.message).toContain("400");
    expect(error.message).toContain("primaryUser is unknown");
    expect(error.message).toContain("4al018gzaztcr8nbukw");
    expect(error.name).toBe("BadRequestError");
  });

  it("turns a non-JSON body into one error of at most 500 characters", () => {
    const html = `<html>${"x".repeat(1000)}</html>`;
    const error = GongApiError.from(502, html, {});
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toBe(html.slice(0, 500));
    expect(error.requestId).toBeUndefined();
  });

  it("accepts Headers and plain objects, lower-cases names and drops credential headers", () => {
    const fromHeaders = GongApiError.from(500, "", new Headers({ "X-Thing": "1", "Set-Cookie": "a=b" }));
    expect(fromHeaders.headers).toEqual({ "x-thing": "1" });
    const fromRecord = GongApiError.from(500, "", { "X-Multi": ["a", "b"], Authorization: "Basic abc" });
    expect(fromRecord.headers).toEqual({ "x-multi": "a, b" });
  });

  it("reads Retry-After into RateLimitError.retryAfterSeconds", () => {
    const error = GongApiError.from(429, { errors: ["slow down"] }, { "retry-after": "7" });
    expect(error).toBeInstanceOf(RateLimitError);
    expect(narrow(error, RateLimitError).retryAfterSeconds).toBe(7);
    expect(narrow(GongApiError.from(429, "", {}), RateLimitError).retryAfterSeconds).toBeUndefined();
  });

  it("gives exit codes per class", () => {
    expect(GongApiError.from(400, "", {}).exitCode).toBe(3);
    expect(GongApiError.from(429, "", {}).exitCode).toBe(4);
    expect(GongApiError.from(500, "", {}).exitCode).toBe(4);
    expect(ValidationError.of("x", "required").exitCode).toBe(2);
  });
});

describe("RecordingDisabledError", () => {
  it("is a ConflictError built from a 409", () => {
    const conflict = narrow(GongApiError.from(409, { requestId: "r9", errors: ["recording disabled"] }, {}), ConflictError);
    const error = RecordingDisabledError.fromConflict(conflict);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.requestId).toBe("r9");
    expect(error.message).toContain("enabled for call import");
  });
});

describe("ValidationError", () => {
  it("lists every issue", () => {
    const error = new ValidationError([
      { path: "a", rule: "required", message: "a: required" },
      { path: "b", rule: "max length 255", message: "b: max length 255" },
    ]);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toContain("a: required");
    expect(error.message).toContain("b: max length 255");
  });
});
