import { randomBytes } from "node:crypto";
import { mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import { checkMediaFile, mediaFileIssues } from "../src/internal/media-file.js";
import { generateConversationWav, wavHeader } from "../../sandbox/src/internal/wav.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gong-media-file-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function rule(path: string, allowAnyFormat = false): Promise<string> {
  const error = await checkMediaFile(path, { allowAnyFormat }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  const issue = (error as ValidationError).issues[0];
  expect(issue?.path).toBe("mediaFile");
  return issue?.rule ?? "";
}

const tail = randomBytes(200);
/** A RIFF/WAVE file whose first chunk is a JUNK chunk longer than the 64 bytes read at first. */
function wavWithJunk(): Buffer {
  const junk = Buffer.alloc(8 + 100);
  junk.write("JUNK", 0, "ascii");
  junk.writeUInt32LE(100, 4);
  const header = wavHeader(tail.length, 8000);
  return Buffer.concat([header.subarray(0, 12), junk, header.subarray(12), tail]);
}

describe("checkMediaFile: the container header must match the extension", () => {
  it.each<[string, () => Buffer]>([
    ["a.wav", () => generateConversationWav({ turns: 1, turnMs: 50 }).wav],
    ["junk-first.wav", wavWithJunk],
    ["tagged.mp3", () => Buffer.concat([Buffer.from("ID3\x03\x00\x00\x00\x00\x01\x7f", "latin1"), tail])],
    ["frames.mp3", () => Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), tail])],
    ["a.mp4", () => Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from("ftypisom", "ascii"), tail])],
    ["a.mkv", () => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), tail])],
    ["a.flac", () => Buffer.concat([Buffer.from("fLaC", "ascii"), tail])],
  ])("accepts %s", async (name, bytes) => {
    const info = await checkMediaFile(await file(name, bytes()));
    expect(info.fileName).toBe(name);
  });

  it("refuses a .wav that is text, naming the file and what was found", async () => {
    const path = await file("notes.wav", "Dear team,\nthe minutes of the call follow.\n");
    expect(await rule(path)).toBe(`${JSON.stringify(path)} is not WAV as its extension says: found text, not audio or video`);
  });

  it("refuses a .wav holding MP3 audio", async () => {
    const path = await file("really-mp3.wav", Buffer.concat([Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1"), tail]));
    expect(await rule(path)).toBe(`content looks like mp3, not wav as its extension says (found MP3 audio (an ID3 tag)): ${JSON.stringify(path)}`);
  });

  it("refuses a RIFF/WAVE header without a fmt chunk", async () => {
    const header = wavHeader(100, 8000);
    header.write("xxxx", 12, "ascii");
    expect(await rule(await file("nofmt.wav", Buffer.concat([header, tail])))).toContain('found a RIFF/WAVE header without a "fmt " chunk');
  });

  it("refuses an .mp3 of bytes that are no MPEG frame, showing the first bytes", async () => {
    const path = await file("zeros.mp3", Buffer.alloc(300));
    expect(await rule(path)).toBe(`${JSON.stringify(path)} is not MP3 as its extension says: found no known audio or video header (it starts with bytes 00 00 00 00 00 00 00 00)`);
    // A frame sync with a reserved layer is no frame either.
    expect(await rule(await file("reserved.mp3", Buffer.concat([Buffer.from([0xff, 0xf9, 0x90, 0x64]), tail])))).toContain("no known audio or video header");
  });

  it("names other known formats", async () => {
    expect(await rule(await file("doc.mp4", "%PDF-1.7\n..."))).toContain("found a PDF document");
    expect(await rule(await file("song.flac", Buffer.concat([Buffer.from("OggS", "ascii"), tail])))).toContain("found an Ogg container");
  });

  it("with allowAnyFormat, still checks the content of a supported extension", async () => {
    expect(await rule(await file("any.wav", "not audio at all"), true)).toContain("is not WAV as its extension says: found text, not audio or video");
    expect(await rule(await file("any.MP4", Buffer.concat([Buffer.from("fLaC", "ascii"), tail])), true)).toContain("content looks like flac, not mp4");
  });

  it("with allowAnyFormat, sends an unknown extension (or none) unread as application/octet-stream", async () => {
    for (const name of ["notes.ogg", "recording"]) {
      const info = await checkMediaFile(await file(name, "any bytes at all"), { allowAnyFormat: true });
      expect(info.contentType).toBe("application/octet-stream");
    }
    expect(await rule(await file("notes2.ogg", "any bytes"))).toContain("unsupported file type");
  });

  it("mediaFileIssues returns the issues instead of throwing (the importer's row check)", async () => {
    const { issues, info } = await mediaFileIssues(await file("list.wav", "text"));
    expect(info).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]?.rule).toContain("found text");
  });
});

describe("checkMediaFile looks at the real file behind a symlink", () => {
  it("refuses a .wav symlink to /etc/passwd (a text file)", async () => {
    const link = join(dir, "passwd.wav");
    await symlink("/etc/passwd", link);
    expect(await rule(link)).toContain("found text, not audio or video");
    expect(await rule(link, true)).toContain("found text, not audio or video");
  });

  it("refuses a symlink to a device or a directory, naming where it leads", async () => {
    const device = join(dir, "zero.wav");
    await symlink("/dev/zero", device);
    expect(await rule(device)).toBe(`${JSON.stringify(device)} is not a regular file but a device, socket or pipe (it leads to "/dev/zero")`);
    const folder = join(dir, "folder.mp3");
    await symlink(dir, folder);
    expect(await rule(folder)).toContain("is not a regular file but a directory");
  });

  it("accepts a symlink to a real recording: the real path is what is read, the link's name what is sent", async () => {
    const target = await file("target-name.bin", generateConversationWav({ turns: 1, turnMs: 50 }).wav);
    const link = join(dir, "call.wav");
    await symlink(target, link);
    const info = await checkMediaFile(link);
    expect(info.realPath).toBe(await realpath(target));
    expect(info.fileName).toBe("call.wav");
    expect(info.contentType).toBe("audio/wav");
  });
});
