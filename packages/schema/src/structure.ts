import type { ValidationIssue } from "./issues.js";
import { formatPath } from "./validate.js";

/**
 * How deeply a request may nest objects and arrays, the request object itself being level 1: the same limit as the
 * sandbox's JSON bodies (a Gong-compatible server refuses deeper JSON before it reads it).
 */
export const MAX_REQUEST_DEPTH = 64;

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Where a string has a UTF-16 surrogate without its pair (Gong stores it as U+FFFD, so the value read back differs
 * from the one sent), or -1. One linear pass.
 */
export function unpairedSurrogateIndex(value: string): number {
  return UNPAIRED_SURROGATE.exec(value)?.index ?? -1;
}

function surrogateRule(value: string, index: number): string {
  const unit = value.charCodeAt(index).toString(16).padStart(4, "0");
  return `contains an unpaired UTF-16 surrogate (\\u${unit} at index ${index})`;
}

interface Node {
  value: unknown;
  key: PropertyKey | undefined;
  parent: Node | undefined;
  depth: number;
}

function pathOf(node: Node): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
  return keys.reverse();
}

function issue(path: readonly PropertyKey[], rule: string): ValidationIssue {
  const p = formatPath(path);
  return { path: p, rule, message: `${p}: ${rule}` };
}

/**
 * The rules every value of a request obeys, whatever its field: objects and arrays nested at most
 * {@link MAX_REQUEST_DEPTH} levels, and no string (value or key) with an unpaired UTF-16 surrogate. One pass over the
 * value with an explicit stack (no recursion), each node visited once; a value nested too deeply is named once and not
 * descended into.
 */
export function structureIssues(input: unknown, maxDepth = MAX_REQUEST_DEPTH): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const stack: Node[] = [{ value: input, key: undefined, parent: undefined, depth: 0 }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value } = node;
    if (typeof value === "string") {
      const at = unpairedSurrogateIndex(value);
      if (at !== -1) out.push(issue(pathOf(node), surrogateRule(value, at)));
      continue;
    }
    if (typeof value !== "object" || value === null || value instanceof Date) continue;
    const depth = node.depth + 1;
    if (depth > maxDepth) {
      out.push(issue(pathOf(node), `is nested deeper than ${maxDepth} levels (a request may nest objects and arrays at most ${maxDepth} levels)`));
      continue;
    }
    const children: Node[] = [];
    if (Array.isArray(value)) {
      value.forEach((child: unknown, i) => children.push({ value: child, key: i, parent: node, depth }));
    } else {
      for (const [key, child] of Object.entries(value)) {
        const at = unpairedSurrogateIndex(key);
        const keyNode: Node = { value: child, key, parent: node, depth };
        if (at !== -1) out.push(issue(pathOf(keyNode), `its name ${surrogateRule(key, at)}`));
        children.push(keyNode);
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Node);
  }
  return out;
}

/** Whether a JSON text nests arrays/objects deeper than `max` (one linear pass; strings skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
