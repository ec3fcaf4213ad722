import { describe, expect, it } from "vitest";
import {
  isAcceptableDownloadContentType,
  mediaContentTypeFor,
  sniffMediaFormat,
  validateAddCallRequest,
  validateServerAddCallRequest,
} from "../src/index.js";

const base = () => ({
  clientUniqueId: "pbx-2024-0001",
  actualStart: "2024-05-01T10:00:00Z",
  primaryUser: "7782342274025937895",
  direction: "Outbound",
  parties: [
    { userId: "7782342274025937895", name: "Rep", emailAddress: "rep@example.com", partyId: "1" },
    { name: "Customer", phoneNumber: "+1 555 0100", partyId: "2" },
  ],
});

type Mutator = (r: Record<string, unknown> & ReturnType<typeof base>) => void;
const mutate = (fn: Mutator) => {
  const r = base() as Record<string, unknown> & ReturnType<typeof base>;
  fn(r);
  return r;
};
const issuesOf = (input: unknown) => {
  const result = validateAddCallRequest(input);
  return result.ok ? [] : result.issues.map((i) => i.message);
};

describe("validateAddCallRequest accepts", () => {
  const good: [string, Mutator][] = [
    ["the five required fields", () => undefined],
    ["every optional field", (r) => {
      Object.assign(r, {
        workspaceId: "623457276584334",
        meetingUrl: "https://meet.example.com/abc",
        title: "Discovery call",
        purpose: "p".repeat(255),
        scheduledStart: "2024-05-01T09:55:00-05:00",
        scheduledEnd: "2024-05-01T10:55:00-05:00",
        duration: 125.8,
        disposition: "d".repeat(255),
        downloadMediaUrl: "https://files.example.com/c1.mp3",
        context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "0063601230sV7grAAC", fields: [{ name: "Amount", value: 10 }] }, { objectType: "Account", objectId: "0013601230sV7grAAC" }] }],
        speakersTimeline: { precise: true, speechSegments: [{ fromTime: 0, toTime: 5100, partyIds: ["1"] }, { fromTime: 5000, toTime: 9000, partyIds: ["1", "2"] }] },
        customData: "anything",
        callProviderCode: "zoom",
        languageCode: "pa-Guru-IN",
        flowContext: { taskId: "714366367493425" },
      });
      r.parties[1] = { ...r.parties[1], context: [{ system: "Generic", objects: [{ objectType: "Contact", objectId: "c-9" }] }] } as never;
    }],
    ["an offset and fractions of a second", (r) => { r.actualStart = "2024-05-01T10:00:00.123+02:00"; }],
    ["a 2048-character clientUniqueId", (r) => { r.clientUniqueId = "x".repeat(2048); }],
    ["a clientUniqueId of 1024 emoji (2048 UTF-16 units)", (r) => { r.clientUniqueId = "😀".repeat(1024); }],
    ["purpose of 127 emoji and one letter (255 UTF-16 units)", (r) => { r.purpose = "😀".repeat(127) + "x"; }],
    ["a segment naming no party (partyIds is required, not required to be non-empty)", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 1, partyIds: [] }] }; }],
    ["a 20-digit id", (r) => { r.primaryUser = "12345678901234567890"; r.parties = [{ userId: "12345678901234567890", name: "Rep", emailAddress: "rep@example.com", partyId: "1" }]; }],
    ["mediaChannelId 0 and 1 without a timeline", (r) => { r.parties = [{ userId: r.primaryUser, mediaChannelId: 1 } as never, { name: "x", mediaChannelId: 0 } as never]; }],
    ["each direction", (r) => { r.direction = "Conference"; }],
    ["duration 0", (r) => { r.duration = 0; }],
    ["equal scheduled start and end", (r) => { r.scheduledStart = r.actualStart; r.scheduledEnd = "2024-05-01T12:00:00+02:00"; }],
  ];
  for (const [name, fn] of good) {
    it(name, () => {
      expect(issuesOf(mutate(fn))).toEqual([]);
    });
  }

  it("returns the value unchanged", () => {
    const r = mutate((x) => { x.customData = "  spaces kept  "; });
    const result = validateAddCallRequest(r);
    expect(result.ok && result.value).toEqual(r);
  });

  it("returns the date-times as the same instants in UTC, fractions dropped (CONTRACT.md §5)", () => {
    const r = mutate((x) => {
      Object.assign(x, { actualStart: "2024-05-01T09:30:00.987-05:00", scheduledStart: "2024-05-01T16:25:00+02:00", scheduledEnd: "2024-05-01T14:55:00.5Z" });
    });
    const result = validateAddCallRequest(r);
    expect(result.ok && result.value).toEqual({ ...r, actualStart: "2024-05-01T14:30:00Z", scheduledStart: "2024-05-01T14:25:00Z", scheduledEnd: "2024-05-01T14:55:00Z" });
    expect(r.actualStart).toBe("2024-05-01T09:30:00.987-05:00"); // the input is not modified
  });

  it("takes a Date for a date-time field", () => {
    const r = mutate((x) => {
      Object.assign(x, { actualStart: new Date(Date.UTC(2024, 4, 1, 14, 30, 0, 250)), scheduledStart: new Date(Date.UTC(2024, 4, 1, 14, 25)) });
    });
    const result = validateAddCallRequest(r);
    expect(result.ok && result.value).toMatchObject({ actualStart: "2024-05-01T14:30:00Z", scheduledStart: "2024-05-01T14:25:00Z" });
    expect(issuesOf(mutate((x) => { Object.assign(x, { actualStart: new Date(Number.NaN) }); }))).toEqual([
      expect.stringMatching(/^actualStart: must be an ISO-8601 date-time string/),
    ]);
  });
});

