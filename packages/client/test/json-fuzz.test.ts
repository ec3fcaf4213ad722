/**
 * The JSON parser against lossless-json (a devDependency, used only here as the reference): the same values for
 * every generated text — numbers of every shape, escapes, unicode, deep nesting — and an error for the same texts.
 */
import fc from "fast-check";
import { isLosslessNumber, isSafeNumber, parse } from "lossless-json";
import { describe, expect, it } from "vitest";
import { parseJson } from "../src/internal/json.js";

/** What the client did with lossless-json: ids and unsafe integers as strings, other numbers as numbers. */
function reference(text: string): unknown {
  const idKey = (key: string | undefined) => key !== undefined && /^(id|.*Id|.*Ids)$/.test(key) && key !== "mediaChannelId";
  const convert = (value: unknown, key: string | undefined): unknown => {
    if (isLosslessNumber(value)) {
      const literal = value.value;
      return /^-?[0-9]+$/.test(literal) && (idKey(key) || !isSafeNumber(literal)) ? literal : Number(literal);
    }
    if (Array.isArray(value)) return value.map((item: unknown) => convert(item, key));
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, k)]));
    return value;
  };
  const parsed = parse(text);
  // lossless-json's duplicate-key check calls [] and {} (and [{}] and [[]]) equal; ours, rightly, does not.
  if (repeatsKeyWithOtherShape(text)) throw new SyntaxError("Duplicate key with a different value");
  return convert(parsed, undefined);
}

/**
 * Whether a valid JSON text repeats a key in one object with values that differ in which containers are arrays
 * and which are objects (the one case where lossless-json accepts a duplicate key with a different value).
 */
function repeatsKeyWithOtherShape(text: string): boolean {
  let i = 0;
  let found = false;
  const skipWs = (): void => {
    while (i < text.length && " \t\n\r".includes(text.charAt(i))) i++;
  };
  const str = (): string => {
    const start = i++;
    while (text.charAt(i) !== '"') i += text.charAt(i) === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): unknown => {
    skipWs();
    const c = text.charAt(i);
    if (c === "{") {
      i++;
      const members = new Map<string, unknown>();
      skipWs();
      if (text.charAt(i) === "}") {
        i++;
        return members;
      }
      for (;;) {
        skipWs();
        const key = str();
        skipWs();
        i++; // :
        const v = value();
        if (members.has(key) && !sameShape(members.get(key), v)) found = true;
        members.set(key, v);
        skipWs();
        if (text.charAt(i++) === "}") return members;
      }
    }
    if (c === "[") {
      i++;
      const items: unknown[] = [];
      skipWs();
      if (text.charAt(i) === "]") {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        skipWs();
        if (text.charAt(i++) === "]") return items;
      }
    }
    if (c === '"') return str();
    while (i < text.length && !",]} \t\n\r".includes(text.charAt(i))) i++;
    return null; // a number or literal: lossless-json compares those itself
  };
  const sameShape = (a: unknown, b: unknown): boolean => {
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => sameShape(x, b[k]));
    }
    if (a instanceof Map || b instanceof Map) {
      return a instanceof Map && b instanceof Map && a.size === b.size && [...a].every(([k, x]) => b.has(k) && sameShape(x, b.get(k)));
    }
    return true;
  };
  value();
  return found;
}

type Outcome = { ok: true; value: unknown } | { ok: false };

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError);
    return { ok: false };
  }
}

/** Asserts both parsers agree on `text`; answers whether it was valid JSON. */
function expectSame(text: string): boolean {
  const ours = outcome(() => parseJson(text));
  const theirs = outcome(() => reference(text));
  expect(ours.ok, text.slice(0, 200)).toBe(theirs.ok);
  if (ours.ok && theirs.ok) expect(ours.value, text.slice(0, 200)).toEqual(theirs.value);
  return ours.ok;
}

