import { clientFromEnv, type GongClient, type GongLogger } from "../client/index.js";
import { printError } from "./output.js";

export interface ClientFlags {
  baseUrl?: string | undefined;
  verbose?: boolean | undefined;
}

/** stderr logger for --verbose; the client redacts credentials before it logs. */
export const stderrLogger = (verbose: boolean): GongLogger => ({
  warn: (msg) => {
    printError(`gong-connector: warning: ${msg}`);
  },
  ...(verbose && {
    debug: (msg: string, data?: object) => {
      printError(`gong-connector: ${msg}${data === undefined ? "" : ` ${JSON.stringify(data)}`}`);
    },
  }),
});

/** A client from GONG_BASE_URL and GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN (never flags). */
export function clientFromEnvironment(flags: ClientFlags = {}): GongClient {
  return clientFromEnv(process.env, {
    ...(flags.baseUrl !== undefined && { baseURL: flags.baseUrl }),
    logger: stderrLogger(flags.verbose === true),
  });
}