describe("validateAddCallRequest refuses, naming the field and the rule", () => {
  const bad: [string, Mutator, string][] = [
    ["a missing clientUniqueId", (r) => { delete (r as Record<string, unknown>).clientUniqueId; }, "clientUniqueId: is required"],
    ["a blank clientUniqueId", (r) => { r.clientUniqueId = "   "; }, "clientUniqueId: must not be empty"],
    ["a clientUniqueId over 2048", (r) => { r.clientUniqueId = "x".repeat(2049); }, "clientUniqueId: must be at most 2048 characters"],
    ["a missing actualStart", (r) => { delete (r as Record<string, unknown>).actualStart; }, "actualStart: is required"],
    ["a date-time without a zone", (r) => { r.actualStart = "2024-05-01T10:00:00"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["a date only", (r) => { r.actualStart = "2024-05-01"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["an offset without a colon", (r) => { r.actualStart = "2024-05-01T10:00:00+0200"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["a time without seconds", (r) => { r.actualStart = "2024-05-01T10:00Z"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["a lower-case zone", (r) => { r.actualStart = "2024-05-01T10:00:00z"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["an impossible date", (r) => { r.actualStart = "2024-02-30T10:00:00Z"; }, "actualStart: must be an ISO-8601 date-time with a zone"],
    ["a bad scheduledStart", (r) => { r.scheduledStart = "yesterday"; }, "scheduledStart: must be an ISO-8601 date-time with a zone"],
    ["a bad scheduledEnd", (r) => { r.scheduledEnd = "2024-05-01 10:00"; }, "scheduledEnd: must be an ISO-8601 date-time with a zone"],
    ["scheduledEnd before scheduledStart", (r) => { r.scheduledStart = "2024-05-01T10:00:00Z"; r.scheduledEnd = "2024-05-01T11:59:00+02:00"; }, "scheduledEnd: must not be before scheduledStart"],
    ["a numeric primaryUser", (r) => { (r as Record<string, unknown>).primaryUser = 7782342274025937; }, "primaryUser: must be a string of 1-20 digits"],
    ["a non-digit primaryUser", (r) => { r.primaryUser = "abc"; }, "primaryUser: must be a string of 1-20 digits"],
    ["a 21-digit id", (r) => { r.primaryUser = "123456789012345678901"; }, "primaryUser: must be a string of 1-20 digits"],
    ["a primary user who is not a party", (r) => { r.primaryUser = "42"; }, "primaryUser: must be the userId of one of the parties"],
    ["no parties", (r) => { r.parties = []; }, "parties: must list at least one party"],
    ["parties not an array", (r) => { (r as Record<string, unknown>).parties = { userId: "1" }; }, "parties: must be an array of parties"],
    ["a party with nothing that identifies it", (r) => { r.parties.push({} as never); }, "parties[2]: needs at least one of userId, emailAddress, phoneNumber, name"],
    ["a bad party userId", (r) => { r.parties[1] = { ...r.parties[1], userId: "u-1" } as never; }, "parties[1].userId: must be a string of 1-20 digits"],
    ["a duplicate partyId", (r) => { r.parties[1] = { ...r.parties[1], partyId: "1" } as never; }, "parties[1].partyId: must be unique in the call"],
    ["mediaChannelId 2", (r) => { r.parties[0] = { ...r.parties[0], mediaChannelId: 2 } as never; }, "parties[0].mediaChannelId: must be 0 or 1"],
    ["mediaChannelId 0.5", (r) => { r.parties[0] = { ...r.parties[0], mediaChannelId: 0.5 } as never; }, "parties[0].mediaChannelId: must be 0 or 1"],
    ["a missing direction", (r) => { delete (r as Record<string, unknown>).direction; }, "direction: is required"],
    ["a direction in the wrong case", (r) => { r.direction = "inbound"; }, "direction: must be one of: Inbound, Outbound, Conference, Unknown"],
    ["a numeric workspaceId", (r) => { r.workspaceId = 623457276584334; }, "workspaceId: must be a string of 1-20 digits"],
    ["a relative meetingUrl", (r) => { r.meetingUrl = "/join/abc"; }, "meetingUrl: must be an absolute URL"],
    ["a purpose over 255", (r) => { r.purpose = "p".repeat(256); }, "purpose: must be at most 255 characters"],
    ["a disposition over 255", (r) => { r.disposition = "d".repeat(256); }, "disposition: must be at most 255 characters"],
    ["a negative duration", (r) => { r.duration = -1; }, "duration: must be at least 0"],
    ["a duration as text", (r) => { r.duration = "60"; }, "duration: must be a number of seconds"],
    ["an ftp downloadMediaUrl", (r) => { r.downloadMediaUrl = "ftp://files.example.com/a.mp3"; }, "downloadMediaUrl: must be an absolute http(s) URL"],
    ["a title that is not text", (r) => { r.title = 5; }, "title: must be a string"],
    ["customData that is not text", (r) => { r.customData = { a: 1 }; }, "customData: must be a string"],
    ["a context system Gong does not accept", (r) => { r.context = [{ system: "HubSpot" }]; }, "context[0].system: must be one of: Salesforce, Generic"],
    ["a missing context system", (r) => { r.context = [{ objects: [] }]; }, "context[0].system: is required"],
    ["a call context object type for parties", (r) => { r.context = [{ system: "Salesforce", objects: [{ objectType: "Lead", objectId: "1" }] }]; }, "context[0].objects[0].objectType: must be one of: Opportunity, Account"],
    ["the spec's comma-joined object type", (r) => { r.context = [{ system: "Salesforce", objects: [{ objectType: "Opportunity,Account", objectId: "1" }] }]; }, "context[0].objects[0].objectType: must be one of: Opportunity, Account"],
    ["a context object without an id", (r) => { r.context = [{ system: "Salesforce", objects: [{ objectType: "Account" }] }]; }, "context[0].objects[0].objectId: is required"],
    ["a party context object type for calls", (r) => { r.parties[1] = { ...r.parties[1], context: [{ system: "Salesforce", objects: [{ objectType: "Account", objectId: "1" }] }] } as never; }, "parties[1].context[0].objects[0].objectType: must be one of: Lead, Contact"],
    ["party context on a Gong user", (r) => { r.parties[0] = { ...r.parties[0], context: [{ system: "Generic" }] } as never; }, "parties[0].context: is allowed only on parties that are not Gong users"],
    ["a timeline with a party lacking partyId", (r) => { r.parties[1] = { name: "x" } as never; r.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 1, partyIds: ["1"] }] }; }, "parties[1].partyId: is required when speakersTimeline is given"],
    ["a segment naming an unknown party", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 1, partyIds: ["3"] }] }; }, "speakersTimeline.speechSegments[0].partyIds[0]: must name a party's partyId; known: 1, 2"],
    ["purpose of 128 emoji (256 UTF-16 units)", (r) => { r.purpose = "😀".repeat(128); }, "purpose: must be at most 255 characters (UTF-16 code units: an emoji counts 2)"],
    ["disposition of 200 emoji (400 UTF-16 units)", (r) => { r.disposition = "😀".repeat(200); }, "disposition: must be at most 255 characters (UTF-16 code units: an emoji counts 2)"],
    ["a clientUniqueId of 1025 emoji (2050 UTF-16 units)", (r) => { r.clientUniqueId = "😀".repeat(1025); }, "clientUniqueId: must be at most 2048 characters (UTF-16 code units: an emoji counts 2)"],
    ["a segment ending before it starts", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 10, toTime: 5, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].toTime: must be greater than fromTime"],
    ["an empty segment", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 10, toTime: 10, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].toTime: must be greater than fromTime"],
    ["a negative fromTime", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: -1, toTime: 10, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].fromTime: must be at least 0"],
    ["a toTime beyond int32", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 2147483648, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].toTime: must be at most 2147483647"],
    ["a fractional fromTime", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 1.5, toTime: 10, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].fromTime: must be an integer number of milliseconds"],
    ["a missing toTime", (r) => { r.speakersTimeline = { speechSegments: [{ fromTime: 1, partyIds: ["1"] }] }; }, "speakersTimeline.speechSegments[0].toTime: is required"],
    ["precise as text", (r) => { r.speakersTimeline = { precise: "yes" }; }, "speakersTimeline.precise: must be true or false"],
    ["mediaChannelId beside a timeline", (r) => { r.parties[0] = { ...r.parties[0], mediaChannelId: 0 } as never; r.speakersTimeline = { speechSegments: [] }; }, "parties[0].mediaChannelId: must be omitted when speakersTimeline is given"],
    ["a language code in the wrong case", (r) => { r.languageCode = "en-us"; }, "languageCode: must be one of Gong's language codes"],
    ["an unknown language code", (r) => { r.languageCode = "xx-XX"; }, "languageCode: must be one of Gong's language codes"],
    ["flowContext that is not an object", (r) => { r.flowContext = "t-1"; }, "flowContext: must be an object"],
    ["an unknown top-level field", (r) => { (r as Record<string, unknown>).primaryUserId = "1"; }, "primaryUserId: is not a field of this object"],
    ["an unknown party field", (r) => { r.parties[1] = { ...r.parties[1], email: "a@b.c" } as never; }, "parties[1].email: is not a field of this object"],
  ];
  for (const [name, fn, expected] of bad) {
    it(name, () => {
      const messages = issuesOf(mutate(fn));
      expect(messages.some((m) => m.startsWith(expected)), `got:\n${messages.join("\n")}`).toBe(true);
    });
  }

  it("names a too-long field once, whether it is too long in code points or only in UTF-16 units", () => {
    for (const purpose of ["p".repeat(256), "😀".repeat(256), "😀".repeat(128)]) {
      const messages = issuesOf(mutate((r) => { r.purpose = purpose; }));
      expect(messages.filter((m) => m.startsWith("purpose:")), purpose).toHaveLength(1);
    }
  });

  it("names every bad field in one pass, cross-field rules included", () => {
    const messages = issuesOf(mutate((r) => {
      r.clientUniqueId = "";
      r.direction = "sideways";
      r.primaryUser = "1";
      r.purpose = "p".repeat(300);
      r.speakersTimeline = { speechSegments: [{ fromTime: 5, toTime: 1, partyIds: ["9"] }] };
    }));
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/^clientUniqueId: /),
      expect.stringMatching(/^direction: /),
      expect.stringMatching(/^purpose: /),
      expect.stringMatching(/^primaryUser: must be the userId of one of the parties/),
      expect.stringMatching(/^speakersTimeline\.speechSegments\[0\]\.toTime: /),
      expect.stringMatching(/^speakersTimeline\.speechSegments\[0\]\.partyIds\[0\]: /),
    ]));
  });

  it("refuses what is not an object", () => {
    for (const input of [null, [], "text", 5, true]) {
      expect(issuesOf(input)[0]).toMatch(/^\(root\): must be a JSON object/);
    }
  });
});

