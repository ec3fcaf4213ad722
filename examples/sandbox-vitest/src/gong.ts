/**
 * The code under test: a small module of "your" application that sends a call and its recording to Gong with
 * fetch. It is given the base URL and keys, so its tests can point it at the sandbox.
 */
export interface GongConfig {
  baseUrl: string;
  accessKey: string;
  accessKeySecret: string;
}

export class GongRefused extends Error {
  readonly status: number;
  constructor(status: number, errors: readonly string[]) {
    super(`Gong answered ${status}: ${errors.join("; ")}`);
    this.status = status;
  }
}

function authorization(config: GongConfig): string {
  return `Basic ${Buffer.from(`${config.accessKey}:${config.accessKeySecret}`).toString("base64")}`;
}

async function refusal(res: Response): Promise<GongRefused> {
  const body = (await res.json().catch(() => ({}))) as { errors?: string[] };
  return new GongRefused(res.status, body.errors ?? []);
}

/** POST /v2/calls; retries a 5xx twice; resolves to Gong's callId. */
export async function addCall(config: GongConfig, request: Record<string, unknown>): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${config.baseUrl}/v2/calls`, {
      method: "POST",
      headers: { authorization: authorization(config), "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    if (res.ok) return ((await res.json()) as { callId: string }).callId;
    if (res.status < 500 || attempt === 3) throw await refusal(res);
    await res.arrayBuffer();
  }
}

/** PUT /v2/calls/{id}/media with the recording as the multipart part `mediaFile`. */
export async function uploadRecording(config: GongConfig, callId: string, recording: Uint8Array, fileName: string): Promise<void> {
  const form = new FormData();
  form.append("mediaFile", new Blob([recording]), fileName);
  const res = await fetch(`${config.baseUrl}/v2/calls/${callId}/media`, {
    method: "PUT",
    headers: { authorization: authorization(config) },
    body: form,
  });
  if (!res.ok) throw await refusal(res);
  await res.arrayBuffer();
}
