/** The mapping helpers, each with what it reads and what it refuses. */
import { describe, expect, it } from "vitest";
import { RowMappingError } from "../src/internal/mapping/errors.js";
import { duration, localTime, mapValue, namedFormat, phone, type NamedFormat } from "../src/internal/mapping/helpers.js";

const NY = "America/New_York";
const formats = new Map<string, NamedFormat>();
const us = namedFormat("MM/dd/yyyy h:mm a");
if ("problem" in us) throw new Error(us.problem);
formats.set("us", us);
const withOffset = namedFormat("dd.MM.yyyy HH:mm ZZ");
if ("problem" in withOffset) throw new Error(withOffset.problem);
formats.set("eu-offset", withOffset);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RowMappingError);
    return (err as Error).message;
  }
  throw new Error("expected a RowMappingError");
}

describe("$localTime", () => {
  it("reads local ISO-like times in the zone and gives UTC (winter and summer offsets)", () => {
    expect(localTime("2026-12-01 15:04:05", "iso", NY, formats)).toBe("2026-12-01T20:04:05Z");
    expect(localTime("2026-07-01T15:04", "iso", NY, formats)).toBe("2026-07-01T19:04:00Z");
    expect(localTime(" 2026-07-01 15:04:05.987 ", "iso", NY, formats)).toBe("2026-07-01T19:04:05Z");
    expect(localTime("2026-07-01 15:04:05", "iso", "Europe/Berlin", formats)).toBe("2026-07-01T13:04:05Z");
  });

  it("takes a time with an offset or Z as that instant, whatever the zone", () => {
    expect(localTime("2026-07-01T15:04:05+02:00", "iso", NY, formats)).toBe("2026-07-01T13:04:05Z");
    expect(localTime("2026-07-01 15:04:05Z", "iso", undefined, formats)).toBe("2026-07-01T15:04:05Z");
  });

  it("reads a named format (12-hour clock with AM/PM)", () => {
    expect(localTime("12/01/2026 3:04 PM", "us", NY, formats)).toBe("2026-12-01T20:04:00Z");
    expect(localTime("07/04/2026 12:30 AM", "us", NY, formats)).toBe("2026-07-04T04:30:00Z");
    expect(localTime("01.07.2026 15:04 +02:00", "eu-offset", undefined, formats)).toBe("2026-07-01T13:04:00Z");
  });

  it("reads unix seconds and milliseconds", () => {
    expect(localTime("1767225600", "unix", undefined, formats)).toBe("2026-01-01T00:00:00Z");
    expect(localTime(1767225600000, "unixms", undefined, formats)).toBe("2026-01-01T00:00:00Z");
  });

  it("refuses a local time that does not exist in the zone (the spring-forward gap)", () => {
    const why = refusal(() => localTime("2026-03-08 02:30:00", "iso", NY, formats));
    expect(why).toContain('"2026-03-08 02:30:00" does not exist in America/New_York');
    expect(why).toContain("clocks go forward");
    expect(refusal(() => localTime("03/08/2026 2:15 AM", "us", NY, formats))).toContain("does not exist");
    // Just before and after the gap are fine.
    expect(localTime("2026-03-08 01:59:59", "iso", NY, formats)).toBe("2026-03-08T06:59:59Z");
    expect(localTime("2026-03-08 03:00:00", "iso", NY, formats)).toBe("2026-03-08T07:00:00Z");
  });

  it("refuses a local time that happens twice (the fall-back overlap), naming both offsets", () => {
    const why = refusal(() => localTime("2026-11-01 01:30:00", "iso", NY, formats));
    expect(why).toContain("is ambiguous in America/New_York");
    expect(why).toContain("-04:00 and -05:00");
    expect(refusal(() => localTime("11/01/2026 1:05 AM", "us", NY, formats))).toContain("ambiguous");
    expect(localTime("2026-11-01 00:59:59", "iso", NY, formats)).toBe("2026-11-01T04:59:59Z");
    expect(localTime("2026-11-01 02:00:00", "iso", NY, formats)).toBe("2026-11-01T07:00:00Z");
  });

  it("refuses text that does not match, impossible dates, lists, and a missing zone", () => {
    expect(refusal(() => localTime("yesterday", "iso", NY, formats))).toContain("is not a date-time like 2026-12-01 15:04:05");
    expect(refusal(() => localTime("2026-02-30 10:00", "iso", NY, formats))).toContain("is not a valid date-time");
    expect(refusal(() => localTime("2026-01-01 24:10", "iso", NY, formats))).toContain("is not a valid date-time");
    expect(refusal(() => localTime("2026-12-01 15:04", "us", NY, formats))).toContain('does not match the format "us" (MM/dd/yyyy h:mm a)');
    expect(refusal(() => localTime(["2026-12-01 15:04", "2026-12-01 15:05"], "iso", NY, formats))).toContain("got 2 values (a list)");
    expect(refusal(() => localTime("2026-12-01 15:04", "iso", undefined, formats))).toContain("no time zone");
    expect(refusal(() => localTime("12/01/2026 3:04 PM", "nope", NY, formats))).toContain('unknown format "nope"');
    expect(refusal(() => localTime("-5", "unix", NY, formats))).toContain("is not a number of seconds");
  });

  it("leaves empty values out", () => {
    expect(localTime("", "iso", NY, formats)).toBeUndefined();
    expect(localTime("  ", "us", NY, formats)).toBeUndefined();
    expect(localTime(undefined, "iso", NY, formats)).toBeUndefined();
    expect(localTime(null, "iso", NY, formats)).toBeUndefined();
  });
});

