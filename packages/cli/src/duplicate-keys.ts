interface Frame {
  keys: Set<string> | undefined;
  expectKey: boolean;
}

export interface DuplicateKey {
  key: string;
  /** 1-based line of the repeated key. */
  line: number;
}

/**
 * The first key repeated within one object of a valid JSON text, or undefined. JSON.parse keeps the last value of a
 * repeated key without a word, so `{"clientUniqueId":"a", …, "clientUniqueId":"b"}` would be sent as "b". One pass
 * with an explicit stack, however deep the text nests.
 */
export function firstDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x0a) line++;
    else if (c === 0x7b) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 0x5b) stack.push({ keys: undefined, expectKey: false });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && top?.keys !== undefined) top.expectKey = true;
    else if (c === 0x22) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { key, line };
        top.keys.add(key);
        top.expectKey = false;
      }
    }
  }
  return undefined;
}
