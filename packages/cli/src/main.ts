#!/usr/bin/env node
import { processMustEnd } from "./exit.js";
import { run } from "./program.js";

// A reader that stops early (`gong-connector … | head`) closes the pipe: stop quietly instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

process.exitCode = await run(process.argv);
if (processMustEnd()) process.exit(process.exitCode);
