/** runInProcess gives the run its own stdin, environment and captured streams, and puts the process's back after. */
import { describe, expect, it } from "vitest";
import { runInProcess } from "../run-in-process.js";

describe("runInProcess", () => {
  it("reads stdin as given (add-call --input -), then the process's own stdin and environment are back", async () => {
    const stdin = process.stdin;
    const env = process.env;
    const r = await runInProcess(["add-call", "--input", "-", "--dry-run"], { stdin: '{"clientUniqueId": 7}' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("clientUniqueId");
    expect(r.stdout).toBe("");
    expect(process.stdin).toBe(stdin);
    expect(process.env).toBe(env);
  });

  it("gives an empty stdin when none is given, as runCli gives a subprocess", async () => {
    const r = await runInProcess(["add-call", "--input", "-", "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--input: is empty: expected a JSON object (stdin)");
  });

  it("gives the first line of stdin to a command that reads a secret", async () => {
    const r = await runInProcess(["auth", "add-key", "--access-key", "AK", "--base-url", "http://api.example.com"], { stdin: "s3cret\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--base-url must use https unless the host is loopback");
    expect(r.stderr).not.toContain("s3cret");
  });
});
