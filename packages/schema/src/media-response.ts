import { GONG_ID_PATTERN } from "./ids.js";
import type { AddCallMediaResponse } from "./responses.js";

export interface ResponseIssue {
  path: PropertyKey[];
  message: string;
}

export type ResponseCheckResult<T> = { success: true; data: T } | { success: false; error: { issues: ResponseIssue[] } };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The rules of `addCallMediaResponseSchema`, checked without zod: an upload (the `add-media` command) then loads
 * nothing it does not use, and zod alone adds about 45 ms to a process's start. An object whose `requestId` and `url`
 * are strings and whose `callId` is a Gong id; other fields are kept. test/schema/media-response.test.ts holds this
 * check and the schema to the same verdicts.
 */
export const addCallMediaResponseCheck = {
  safeParse(value: unknown): ResponseCheckResult<AddCallMediaResponse> {
    if (!isRecord(value)) return { success: false, error: { issues: [{ path: [], message: "expected an object" }] } };
    const issues: ResponseIssue[] = [];
    const { requestId, callId, url } = value;
    if (typeof requestId !== "string") issues.push({ path: ["requestId"], message: "expected a string" });
    if (typeof callId !== "string") {
      issues.push({ path: ["callId"], message: "must be a string of 1-20 digits (ids are strings; a JSON number loses precision)" });
    } else if (!GONG_ID_PATTERN.test(callId)) {
      issues.push({ path: ["callId"], message: "must be a string of 1-20 digits" });
    }
    if (typeof url !== "string") issues.push({ path: ["url"], message: "expected a string" });
    if (issues.length > 0) return { success: false, error: { issues } };
    return { success: true, data: { ...value } as AddCallMediaResponse };
  },
};