describe("named formats", () => {
  it("accepts Luxon patterns with a date and a time, and refuses the rest with the reason", () => {
    expect(namedFormat("yyyy-MM-dd HH:mm:ss")).toMatchObject({ hasOffset: false });
    expect(namedFormat("yyyy-MM-dd'T'HH:mmZZ")).toMatchObject({ hasOffset: true });
    expect(namedFormat("MM/dd/yyyy")).toEqual({ problem: expect.stringContaining("no token for the hour") as unknown });
    expect(namedFormat("MM/dd/yyyy h:mm")).toEqual({ problem: expect.stringContaining("without AM/PM") as unknown });
    expect(namedFormat("YYYY-MM-dd HH:mm")).toEqual({ problem: expect.stringContaining("no token for the year") as unknown });
    expect(namedFormat("")).toEqual({ problem: "is empty" });
  });
});

describe("$duration", () => {
  it("reads seconds, mm:ss and hh:mm:ss", () => {
    expect(duration("332")).toBe(332);
    expect(duration("332.5")).toBe(332.5);
    expect(duration(45)).toBe(45);
    expect(duration("5:32")).toBe(332);
    expect(duration("75:05")).toBe(4505);
    expect(duration("00:05:32")).toBe(332);
    expect(duration("1:02:03")).toBe(3723);
    expect(duration("0:00:01.5")).toBe(1.5);
    expect(duration("")).toBeUndefined();
  });

  it("refuses anything else", () => {
    for (const bad of ["5 min", "-3", "1:60", "1:2", "01:60:00", "1:00:00:00", "abc", "1e3", "PT5M"]) {
      expect(refusal(() => duration(bad))).toMatch(/is not a duration \(seconds, mm:ss or hh:mm:ss\)/);
    }
    expect(refusal(() => duration(-1))).toContain("is not a duration");
    expect(refusal(() => duration(Number.POSITIVE_INFINITY))).toContain("is not a duration");
  });
});

describe("$phone", () => {
  it("normalises numbers to E.164 with the default country", () => {
    const warnings: string[] = [];
    const warn = (m: string): void => void warnings.push(m);
    expect(phone("(212) 555-0123", "US", warn)).toBe("+12125550123");
    expect(phone("212.555.0123", "US", warn)).toBe("+12125550123");
    expect(phone("+44 20 7946 0958", "US", warn)).toBe("+442079460958");
    expect(phone("020 7946 0958", "GB", warn)).toBe("+442079460958");
    expect(phone(12125550123, "US", warn)).toBe("+12125550123");
    expect(phone("", "US", warn)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("keeps an invalid number as written, with a warning", () => {
    const warnings: string[] = [];
    const warn = (m: string): void => void warnings.push(m);
    expect(phone("12345", "US", warn)).toBe("12345");
    expect(phone("call me", "US", warn)).toBe("call me");
    expect(phone("x".repeat(5000), "US", warn)).toBe("x".repeat(5000));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toBe('"12345" is not a valid phone number (default country US); kept as written');
  });
});

describe("$mapValue", () => {
  const direction = { name: "direction", entries: new Map([["in", "Inbound"], ["out", "Outbound"]]) };
  it("maps values, compared without case and surrounding spaces", () => {
    expect(mapValue("in", direction)).toBe("Inbound");
    expect(mapValue(" OUT ", direction)).toBe("Outbound");
    expect(mapValue(undefined, direction)).toBeUndefined();
  });
  it("refuses a value the map does not have, naming the map and its keys", () => {
    expect(refusal(() => mapValue("sideways", direction))).toBe('"sideways" is not in the value map "direction" (in, out); add it, or a "*" entry for any other value');
  });
  it("gives the * value for any other value", () => {
    expect(mapValue("sideways", { ...direction, fallback: "Unknown" })).toBe("Unknown");
  });
});
