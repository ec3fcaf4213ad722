/** The default time range of `calls` and `call`: Gong's date-time format (whole seconds, UTC, `Z`). */
import { describe, expect, it } from "vitest";
import { DEFAULT_CALLS_DAYS, rangeOf } from "../src/commands/calls.js";

describe("rangeOf", () => {
  it("ends now, rounded up to the second, and starts DEFAULT_CALLS_DAYS before, in Gong's format", () => {
    const now = Date.parse("2024-05-01T14:30:00.400Z");
    const days = DEFAULT_CALLS_DAYS * 86_400_000;
    expect(rangeOf({}, now)).toEqual({
      from: new Date(Date.parse("2024-05-01T14:30:00Z") - days).toISOString().replace(".000Z", "Z"),
      to: "2024-05-01T14:30:01Z",
    });
    expect(rangeOf({}, Date.parse("2024-05-01T14:30:00Z")).to).toBe("2024-05-01T14:30:00Z");
  });

  it("keeps the flags as given and refuses an empty range", () => {
    expect(rangeOf({ from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z" })).toEqual({ from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z" });
    expect(() => rangeOf({ from: "2024-05-02T00:00:00Z", to: "2024-05-01T00:00:00Z" })).toThrow(/--to: must be after --from/);
  });
});
