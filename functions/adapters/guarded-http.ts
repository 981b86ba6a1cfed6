// HTTP requests to partner regions that cannot be turned against the region itself (server-side
// request forgery, docs/security.md). The URL is judged as written (https, no private literal), the host
// is resolved, every address it resolves to must be public, and the connection goes to the address that
// was checked — handed to node:http(s) through its `lookup` hook, so a DNS answer cannot change between
// the check and the connect (DNS rebinding). Redirects are never followed: a 3xx is refused.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  canonicalHost,
  type PartnerUrlPolicy,
  partnerUrlProblem,
  resolvedAddressProblem,
} from '../domain/partner-urls.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it stands for (injectable: tests, other resolvers). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** A request refused before it was sent: the URL or the addresses it resolves to are not allowed. */
export class ForbiddenDestination extends Error {
  override readonly name = 'ForbiddenDestination';
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
}

export interface GuardedHttpOptions {
  policy: PartnerUrlPolicy;
  resolver?: Resolver;
}

/** Sends one request to a partner URL under the policy; the status and text of the answer. */
export async function guardedRequest(
  target: string,
  init: GuardedRequest,
  options: GuardedHttpOptions,
): Promise<{ status: number; text: string; headers: IncomingMessage['headers'] }> {
  const problem = partnerUrlProblem(target, options.policy);
  if (problem) throw new ForbiddenDestination(`${target} ${problem}`);
  const url = new URL(target);
  const host = canonicalHost(url);
  const resolver = options.resolver ?? systemResolver;
  const literal = /^[\d.]+$/.test(host) || host.includes(':');
  // A literal address was judged with the URL (the local cloud's own loopback host included); a name is
  // resolved, and every address it stands for must be public.
  const resolved: ResolvedAddress[] = literal
    ? [{ address: host, family: host.includes(':') ? 6 : 4 }]
    : await resolver(host);
  if (!literal) {
    const addressProblem = resolvedAddressProblem(
      host,
      resolved.map((r) => r.address),
    );
    if (addressProblem) throw new ForbiddenDestination(addressProblem);
  }
  const [chosen] = resolved as [ResolvedAddress];
  // Connect to the address just checked, whatever a second resolution would say.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [chosen]);
    } else callback(null, chosen.address, chosen.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const requestOptions: RequestOptions = {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    lookup,
    timeout: init.timeoutMs,
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)),
      init.timeoutMs,
    );
    const req = send(url, requestOptions, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.resume();
        clearTimeout(timer);
        reject(
          new ForbiddenDestination(`${target} answered a redirect (HTTP ${status}); redirects are refused`),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > init.maxBytes) {
          req.destroy(new Error(`${target} answered more than ${init.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
