/** How the sandbox reads a Host header or an allowed-host entry (light: the CLI checks its flags with it). */
import ipaddr from "ipaddr.js";
import { isIP } from "node:net";

export interface HostName {
  /** Lower-case DNS name, or an IP address in canonical form (IPv4-mapped IPv6 as IPv4). */
  name: string;
  /** Explicit port; undefined when none was given. */
  port: number | undefined;
}

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

function canonicalIp(ip: string): string {
  return ipaddr.process(ip).toString();
}

/**
 * Parses a Host header (`name`, `name:port`, `1.2.3.4:port`, `[::1]:port`) or an allowed-host entry (the same,
 * or a bare IPv6 address). Undefined when it is none of these.
 */
export function parseHost(value: string): HostName | undefined {
  const v = value.trim().toLowerCase();
  if (v.length === 0 || v.length > 300) return undefined;
  let name: string;
  let portText: string | undefined;
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    if (end < 0) return undefined;
    name = v.slice(1, end);
    const rest = v.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (isIP(name) !== 6) return undefined;
  } else if (isIP(v) === 6) {
    name = v;
  } else {
    const colon = v.indexOf(":");
    name = colon < 0 ? v : v.slice(0, colon);
    if (colon >= 0) portText = v.slice(colon + 1);
    if (isIP(name) !== 4 && (name.length > 253 || !DNS_NAME.test(name))) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port > 65_535) return undefined;
  }
  return { name: isIP(name) === 0 ? name : canonicalIp(name), port };
}
