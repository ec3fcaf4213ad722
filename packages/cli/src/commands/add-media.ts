import { Command } from "commander";
import { action } from "../action.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printJson } from "../output.js";

interface AddMediaFlags {
  callId: string;
  file: string;
  allowAnyFormat?: boolean;
  baseUrl?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export function addMediaCommand(): Command {
  return new Command("add-media")
    .description("Upload a call's recording to Gong (PUT /v2/calls/{id}/media), streamed from disk.")
    .requiredOption("-c, --call-id <id>", "the callId that add-call returned")
    .requiredOption("-f, --file <file>", "the recording (wav, mp3, mp4, mkv, flac; ≤ 1.5 GB)")
    .option("--allow-any-format", "upload other extensions as application/octet-stream")
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .option("-q, --quiet", "no progress on stderr")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .addHelpText(
      "after",
      `
Prints {"requestId","callId","url"} on stdout. Credentials from GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN.

Examples:
  $ gong-connector add-media --call-id 7782342274025937895 --file recording.mp3`,
    )
    .action(
      action(async (flags: AddMediaFlags) => {
        // Loaded here, not at start-up: the client, and the progress bar (cli-progress) only this command and add-call use.
        const { addCallMedia } = await import("@gong-connector/client");
        const { clientFromEnvironment } = await import("../client.js");
        const { uploadProgress } = await import("../progress.js");
        const client = clientFromEnvironment(flags);
        const progress = uploadProgress(flags.quiet !== true);
        try {
          const result = await addCallMedia(client, { callId: flags.callId, filePath: flags.file }, {
            signal: interruptSignal(),
            allowAnyFormat: flags.allowAnyFormat === true,
            onProgress: progress.update,
          });
          printJson({ callId: result.callId, requestId: result.requestId, url: result.url });
        } finally {
          progress.stop();
        }
        return EXIT.ok;
      }),
    );
}
