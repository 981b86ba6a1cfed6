// Server-side request forgery: which partner URLs a region may fetch, judged on the URL as written and
// again on the addresses its host resolves to (an injected resolver), with redirects refused.
import { describe, expect, it } from 'vitest';
import {
  ForbiddenDestination,
  guardedRequest,
  type Resolver,
} from '../../../functions/adapters/guarded-http.js';
import {
  DEPLOYED_POLICY,
  isPublicAddress,
  partnerUrlProblem,
} from '../../../functions/domain/partner-urls.js';

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '223.5.5.5', '2606:4700:4700::1111', '2400:3200::1'])(
    '%s is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.1.2.3'],
    ['private 10/8', '10.0.0.1'],
    ['private 172.16/12', '172.31.255.254'],
    ['private 192.168/16', '192.168.1.1'],
    ['the metadata service', '169.254.169.254'],
    ['link-local', '169.254.0.1'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['unspecified', '0.0.0.0'],
    ['"this network"', '0.1.2.3'],
    ['broadcast', '255.255.255.255'],
    ['multicast', '224.0.0.1'],
    ['documentation', '192.0.2.1'],
    ['benchmarking', '198.18.0.1'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['the IPv6 metadata service', 'fd00:ec2::254'],
    ['IPv6 unique local', 'fc00::1'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-mapped in hex', '::ffff:7f00:1'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['6to4 of a private address', '2002:a00:1::'],
    ['IPv6 documentation', '2001:db8::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['not an address', 'zigong.example'],
  ])('%s (%s) is not public', (_name, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('partnerUrlProblem', () => {
  const local = { loopbackHosts: ['127.0.0.1'] };

  it.each([
    'https://zigong.skillcert.example',
    'https://zigong.skillcert.example/.well-known/jwks.json',
    'https://8.8.8.8/x',
    'https://[2606:4700:4700::1111]/x',
  ])('allows %s', (url) => {
    expect(partnerUrlProblem(url, DEPLOYED_POLICY)).toBeUndefined();
  });

  it.each([
    ['http://zigong.skillcert.example/x', 'must be https'],
    ['ftp://zigong.skillcert.example/x', 'must be https'],
    ['https://169.254.169.254/latest/meta-data', 'must not name a loopback, private or link-local address'],
    ['https://10.0.0.1/x', 'must not name a loopback, private or link-local address'],
    ['https://127.0.0.1/x', 'must not name a loopback, private or link-local address'],
    // the same addresses in decimal, hex, octal and short forms (the URL parser canonicalises them)
    ['https://2130706433/x', 'must not name a loopback, private or link-local address'],
    ['https://0x7f000001/x', 'must not name a loopback, private or link-local address'],
    ['https://0177.0.0.1/x', 'must not name a loopback, private or link-local address'],
    ['https://127.1/x', 'must not name a loopback, private or link-local address'],
    ['https://0xa9.0xfe.0xa9.0xfe/x', 'must not name a loopback, private or link-local address'],
    ['https://[::1]/x', 'must not name a loopback, private or link-local address'],
    ['https://[fd00:ec2::254]/x', 'must not name a loopback, private or link-local address'],
    ['https://[::ffff:169.254.169.254]/x', 'must not name a loopback, private or link-local address'],
    ['https://[::ffff:10.0.0.1]/x', 'must not name a loopback, private or link-local address'],
    ['https://localhost/x', 'must name a public host'],
    ['https://api.localhost/x', 'must name a public host'],
    ['https://intranet/x', 'must name a public host'],
    ['https://metadata.google.internal/x', 'must name a public host'],
    ['https://user:pw@zigong.skillcert.example/x', 'must not carry a user name or password'],
    ['not a url', 'is not a URL'],
  ])('refuses %s: %s', (url, problem) => {
    expect(partnerUrlProblem(url, DEPLOYED_POLICY)).toBe(problem);
  });

  it('allows exactly the local cloud’s loopback host, over http, and nothing else', () => {
    expect(partnerUrlProblem('http://127.0.0.1:4200/.well-known/jwks.json', local)).toBeUndefined();
    expect(partnerUrlProblem('http://2130706433:4200/x', local)).toBeUndefined(); // the same address
    expect(partnerUrlProblem('http://127.0.0.2:4200/x', local)).toBe('must be https');
    expect(partnerUrlProblem('http://localhost:4200/x', local)).toBe('must be https');
    expect(partnerUrlProblem('http://169.254.169.254/x', local)).toBe('must be https');
    expect(partnerUrlProblem('https://10.0.0.1/x', local)).toBe(
      'must not name a loopback, private or link-local address',
    );
  });
});

describe('guardedRequest', () => {
  const init = { timeoutMs: 1000, maxBytes: 1024 };
  const resolvingTo =
    (...addresses: string[]): Resolver =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it.each([
    [['10.0.0.1']],
    [['169.254.169.254']],
    [['127.0.0.1']],
    [['::1']],
    [['fd00:ec2::254']],
    [['::ffff:127.0.0.1']],
    // one bad address among good ones is enough: the connection could go to any of them
    [['8.8.8.8', '192.168.0.10']],
    [[]],
  ])('refuses a public-looking name that resolves to %j, before connecting', async (addresses) => {
    // Refused as a forbidden destination: a connection attempt would fail otherwise (no such server).
    const request = guardedRequest('https://partner.skillcert.example/jwks', init, {
      policy: DEPLOYED_POLICY,
      resolver: async (host) => {
        expect(host).toBe('partner.skillcert.example');
        return resolvingTo(...addresses)(host);
      },
    });
    await expect(request).rejects.toBeInstanceOf(ForbiddenDestination);
  });

  it('does not resolve a literal address, and refuses a private one', async () => {
    const resolver: Resolver = async () => {
      throw new Error('must not resolve');
    };
    await expect(
      guardedRequest('https://[::ffff:a9fe:a9fe]/latest', init, { policy: DEPLOYED_POLICY, resolver }),
    ).rejects.toBeInstanceOf(ForbiddenDestination);
  });

  it.each(['127.0.0.1', '10.1.2.3'])(
    'even on the local cloud, a name may not resolve to %s (only the literal loopback host is allowed)',
    async (address) => {
      await expect(
        guardedRequest('https://partner.skillcert.example/x', init, {
          policy: { loopbackHosts: ['127.0.0.1'] },
          resolver: resolvingTo(address),
        }),
      ).rejects.toThrow(`non-public address (${address})`);
    },
  );
});
