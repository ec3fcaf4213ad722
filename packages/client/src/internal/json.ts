/** Keys whose numeric values are ids: kept as strings, never as JS numbers. */
const ID_KEY = /^(id|.*Id|.*Ids)$/;
const NOT_ID_KEYS = new Set(["mediaChannelId"]);

function isIdKey(key: string): boolean {
  return ID_KEY.test(key) && !NOT_ID_KEYS.has(key);
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** An open array or object while its members are read. */
interface Frame {
  container: unknown[] | Record<string, unknown>;
  isArray: boolean;
  /** For an object: the key whose value is being read. */
  key: string;
  /** For an array: whether its numbers are ids (the array sits under an id key, directly or through arrays). */
  asId: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of two parsed values (a key repeated with the same value is not an error). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, k) => deepEqual(item, b[k]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Parses JSON without losing integer precision: integers beyond Number.MAX_SAFE_INTEGER become strings, and
 * integers under an id key (`id`, `…Id`, `…Ids`, except `mediaChannelId`; in arrays under such a key too) become
 * strings. Other numbers are JS numbers (`1e400` is Infinity). Strict JSON, one pass, no recursion (any depth); a key
 * repeated with a different value is a SyntaxError; `__proto__` is an ordinary key. Throws SyntaxError naming the
 * position.
 */
export function parseJson(text: string): unknown {
  const length = text.length;
  let i = 0;
  const stack: Frame[] = [];

  const fail = (what: string): never => {
    const got = i < length ? `'${text[i] ?? ""}'` : "the end of the input";
    throw new SyntaxError(`${what} expected at position ${String(i)}, got ${got}`);
  };
  const skipWhitespace = (): void => {
    while (i < length && isWhitespace(text.charCodeAt(i))) i++;
  };
  const parseString = (): string => {
    // text[i] is the opening quote.
    i++;
    let out = "";
    let from = i;
    for (;;) {
      if (i >= length) fail("'\"'");
      const code = text.charCodeAt(i);
      if (code === QUOTE) break;
      if (code < 0x20) fail("a string character (control characters must be escaped)");
      if (code !== BACKSLASH) {
        i++;
        continue;
      }
      out += text.slice(from, i);
      const next = text[i + 1] ?? "";
      const short = SHORT_ESCAPES[next];
      if (short !== undefined) {
        out += short;
        i += 2;
      } else if (next === "u") {
        for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) fail("a \\u escape of four hex digits");
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        i++;
        fail("a valid escape character");
      }
      from = i;
    }
    out += text.slice(from, i);
    i++;
    return out;
  };
  const expectDigit = (): void => {
    if (!isDigit(text.charCodeAt(i))) fail("a digit");
  };
  const parseNumber = (asId: boolean): number | string => {
    const start = i;
    let integer = true;
    if (text.charCodeAt(i) === MINUS) i++;
    if (text.charCodeAt(i) === ZERO) i++;
    else {
      expectDigit();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text.charCodeAt(i) === DOT) {
      integer = false;
      i++;
      expectDigit();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      i++;
      const sign = text.charCodeAt(i);
      if (sign === MINUS || sign === PLUS) i++;
      expectDigit();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const literal = text.slice(start, i);
    if (integer && (asId || !Number.isSafeInteger(Number.parseInt(literal, 10)))) return literal;
    return Number(literal);
  };
  const parseKey = (frame: Frame): void => {
    skipWhitespace();
    if (text.charCodeAt(i) !== QUOTE) fail("a quoted object key");
    frame.key = parseString();
    skipWhitespace();
    if (text.charCodeAt(i) !== COLON) fail("':'");
    i++;
  };
  const attach = (frame: Frame, value: unknown): void => {
    if (Array.isArray(frame.container)) {
      frame.container.push(value);
      return;
    }
    const object = frame.container;
    const { key } = frame;
    if (Object.hasOwn(object, key)) {
      if (!deepEqual(object[key], value)) throw new SyntaxError(`Duplicate key '${key}' with a different value before position ${String(i)}`);
      return;
    }
    // Like JSON.parse: "__proto__" is an own property, not the prototype.
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  };

  for (;;) {
    // A value starts here.
    skipWhitespace();
    const top = stack[stack.length - 1];
    const asId = top === undefined ? false : top.isArray ? top.asId : isIdKey(top.key);
    const code = text.charCodeAt(i);
    let value: unknown;
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      i++;
      skipWhitespace();
      const isArray = code === OPEN_BRACKET;
      if (text.charCodeAt(i) === (isArray ? CLOSE_BRACKET : CLOSE_BRACE)) {
        i++;
        value = isArray ? [] : {};
      } else {
        const frame: Frame = { container: isArray ? [] : {}, isArray, key: "", asId };
        stack.push(frame);
        if (!isArray) parseKey(frame);
        continue;
      }
    } else if (code === QUOTE) {
      value = parseString();
    } else if (code === MINUS || isDigit(code)) {
      value = parseNumber(asId);
    } else if (text.startsWith("true", i)) {
      i += 4;
      value = true;
    } else if (text.startsWith("false", i)) {
      i += 5;
      value = false;
    } else if (text.startsWith("null", i)) {
      i += 4;
      value = null;
    } else {
      fail("a JSON value");
    }
    // A value is complete: attach it, and close every container it completes.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        skipWhitespace();
        if (i < length) fail("the end of the input");
        return value;
      }
      attach(frame, value);
      skipWhitespace();
      const next = text.charCodeAt(i);
      if (next === COMMA) {
        i++;
        if (!frame.isArray) parseKey(frame);
        break;
      }
      if (next !== (frame.isArray ? CLOSE_BRACKET : CLOSE_BRACE)) fail(frame.isArray ? "',' or ']'" : "',' or '}'");
      i++;
      stack.pop();
      value = frame.container;
    }
  }
}

/** JSON.stringify that writes bigint values as strings (ids may be given as bigint). */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
