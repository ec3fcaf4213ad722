import { GongError } from "@gong-connector/client";

/**
 * A setup or usage mistake (the environment, a flag, an argument): nothing was sent. Reported as
 * "gong-connector: <message>"; its exit code (2) is in exit-codes.ts.
 */
export class ConfigurationError extends GongError {
  override name = "ConfigurationError";
}
