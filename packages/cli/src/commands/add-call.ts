import { Command } from "commander";
import { checkMediaFile } from "@gong-connector/client/advanced";
import { action } from "../action.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";

interface AddCallFlags {
  input: string;
  media?: string;
  dryRun?: boolean;
  allowAnyFormat?: boolean;
  checkUrl?: boolean;
  checkUser?: boolean;
  baseUrl?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export function addCallCommand(): Command {
  return new Command("add-call")
    .description("Add a call to Gong (POST /v2/calls) from a JSON request with Gong's field names; with --media, upload its recording too.")
    .requiredOption("-i, --input <file>", "the Add call request as JSON; - reads stdin")
    .option("-m, --media <file>", "a recording to upload after the call is added (wav, mp3, mp4, mkv, flac; ≤ 1.5 GB)")
    .option("--dry-run", "validate and print the request; send nothing")
    .option("--allow-any-format", "upload media of other extensions as application/octet-stream")
    .option("--check-url", "before sending, HEAD the downloadMediaUrl: 2xx, an audio/video Content-Type, ≤ 1.5 GB")
    .option("--check-user", "before sending, find the primary user in Gong (active, call import on); costs requests")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .option("-q, --quiet", "no progress on stderr")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .addHelpText(
      "after",
      `
Credentials come from the environment only: GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN;
GONG_BASE_URL is your tenant's API URL. Prints {"callId","requestId"} on stdout, plus "duplicate":true when Gong
already had a call with this clientUniqueId (nothing new was created; callId is that call), "recovered":true when
the request failed without an answer and a look-up found the call created, and with --media "media":{"requestId","url"}
(url: the call's page; "media":null when the call went in but the upload failed). Running it again is safe.
The primary user's id: \`gong-connector users\` (in the sandbox, 7782342274025937895 is the README's example user).
Exit codes: 0 done (also a duplicate), 2 invalid input (nothing sent), 3 Gong refused, 4 gave up after retries,
130 interrupted.

Examples:
  $ gong-connector add-call --input call.json --dry-run
  $ gong-connector add-call --input call.json --media examples/media/demo-call.wav
  $ cat call.json | gong-connector add-call --input -`,
    )
    .action(
      action(async (flags: AddCallFlags) => {
        // Loaded here, not at start-up: the schema (zod) costs every other command nothing.
        const { addCall, addCallWithMedia, parseAddCallRequest } = await import("@gong-connector/client");
        const { readJsonInput } = await import("../input.js");
        const { clientFromEnvironment, cliWaits } = await import("../client.js");
        const input = await readJsonInput(flags.input);
        const request = parseAddCallRequest(input);
        if (flags.dryRun === true) {
          if (flags.media !== undefined) await checkMediaFile(flags.media, { allowAnyFormat: flags.allowAnyFormat === true });
          printError(`gong-connector: the request is valid${flags.media !== undefined ? " and so is the media file" : ""}; nothing was sent (--dry-run)`);
          printJson(request, true);
          return EXIT.ok;
        }
        const client = clientFromEnvironment(flags);
        const common = {
          ...cliWaits().addCall,
          signal: interruptSignal(),
          checkDownloadUrl: flags.checkUrl === true,
          checkPrimaryUser: flags.checkUser === true,
          onWarning: (message: string) => {
            printError(`gong-connector: warning: ${message}`);
          },
        };
        if (flags.media === undefined) {
          printJson(await addCall(client, request, common));
          return EXIT.ok;
        }
        const { uploadProgress } = await import("../progress.js");
        const progress = uploadProgress(flags.quiet !== true);
        try {
          printJson(
            await addCallWithMedia(client, {
              ...common,
              request,
              media: flags.media,
              allowAnyFormat: flags.allowAnyFormat === true,
              onProgress: progress.update,
            }),
          );
        } finally {
          progress.stop();
        }
        return EXIT.ok;
      }),
    );
}
