import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandboxCommand } from "../../src/cli/commands/sandbox.js";
import { demoCommand } from "../../src/cli/commands/demo.js";
import { spawnCommand, spawnSandbox } from "../helpers/child-sandbox.js";

describe("sandbox command", () => {
  it("prints one JSON line first, serves, and stops cleanly on SIGTERM (temp data removed)", async () => {
    const sb = await spawnSandbox(["--port", "0", "--rate-per-second", "0"]);
    try {
      expect(Object.keys(sb.line)).toEqual(expect.arrayContaining(["baseUrl", "accessKey", "accessKeySecret"]));
      expect(sb.line.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const auth = `Basic ${Buffer.from(`${sb.line.accessKey}:${sb.line.accessKeySecret}`).toString("base64")}`;
      const res = await fetch(`${sb.line.baseUrl}/v2/workspaces`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      expect(sb.line.adminToken).toBeUndefined();
    } finally {
      expect(await sb.stop("SIGTERM")).toBe(0);
    }
    expect(existsSync(sb.line.dataDir)).toBe(false);
  });

  it("keeps --data across a restart and stops on SIGINT; --admin prints the admin token", async () => {
    const data = await mkdtemp(join(tmpdir(), "sandbox-cli-"));
    try {
      const a = await spawnSandbox(["--data", data, "--admin"]);
      expect(a.line.adminToken).toMatch(/^sbx_admin_/);
      expect(await a.stop("SIGINT")).toBe(0);
      const b = await spawnSandbox(["--data", data]);
      expect(b.line.accessKey).toBe(a.line.accessKey);
      expect(await b.stop()).toBe(0);
      expect(existsSync(join(data, "sandbox.db"))).toBe(true);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it("starts in well under a second (time to the JSON line, tsx included)", async () => {
    const sb = await spawnSandbox();
    await sb.stop();
    expect(sb.startupMs).toBeLessThan(3000); // generous for loaded CI; measured ~0.4 s
  });

  it("--help lists every flag with an example", () => {
    let text = "";
    const cmd = sandboxCommand();
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    for (const flag of ["--host", "--port", "--data", "--rate-per-second", "--rate-per-day", "--duplicates", "--fault-500", "--fault-503", "--fault-429", "--latency-ms", "--drop-after-commit", "--admin"]) {
      const examples = text.slice(text.indexOf("Examples:"));
      expect(examples, flag).toContain(flag);
    }
  });

  it("refuses a share outside 0..1", async () => {
    const cmd = sandboxCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(cmd.parseAsync(["node", "sandbox", "--fault-500", "2"])).rejects.toThrow(/0 to 1/);
  });

  it("demo: adds a call with a generated recording through the library, prints the page URL, serves until SIGINT", async () => {
    const demo = await spawnCommand("demo");
    try {
      const line = demo.line as unknown as { url: string; callId: string };
      expect(line.url).toMatch(/\/call\?id=\d{19}$/);
      const page = await (await fetch(line.url)).text();
      expect(page).toContain("Discovery call with Acme Corp");
      expect(page).toContain("Grace Hopper");
      const media = await fetch(`${new URL(line.url).origin}/media/${line.callId}`, { headers: { range: "bytes=0-3" } });
      expect(media.status).toBe(206);
      expect(Buffer.from(await media.arrayBuffer()).toString("ascii")).toBe("RIFF");
    } finally {
      expect(await demo.stop("SIGINT")).toBe(0);
    }
  });

  it("demo --help has examples", () => {
    let text = "";
    const cmd = demoCommand();
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    expect(text).toContain("Examples:");
    expect(text).toContain("--once");
  });
});
