/** Characters that would move the cursor, ring the bell or reorder text on a terminal. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Text from a server made safe to print: its first `max` UTF-16 units (no half surrogate pair), with control
 * and bidirectional-override characters escaped as `\n`, `\t`, `\u001b`. Cost linear in `max`, whatever the text.
 */
export function printableExcerpt(text: string, max = 500): string {
  let cut = text.length > max ? text.slice(0, max) : text;
  if (cut.length > 0 && cut.length < text.length) {
    const last = cut.charCodeAt(cut.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  }
  return cut.replace(UNPRINTABLE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
