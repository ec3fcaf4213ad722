import { formatGongDateTime } from "@gong-connector/schema";
import { Command } from "commander";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GongClient, type AddCallRequestInput } from "@gong-connector/client";
import { SEED_USERS } from "@gong-connector/sandbox";
// The server (fastify, SQLite) is loaded only when the command runs, so other commands start fast.
import type { StartSandboxOptions } from "@gong-connector/sandbox";
import { generateConversationWav } from "@gong-connector/sandbox";
import { action } from "../action.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError } from "../output.js";
import { parsePort, startSandboxForCli, untilAborted } from "./sandbox.js";

interface DemoFlags {
  once?: boolean;
  port: number;
  data?: string;
}



/** The demo's Add call request: a host from the seeded users, a customer, CRM context and who spoke when. */
export function demoCallRequest(segments: { speaker: number; fromMs: number; toMs: number }[], durationMs: number): Record<string, unknown> {
  const now = new Date();
  now.setUTCMilliseconds(0);
  return {
    clientUniqueId: `demo-${now.getTime()}-${Math.random().toString(36).slice(2, 8)}`,
    actualStart: formatGongDateTime(now),
    title: "Discovery call with Acme Corp",
    purpose: "Discovery",
    direction: "Outbound",
    duration: durationMs / 1000,
    primaryUser: SEED_USERS.host,
    languageCode: "en-US",
    parties: [
      { userId: SEED_USERS.host, name: "Ada Lovelace", emailAddress: "ada.lovelace0@sandbox.example.com", partyId: "rep" },
      {
        name: "Grace Hopper",
        emailAddress: "grace@acme.example.org",
        phoneNumber: "+14155550100",
        partyId: "customer",
        context: [{ system: "Salesforce", objects: [{ objectType: "Contact", objectId: "0038d00000XyZ12AAB" }] }],
      },
    ],
    context: [
      {
        system: "Salesforce",
        objects: [
          { objectType: "Opportunity", objectId: "0068d00000AbCdEAAB" },
          { objectType: "Account", objectId: "0018d00000QwErTAAB" },
        ],
      },
    ],
    speakersTimeline: {
      precise: true,
      speechSegments: segments.map((s) => ({ fromTime: s.fromMs, toTime: s.toMs, partyIds: [s.speaker === 0 ? "rep" : "customer"] })),
    },
  };
}

export function demoCommand(): Command {
  return new Command("demo")
    .description("Start a local sandbox, add a call with a generated two-speaker recording through the library, print its page's URL.")
    .option("--once", "exit after printing (the sandbox stops; its temp data is removed)")
    .option("-p, --port <port>", "sandbox port (0 = any free port)", parsePort, 0)
    .option("-d, --data <dir>", "sandbox data dir (default: a temp dir removed on exit)")
    .addHelpText(
      "after",
      `
Prints {"url","callId","requestId","baseUrl",…} on stdout; open "url" in a browser to see the call and play it.
Keeps serving until Ctrl-C unless --once.

Examples:
  $ gong-connector demo                 # then open the printed URL; Ctrl-C to stop
  $ gong-connector demo --port 8787     # a fixed port
  $ gong-connector demo --once          # print and exit (CI smoke test)`,
    )
    .action(
      action(async (flags: DemoFlags) => {
        const opts: StartSandboxOptions = { host: "127.0.0.1", port: flags.port };
        if (flags.data !== undefined) opts.dataDir = flags.data;
        const { addCall, addCallMedia } = await import("@gong-connector/client");
        const sb = await startSandboxForCli(opts, { host: "127.0.0.1", port: flags.port, oauthPort: 0 });
        if (typeof sb === "number") return sb;
        const work = await mkdtemp(join(tmpdir(), "gong-demo-"));
        try {
          const { wav, segments, durationMs } = generateConversationWav({ speakers: 2, turns: 8, turnMs: 1200, gapMs: 200 });
          const file = join(work, "demo-call.wav");
          await writeFile(file, wav);
          const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } });
          const signal = interruptSignal();
          const call = await addCall(client, demoCallRequest(segments, durationMs) as AddCallRequestInput, { signal });
          const media = await addCallMedia(client, { callId: call.callId, filePath: file }, { signal });
          process.stdout.write(
            `${JSON.stringify({
              url: media.url,
              callId: call.callId,
              requestId: call.requestId,
              mediaRequestId: media.requestId,
              baseUrl: sb.baseUrl,
              accessKey: sb.accessKey,
              accessKeySecret: sb.accessKeySecret,
            })}\n`,
          );
          printError(`Call page: ${media.url}`);
          if (flags.once !== true) {
            printError("Sandbox running; Ctrl-C to stop");
            await untilAborted(signal);
          }
          return EXIT.ok;
        } finally {
          await rm(work, { recursive: true, force: true });
          await sb.close();
        }
      }),
    );
}
