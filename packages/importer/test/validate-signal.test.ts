import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GongAbortError } from "@gong-connector/client";
import { validateManifest } from "../src/index.js";
import { writeManifest } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-validate-signal-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("validateManifest takes { signal }", () => {
  const manifest = writeManifest(dir, "calls.jsonl", 50, "sig");

  it("stops at the next row once aborted, rejecting with GongAbortError that says how far it got", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const check = validateManifest(manifest, {
      signal: controller.signal,
      onValid: (row) => {
        seen.push(row.clientUniqueId);
        if (seen.length === 3) controller.abort();
      },
    });
    await expect(check).rejects.toThrow(GongAbortError);
    await expect(check).rejects.toThrow(/after 3 rows/);
    expect(seen).toHaveLength(3);
  });

  it("reads nothing when the signal is already aborted, and everything when it never is", async () => {
    const seen: string[] = [];
    await expect(validateManifest(manifest, { signal: AbortSignal.abort(), onValid: (row) => void seen.push(row.clientUniqueId) })).rejects.toThrow(
      GongAbortError,
    );
    expect(seen).toEqual([]);
    const check = await validateManifest(manifest, { signal: new AbortController().signal });
    expect(check).toMatchObject({ total: 50, valid: 50, invalidCount: 0 });
  });
});
