import { z } from "zod";
import { addCallRequestSchema } from "./validate.js";

/** The JSON Schema of the Add call input, with the original connector's labels (`title`) and help (`description`). */
export function addCallJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(addCallRequestSchema, { target: "draft-2020-12", unrepresentable: "any" });
}
