import { readFile, stat } from "node:fs/promises";

/**
 * A small UTF-8 text file read whole (a leading byte-order mark dropped), or why it cannot be: "no such file",
 * "permission denied", "is not a file", "is larger than <sizeLabel>", "is not UTF-8 text", "cannot be read (<code>)".
 */
export async function readSmallTextFile(path: string, maxBytes: number, sizeLabel: string): Promise<{ text: string } | { problem: string }> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return { problem: "is not a file" };
    if (st.size > maxBytes) return { problem: `is larger than ${sizeLabel}` };
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path)).replace(/^\uFEFF/, "") };
  } catch (err) {
    const code = err instanceof Error && "code" in err ? String(err.code) : undefined;
    const problem =
      code === "ENOENT" ? "no such file"
      : code === "EACCES" ? "permission denied"
      : code === undefined || code === "ERR_ENCODING_INVALID_ENCODED_DATA" ? "is not UTF-8 text"
      : `cannot be read (${code})`;
    return { problem };
  }
}
