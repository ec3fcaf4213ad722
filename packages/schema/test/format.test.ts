import { describe, expect, it } from "vitest";
import { formatGongDateTime, isLoopbackHost } from "../src/index.js";

describe("isLoopbackHost", () => {
  it.each([
    "localhost",
    "LOCALHOST",
    "localhost.",
    "api.localhost",
    "127.0.0.1",
    "127.8.9.10",
    "127.255.255.255",
    "[::1]",
    "::1",
    "0:0:0:0:0:0:0:1",
    "[0000:0000::0001]",
    "::ffff:127.0.0.1",
    "[::ffff:127.1.2.3]",
  ])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each([
    "example.com",
    "localhost.example.com",
    "10.0.0.1",
    "128.0.0.1",
    "127.0.0.256",
    "127.0.0",
    "0.0.0.0",
    "[::2]",
    "::",
    "::ffff:10.0.0.1",
    "::ffff:128.0.0.1",
    "2130706433",
    "",
    "[",
    "::1::",
  ])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("formatGongDateTime", () => {
  it("writes UTC seconds with Z and drops fractions (floor, also before 1970)", () => {
    expect(formatGongDateTime(new Date("2024-05-01T09:30:00.999-05:00"))).toBe("2024-05-01T14:30:00Z");
    expect(formatGongDateTime(Date.UTC(2026, 11, 1, 0, 0, 0, 1))).toBe("2026-12-01T00:00:00Z");
    expect(formatGongDateTime(-1)).toBe("1969-12-31T23:59:59Z");
  });
  it("refuses an invalid date", () => {
    expect(() => formatGongDateTime(new Date("nope"))).toThrow(RangeError);
  });
});
