// Which partner URLs a region may fetch (server-side request forgery). A partner's public URL, key set,
// webhook and API URL are typed by an admin and later fetched by the region's functions, so a URL such as
// http://169.254.169.254/… or http://10.0.0.1/x would make the region read its own metadata service or
// internal network. The rule (docs/security.md): https only, and every address the host stands for is a
// public unicast address — checked here on the written URL and again on the resolved addresses at fetch
// time (functions/adapters/guarded-http.ts). The local cloud alone may allow named loopback hosts, over
// plain http, for the regions it runs itself.
import ipaddr from 'ipaddr.js';

export interface PartnerUrlPolicy {
  /**
   * Hosts (IP literals) allowed although they are loopback, over http or https. Empty in a deployed
   * region; the local cloud passes ['127.0.0.1'] through SKILLCERT_LOOPBACK_PARTNER_HOSTS.
   */
  loopbackHosts: readonly string[];
}

export const DEPLOYED_POLICY: PartnerUrlPolicy = { loopbackHosts: [] };

/**
 * Whether an IP address is public: a global unicast address, not loopback, private (10/8, 172.16/12,
 * 192.168/16, fc00::/7 — fd00:ec2::254 included), link-local (169.254/16 — the metadata service —,
 * fe80::/10), carrier-grade NAT, multicast, reserved, documentation, benchmarking or unspecified. An IPv6
 * address embedding an IPv4 one (mapped, NAT64, 6to4, Teredo) is not treated as public either.
 */
export function isPublicAddress(address: string): boolean {
  const text = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(text)) return false;
  // ipaddr.parse reads only the address; a zone id (%eth0) makes it link-local anyway.
  const parsed = ipaddr.parse(text);
  return parsed.range() === 'unicast';
}

/** The host of a URL as the WHATWG parser canonicalises it (0x7f.1, 2130706433 and 0177.0.0.1 → 127.0.0.1). */
export function canonicalHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host) && (host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host));
}

/**
 * Why a partner URL may not be fetched, judged on the URL alone, or undefined when it may be (names are
 * resolved and judged again at fetch time). The reasons are English; callers name the field.
 */
export function partnerUrlProblem(value: string, policy: PartnerUrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const host = canonicalHost(url);
  const allowedLoopback = policy.loopbackHosts.includes(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowedLoopback)) return 'must be https';
  if (allowedLoopback) return undefined;
  if (isIpLiteral(host)) {
    return isPublicAddress(host) ? undefined : 'must not name a loopback, private or link-local address';
  }
  // A name that can only mean this machine or the local network.
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    !host.includes('.') ||
    /\.(local|internal)$/.test(host)
  )
    return 'must name a public host';
  return undefined;
}

/**
 * Why the addresses a host name resolved to may not be connected to, or undefined when all are public.
 * No exception for the local cloud: its loopback host is allowed only when the URL names it literally.
 */
export function resolvedAddressProblem(host: string, addresses: readonly string[]): string | undefined {
  if (addresses.length === 0) return `${host} resolves to no address`;
  const bad = addresses.filter((a) => !isPublicAddress(a));
  return bad.length > 0 ? `${host} resolves to a non-public address (${bad.join(', ')})` : undefined;
}
