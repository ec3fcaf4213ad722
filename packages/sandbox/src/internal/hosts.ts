/**
 * Which Host headers the sandbox answers: the names it was started for, so a DNS-rebinding page (a name the
 * attacker controls, re-pointed at 127.0.0.1) cannot read its pages or API.
 */
import { isLoopbackHost } from "@gong-connector/schema";
import ipaddr from "ipaddr.js";
import { isIP, type AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { parseHost, type HostName } from "./host-name.js";

export { parseHost, type HostName };

/** An accepted host: a name, on one port or (port undefined) on any. */
export type HostRule = HostName;

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"] as const;

function isUnspecified(ip: string): boolean {
  return isIP(ip) !== 0 && ipaddr.process(ip).range() === "unspecified";
}

export interface HostRuleInput {
  /** The host the sandbox was asked to listen on (a name or an address), if known. */
  listenHost: string | undefined;
  /** The address and port it is bound to; undefined before it listens (then any port is accepted). */
  bound: AddressInfo | undefined;
  /** The public base URL, whose host (and port) is accepted too. */
  baseUrl: string | undefined;
  /** Extra names (`name` for any port or `name:port`). */
  allowedHosts: readonly string[];
}

/** The hosts a sandbox answers to (see docs/sandbox.md, "Host names"). */
export function hostRules(input: HostRuleInput): HostRule[] {
  const rules: HostRule[] = [];
  const port = input.bound?.port;
  const add = (name: string, p: number | undefined): void => {
    const parsed = parseHost(isIP(name) === 6 ? `[${name}]` : name);
    if (parsed !== undefined) rules.push({ name: parsed.name, port: p });
  };
  const addresses = [input.listenHost, input.bound?.address].filter((a): a is string => a !== undefined && a !== "");
  let loopback = input.bound === undefined && input.listenHost === undefined;
  for (const a of addresses) {
    const bare = a.replace(/^\[|\]$/g, "").toLowerCase();
    if (isUnspecified(bare)) {
      loopback = true;
      for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) add(info.address, port);
    } else {
      add(bare, port);
      if (isLoopbackHost(bare)) loopback = true;
    }
  }
  if (loopback) for (const name of LOOPBACK_NAMES) add(name, port);
  if (input.baseUrl !== undefined) {
    const url = new URL(input.baseUrl);
    const host = parseHost(url.host);
    if (host !== undefined) rules.push({ name: host.name, port: host.port ?? (url.protocol === "https:" ? 443 : 80) });
  }
  for (const entry of input.allowedHosts) {
    const host = parseHost(entry);
    if (host === undefined) throw new Error(invalidAllowedHost(entry));
    rules.push(host);
  }
  return rules;
}

export function invalidAllowedHost(entry: string): string {
  return `allowedHosts: '${entry.slice(0, 100)}' is not a host name or IP address with an optional :port`;
}

/**
 * Whether a Host header value names one of `rules`. A Host without a port matches a rule on port 80 or 443 (a
 * proxy in front may speak https while the sandbox itself speaks http).
 */
export function hostAllowed(header: string, rules: readonly HostRule[]): boolean {
  const host = parseHost(header);
  if (host === undefined) return false;
  return rules.some(
    (r) => r.name === host.name && (r.port === undefined || (host.port === undefined ? r.port === 80 || r.port === 443 : r.port === host.port)),
  );
}
