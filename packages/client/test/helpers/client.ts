import { GongClient, type GongClientOptions } from "../../src/index.js";

export const SECRET = "zq-DISTINCTIVE-s3cret-9f1c7e";

/** A client for a local script server: fast retries, no rate limit unless asked. */
export function testClient(baseURL: string, overrides: Partial<GongClientOptions> = {}): GongClient {
  return new GongClient({
    baseURL,
    auth: { accessKey: "test-key", accessKeySecret: SECRET },
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    rateLimit: false,
    ...overrides,
  });
}
