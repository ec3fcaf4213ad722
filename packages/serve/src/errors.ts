/**
 * The relay's errors alone: this entry point loads nothing else (no fastify, SQLite or queue), so code that only
 * needs to recognise them (e.g. to choose an exit code) stays light. The same classes are exported by the main entry.
 */

/**
 * The relay cannot start with what it was given: a data directory or watch folder it cannot use, an address it
 * cannot listen on. The message names the path or address and the reason; nothing was accepted.
 */
export class RelaySetupError extends Error {
  override readonly name: string = "RelaySetupError";
}

/** The data directory is used by another running relay. */
export class OutboxBusyError extends RelaySetupError {
  override readonly name = "OutboxBusyError";
  constructor(path: string) {
    super(`${path} is in use by another running relay (one relay per data directory: stop the other one or give another --data)`);
  }
}

/** The outbox belongs to another Gong (base URL or credentials): its calls must not be sent elsewhere. */
export class OutboxBindingError extends RelaySetupError {
  override readonly name = "OutboxBindingError";
}

/** The watch folder is watched by another running relay. */
export class WatchFolderBusyError extends RelaySetupError {
  override readonly name = "WatchFolderBusyError";
  constructor(path: string) {
    super(`the watch folder ${path} is watched by another running relay (one relay per watch folder: stop the other one or give another --watch)`);
  }
}

/** The reason of a file-system or socket error in words, with its code: "no such file or directory (ENOENT)". */
export function reasonOf(err: unknown): string {
  const code = err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const words: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "a part of the path is not a directory",
    EEXIST: "a file is in the way",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    ELOOP: "a symbolic link, refused (or a loop of them)",
    EISDIR: "it is a directory, not a file",
    ENAMETOOLONG: "the name is too long",
    EADDRINUSE: "the port is in use by another program",
    EADDRNOTAVAIL: "the address is not one of this machine's",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "no such host",
  };
  if (code !== undefined) return `${words[code] ?? "cannot be used"} (${code})`;
  return err instanceof Error ? err.message : String(err);
}