describe("the server profile (what a Gong-compatible server answers 400 for)", () => {
  it("accepts what only the library refuses", () => {
    const r = mutate((x) => {
      x.scheduledStart = "2024-05-01T10:00:00Z";
      x.scheduledEnd = "2024-05-01T09:00:00Z";
      x.parties[0] = { ...x.parties[0], mediaChannelId: 1 } as never;
      x.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 1, partyIds: ["1"] }] };
      (x as Record<string, unknown>).someFutureField = true;
    });
    expect(validateServerAddCallRequest(r).ok).toBe(true);
    expect(validateAddCallRequest(r).ok).toBe(false);
  });
  it("still refuses what Gong refuses", () => {
    const result = validateServerAddCallRequest(mutate((x) => { x.primaryUser = "5"; }));
    expect(result.ok).toBe(false);
  });
});

describe("media rules", () => {
  it("maps extensions to content types, case-insensitively", () => {
    expect(mediaContentTypeFor("a.WAV")).toBe("audio/wav");
    expect(mediaContentTypeFor("/x/y.mp3")).toBe("audio/mpeg");
    expect(mediaContentTypeFor("y.mkv")).toBe("video/x-matroska");
    expect(mediaContentTypeFor("y.ogg")).toBeUndefined();
  });
  it("recognises formats from their first bytes", () => {
    const bytes = (s: string, pad = 16) => new Uint8Array([...Buffer.from(s, "latin1"), ...new Array<number>(pad).fill(0)]);
    expect(sniffMediaFormat(bytes("RIFF\0\0\0\0WAVE"))).toBe("wav");
    expect(sniffMediaFormat(bytes("fLaC"))).toBe("flac");
    expect(sniffMediaFormat(bytes("\0\0\0\x20ftypisom"))).toBe("mp4");
    expect(sniffMediaFormat(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe("mkv");
    expect(sniffMediaFormat(bytes("ID3\x04"))).toBe("mp3");
    expect(sniffMediaFormat(new Uint8Array([0xff, 0xfb, 0x90, 0x64]))).toBe("mp3");
    expect(sniffMediaFormat(bytes("%PDF-1.7"))).toBeUndefined();
    expect(sniffMediaFormat(new Uint8Array([]))).toBeUndefined();
  });
  it("applies the downloadMediaUrl content-type rule", () => {
    expect(isAcceptableDownloadContentType("audio/mpeg")).toBe(true);
    expect(isAcceptableDownloadContentType("video/mp4; codecs=avc1")).toBe(true);
    expect(isAcceptableDownloadContentType("text/html")).toBe(false);
    expect(isAcceptableDownloadContentType("application/json")).toBe(false);
    expect(isAcceptableDownloadContentType("application/octet-stream; name=call.wav")).toBe(true);
    expect(isAcceptableDownloadContentType("binary/octet-stream+flac")).toBe(true);
    expect(isAcceptableDownloadContentType("application/octet-stream")).toBe(false);
  });
});
