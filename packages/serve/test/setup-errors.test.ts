/**
 * What the relay refuses to start with, each as a RelaySetupError that names the path or address and the reason,
 * before anything is accepted: unusable data directories and watch folders (also under /proc, where Node's own
 * recursive mkdir never returns), a watch folder another relay holds (and free again the moment it stops), a port in
 * use, an address that is not this machine's, a short token, a token file others can read, an outbox that is a
 * symbolic link or not an SQLite file.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelaySetupError, startRelay, WatchFolderBusyError, type RelayOptions } from "../src/index.js";
import { withBusyPort } from "../../../test-support/cli-fixtures.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

let sb: TestSandbox;
let root: string;

beforeAll(async () => {
  sb = await startTestSandbox();
  root = mkdtempSync(join(tmpdir(), "gong-relay-setup-"));
});
afterAll(async () => {
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});

function options(dataDir: string, more: Partial<RelayOptions> = {}): RelayOptions {
  return { client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } }, dataDir, logger: false, deliver: false, ...more };
}

let n = 0;
const fresh = (): string => join(root, `d${String(++n)}`);

describe("data directory and token", () => {
  it("a data directory that cannot be created: the path and the reason", async () => {
    await expect(startRelay(options("/proc/gong-relay-test"))).rejects.toThrow(new RelaySetupError("the data directory /proc/gong-relay-test cannot be created: no such file or directory (ENOENT)"));
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    await expect(startRelay(options(join(file, "data")))).rejects.toThrow(/the data directory .*a-file\/data cannot be created: a part of the path is not a directory \(ENOTDIR\)/);
  });

  it("a token under 16 characters or with spaces is refused", async () => {
    for (const token of ["short", "sixteen chars ok", " ".repeat(20)]) {
      await expect(startRelay(options(fresh(), { token }))).rejects.toBeInstanceOf(RelaySetupError);
    }
  });

  it("a token file that others can read, or that is a symbolic link, is refused and left as it is", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, "serve-token"), "t".repeat(32), { mode: 0o644 });
    chmodSync(join(dir, "serve-token"), 0o644);
    await expect(startRelay(options(dir))).rejects.toThrow(/serve-token can be read by others \(mode 644\): chmod 600 it/);

    const linked = fresh();
    mkdirSync(linked, { mode: 0o700 });
    const target = join(root, "elsewhere-token");
    writeFileSync(target, "u".repeat(32), { mode: 0o600 });
    symlinkSync(target, join(linked, "serve-token"));
    await expect(startRelay(options(linked))).rejects.toThrow(/serve-token is not a plain file/);
    expect(readFileSync(target, "utf8")).toBe("u".repeat(32));
  });

  it("an outbox that is a symbolic link is not followed; one that is not SQLite is named", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const target = join(root, "precious.txt");
    writeFileSync(target, "keep me", { mode: 0o644 });
    chmodSync(target, 0o644);
    symlinkSync(target, join(dir, "outbox.db"));
    await expect(startRelay(options(dir))).rejects.toThrow(/the outbox .*outbox\.db cannot be opened: a symbolic link, refused/);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readFileSync(target, "utf8")).toBe("keep me");

    const garbage = fresh();
    mkdirSync(garbage, { mode: 0o700 });
    writeFileSync(join(garbage, "outbox.db"), "this is not a database, it is a text file of some length".repeat(100));
    await expect(startRelay(options(garbage))).rejects.toThrow(/outbox\.db is not a relay's outbox \(not an SQLite database, SQLITE_NOTADB\)/);
    expect(lstatSync(join(garbage, "outbox.db")).isFile()).toBe(true);
  });
});

describe("address", () => {
  const busyPort = withBusyPort();

  it("a port in use, an address of another machine, a host that does not resolve: each named", async () => {
    const port = busyPort();
    await expect(startRelay(options(fresh(), { port }))).rejects.toThrow(new RelaySetupError(`cannot listen on 127.0.0.1:${String(port)}: the port is in use by another program (EADDRINUSE)`));
    await expect(startRelay(options(fresh(), { host: "192.0.2.1" }))).rejects.toThrow(/cannot listen on 192\.0\.2\.1:0: the address is not one of this machine's \(EADDRNOTAVAIL\)/);
    await expect(startRelay(options(fresh(), { host: "no-such-host.invalid" }))).rejects.toThrow(/cannot listen on no-such-host\.invalid:0: no such host/);
  });

  it("a refused start leaves its data directory free: the next start on it works", async () => {
    const dir = fresh();
    await expect(startRelay(options(dir, { port: busyPort() }))).rejects.toBeInstanceOf(RelaySetupError);
    const relay = await startRelay(options(dir));
    await relay.close();
  });
});

describe("watch folder", () => {
  it("missing, a file, or under /proc: the folder and the reason", async () => {
    await expect(startRelay(options(fresh(), { watchDir: join(root, "missing") }))).rejects.toThrow(/the watch folder .*missing cannot be used: it does not exist/);
    const file = join(root, "watch-file");
    writeFileSync(file, "x");
    await expect(startRelay(options(fresh(), { watchDir: file }))).rejects.toThrow(/the watch folder .*watch-file is not a directory/);
    await expect(startRelay(options(fresh(), { watchDir: "/proc/self/fdinfo" }))).rejects.toBeInstanceOf(RelaySetupError);
  });

  it("the data directory itself, or a folder inside it, is refused as the watch folder", async () => {
    const data = fresh();
    await expect(startRelay(options(data, { watchDir: data }))).rejects.toThrow(`the watch folder ${data} is the data directory ${data}: give a folder of its own`);
    await expect(startRelay(options(data, { watchDir: join(data, "in") }))).rejects.toThrow(`the watch folder ${join(data, "in")} is inside the data directory ${data}`);
    // A sibling whose name starts like the data directory's is fine.
    mkdirSync(`${data}-in`);
    const relay = await startRelay(options(data, { watchDir: `${data}-in` }));
    await relay.close();
  });

  it("one relay per watch folder: a second one (its own data directory) is refused until the first stops", async () => {
    const watchDir = join(root, "shared-watch");
    mkdirSync(watchDir);
    const first = await startRelay(options(fresh(), { watchDir }));
    const secondData = fresh();
    try {
      const refused = startRelay(options(secondData, { watchDir }));
      await expect(refused).rejects.toBeInstanceOf(WatchFolderBusyError);
      await expect(refused).rejects.toThrow(`the watch folder ${watchDir} is watched by another running relay`);
    } finally {
      await first.close();
    }
    // Released on close: the second relay takes the folder, and its data directory was not held by the refusal.
    const second = await startRelay(options(secondData, { watchDir }));
    await second.close();
  });
});