const numberLiteral = fc.oneof(
  fc.constantFrom("0", "-0", "1e400", "-1e400", "1e-400", "12345678901234567890", "-12345678901234567890", "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "0.1", "1E+2", "1.5e-3", "7782342274025937895", "00", "01", "-", "1.", ".5", "1e", "1e+", "+1", "-01", "1.0"),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.nat(99_999), fc.integer({ min: -400, max: 400 })).map(([a, b, e]) => `${a}.${b}e${e}`),
);
const keyArb = fc.oneof(
  fc.constantFrom("id", "callId", "partyIds", "mediaChannelId", "duration", "__proto__", "Id", "ids", "userIds", "a", ""),
  fc.string({ unit: "binary", maxLength: 6 }),
);
const stringLiteral = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u00e9\\ud83d\\ude00"', '"\\ud800"', '"\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\\x41"', '"\\u12"', '"a\nb"', '"\u2028"', '"😀"'),
);
const scalar = fc.oneof(numberLiteral, stringLiteral, fc.constantFrom("true", "false", "null", "nul", "True"));
const ws = fc.constantFrom("", " ", "\n\t\r ", "\u00a0", "");

const { json } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("array"), tie("object")),
  array: fc.tuple(fc.array(tie("json"), { maxLength: 5 }), ws, fc.constantFrom(",", ",", ",", ", ", ",,")).map(([items, w, sep]) => `[${w}${items.join(sep)}${w}]`),
  object: fc
    .tuple(fc.array(fc.tuple(keyArb, tie("json")), { maxLength: 5 }), ws)
    .map(([members, w]) => `{${w}${members.map(([k, v]) => `${JSON.stringify(k)}${w}:${v}`).join(",")}${w}}`),
}));

describe("parseJson agrees with lossless-json", () => {
  it("on generated JSON texts, valid and not (numbers, escapes, unicode, nesting)", () => {
    let valid = 0;
    fc.assert(
      fc.property(json, (text) => {
        if (expectSame(text)) valid++;
      }),
      { numRuns: 5000 },
    );
    // Both kinds are exercised: a generator that only made broken texts would prove little.
    expect(valid).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(4500);
  });

  it("on JSON texts written by JSON.stringify from arbitrary values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(expectSame(JSON.stringify(value))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("on a key repeated with an empty array and an empty object (lossless-json calls them equal)", () => {
    for (const text of ['{"duration":[],"d":0,"duration":{}}', '{"userIds":[],"userIds":{}}', '{"a":[{}],"a":[[]]}']) expect(expectSame(text)).toBe(false);
    for (const text of ['{"a":[],"a":[]}', '{"a":{"b":[1]},"a":{"b":[1]}}']) expect(expectSame(text)).toBe(true);
  });

  it("on texts cut or altered at an arbitrary point", () => {
    const altered = fc.tuple(json, fc.nat(), fc.constantFrom("", "}", "]", ",", '"', "\\", "x", " ", "0")).map(([text, at, insert]) => {
      const k = at % (text.length + 1);
      return text.slice(0, k) + insert + text.slice(k + 1);
    });
    fc.assert(
      fc.property(altered, (text) => {
        expectSame(text);
      }),
      { numRuns: 3000 },
    );
  });

  it("on the numbers that need care", () => {
    for (const n of ["-0", "1e400", "-1e400", "12345678901234567890", "9007199254740992", "9007199254740993", "0.30000000000000004"]) {
      expectSame(n);
      expectSame(`{"id":${n},"duration":${n},"callIds":[${n},[${n}]],"mediaChannelId":${n}}`);
    }
    expect(Object.is(parseJson("-0"), -0)).toBe(true);
    expect(parseJson("1e400")).toBe(Infinity);
    expect(parseJson('{"duration":12345678901234567890,"callId":1}')).toEqual({ duration: "12345678901234567890", callId: "1" });
  });

  it("on duplicate keys: the same value is kept, a different one is an error", () => {
    expect(expectSame('{"a":1,"a":1}')).toBe(true);
    expect(expectSame('{"a":1,"a":2}')).toBe(false);
    expect(() => parseJson('{"a":{"b":[1]},"a":{"b":[2]}}')).toThrow(/Duplicate key 'a'/);
  });

  it("keeps __proto__ as an ordinary key", () => {
    const value = parseJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("parses nesting far deeper than any recursive parser, in one pass", () => {
    const depth = 100_000;
    const text = `${"[".repeat(depth)}{"id":1}${"]".repeat(depth)}`;
    let value = parseJson(text);
    let arrays = 0;
    while (Array.isArray(value)) {
      arrays++;
      value = (value as unknown[])[0];
    }
    expect(arrays).toBe(depth);
    expect(value).toEqual({ id: "1" });
    expect(() => parseJson("[".repeat(depth))).toThrow(SyntaxError);
  });
});
