/**
 * The code under test: a small module of "your" application that sends a call to Gong with fetch. It is given the
 * base URL and keys, so its tests can point it at the sandbox.
 */

/** @typedef {{ baseUrl: string, accessKey: string, accessKeySecret: string }} GongConfig */

export class GongRefused extends Error {
  /**
   * @param {number} status
   * @param {readonly string[]} errors
   */
  constructor(status, errors) {
    super(`Gong answered ${status}: ${errors.join("; ")}`);
    this.status = status;
  }
}

/**
 * POST /v2/calls; resolves to Gong's callId.
 * @param {GongConfig} config
 * @param {Record<string, unknown>} request
 * @returns {Promise<string>}
 */
export async function addCall(config, request) {
  const res = await fetch(`${config.baseUrl}/v2/calls`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${config.accessKey}:${config.accessKeySecret}`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(request),
  });
  const body = /** @type {{ callId?: string, errors?: string[] }} */ (await res.json());
  if (!res.ok || body.callId === undefined) throw new GongRefused(res.status, body.errors ?? []);
  return body.callId;
}
