/** Small statistics and formatting helpers for the benchmark report. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] ?? hi;
  return (lo + hi) / 2;
}

export const MB = 1024 * 1024;

/** Bytes as MiB with one decimal ("83.2 MB"; the report says MB for MiB, as `ps` and `top` do). */
export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Signed MiB difference ("+3.1 MB"). */
export function mbDelta(bytes: number): string {
  const v = bytes / MB;
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)} MB`;
}

/** Bytes per second as MB/s (MiB). */
export function mbps(bytesPerSecond: number): string {
  return `${(bytesPerSecond / MB).toFixed(0)} MB/s`;
}

export function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}

/** A count with thousands separators. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function ms(n: number): string {
  return n >= 100 ? `${n.toFixed(0)} ms` : `${n.toFixed(1)} ms`;
}

/** Human file size in decimal units, as the targets are stated (1.5 GB = 1,500,000,000 bytes). */
export function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(bytes % 1e8 === 0 ? 1 : 2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

/** "✅" when a target is met, "❌" when it is not. */
export function verdict(ok: boolean): string {
  return ok ? "✅ met" : "❌ missed";
}
