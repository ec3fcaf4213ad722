/**
 * An instant as Gong writes date-times: UTC `YYYY-MM-DDTHH:mm:ssZ`, fractions of a second dropped
 * (`2024-05-01T14:30:00.900Z` → `2024-05-01T14:30:00Z`). Throws RangeError for an invalid date.
 */
export function formatGongDateTime(value: Date | number): string {
  const ms = typeof value === "number" ? value : value.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The canonical form of an IPv6 literal (`0:0:0:0:0:0:0:1` → `::1`), or undefined when it is not one. */
function canonicalIpv6(host: string): string | undefined {
  if (!host.includes(":")) return undefined;
  try {
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * True for a loopback host: `localhost` and `*.localhost`, 127.0.0.0/8, `::1` in any spelling, and IPv4-mapped
 * loopback (`::ffff:127.0.0.1`). Brackets around an IPv6 literal and a trailing dot are ignored; case is ignored.
 * Other spellings of an address (`2130706433`, `0x7f.1`) are not recognised: treat them as non-loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = IPV4.exec(host);
  if (v4 !== null) return v4[1] === "127" && v4.slice(2).every((octet) => Number(octet) <= 255);
  const v6 = canonicalIpv6(host);
  if (v6 === undefined) return false;
  if (v6 === "::1") return true;
  // IPv4-mapped: URL canonicalises ::ffff:127.0.0.1 to ::ffff:7f00:1; 127.0.0.0/8 is 7f00:0 to 7fff:ffff.
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v6);
  return mapped?.[1] !== undefined && parseInt(mapped[1], 16) >> 8 === 0x7f;
}
