/**
 * The hand-written AddCallRequestInput against the zod schema: the same fields at every level (checked by the
 * type-check, which runs these assertions), and a misspelt field or a wrong enum value is a compile error.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { addCallRequestSchema, validateAddCallRequest, type AddCallRequest, type AddCallRequestInput } from "../src/index.js";

type SchemaInput = z.input<typeof addCallRequestSchema>;
type DateFields = "actualStart" | "scheduledStart" | "scheduledEnd";
/** The input with its date-times as strings: what the schema itself (without the Date conversion) takes. */
type WithStringDates = Omit<AddCallRequestInput, DateFields> & { actualStart: string; scheduledStart?: string | undefined; scheduledEnd?: string | undefined };
type Item<T> = NonNullable<T> extends readonly (infer U)[] ? U : never;

const valid: AddCallRequestInput = {
  clientUniqueId: "pbx-1",
  actualStart: new Date("2024-05-01T10:00:00.750Z"),
  scheduledStart: "2024-05-01T09:55:00-05:00",
  primaryUser: "7782342274025937895",
  direction: "Inbound",
  parties: [{ userId: "7782342274025937895", name: "Rep" }, { name: "Customer", context: [{ system: "Generic", objects: [{ objectType: "Contact", objectId: "c-1" }] }] }],
  context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "0061", fields: [{ name: "Stage", value: "Won" }] }] }],
  languageCode: "en-US",
};

describe("AddCallRequestInput", () => {
  it("names exactly the schema's fields, at every level", () => {
    expectTypeOf<keyof AddCallRequestInput>().toEqualTypeOf<keyof SchemaInput>();
    expectTypeOf<keyof Item<AddCallRequestInput["parties"]>>().toEqualTypeOf<keyof Item<SchemaInput["parties"]>>();
    expectTypeOf<keyof Item<AddCallRequestInput["context"]>>().toEqualTypeOf<keyof Item<SchemaInput["context"]>>();
    expectTypeOf<keyof NonNullable<AddCallRequestInput["speakersTimeline"]>>().toEqualTypeOf<keyof NonNullable<SchemaInput["speakersTimeline"]>>();
    expectTypeOf<keyof NonNullable<AddCallRequestInput["flowContext"]>>().toEqualTypeOf<keyof NonNullable<SchemaInput["flowContext"]>>();
  });

  it("with string date-times is what the schema takes, and a validated request is a valid input again", () => {
    expectTypeOf<WithStringDates>().toExtend<SchemaInput>();
    expectTypeOf<AddCallRequest>().toExtend<AddCallRequestInput>();
    expectTypeOf<AddCallRequestInput["direction"]>().toEqualTypeOf<"Inbound" | "Outbound" | "Conference" | "Unknown">();
    expectTypeOf<AddCallRequestInput["actualStart"]>().toEqualTypeOf<Date | string>();
    expectTypeOf<AddCallRequestInput["primaryUser"]>().toEqualTypeOf<string>();
  });

  it("makes a misspelt field or a wrong enum a compile error; the run-time check refuses them too", () => {
    // @ts-expect-error primaryUsr is not a field
    const typo: AddCallRequestInput = { ...valid, primaryUsr: "7782342274025937895" };
    // @ts-expect-error "Sideways" is not a direction
    const sideways: AddCallRequestInput = { ...valid, direction: "Sideways" };
    // @ts-expect-error "en-us" is not one of Gong's language codes (exact case)
    const lowercase: AddCallRequestInput = { ...valid, languageCode: "en-us" };
    // @ts-expect-error ids are strings
    const numericId: AddCallRequestInput = { ...valid, primaryUser: 7782342274025937895n };
    const result = validateAddCallRequest(valid);
    expect(result.ok && result.value.actualStart).toBe("2024-05-01T10:00:00Z");
    for (const [bad, field] of [[typo, "primaryUsr"], [sideways, "direction"], [lowercase, "languageCode"], [numericId, "primaryUser"]] as const) {
      const refused = validateAddCallRequest(bad);
      expect(refused.ok).toBe(false);
      expect(refused.ok ? [] : refused.issues.map((i) => i.path)).toContain(field);
    }
  });
});
