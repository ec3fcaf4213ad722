import { GongError } from "@gong-connector/client";

/**
 * A setup or usage mistake (the environment, a flag, an argument): nothing was sent. Reported as
 * "gong-connector: <message>", exit 2.
 */
export class ConfigurationError extends GongError {
  override name = "ConfigurationError";
  override readonly exitCode: number = 2;
}
