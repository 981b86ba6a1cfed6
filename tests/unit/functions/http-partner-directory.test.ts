// The partner directory fetches only what the trust registry points at, and says which partner failed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPartnerDirectory } from '../../../functions/adapters/http-partner-directory.js';
import type { PartnerRegion } from '../../../functions/domain/index.js';
import { PartnerUnreachable } from '../../../functions/ports.js';

let server: Server;
let base: string;
const hits: string[] = [];
let webhookStatus = 500;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ keys: [{ kty: 'EC', kid: 'did:web:zigong.skillcert.example#k1' }, { kty: 'EC' }] }),
      );
    } else if (request.url === '/status/zigong/2026/revocation') {
      response.writeHead(200, {
        'content-type': 'application/vc+jwt',
        'cache-control': 'public, max-age=120',
      });
      response.end(' a.b.c \n');
    } else if (request.url === '/status/zigong/2027/revocation') {
      response.writeHead(200, { 'content-type': 'application/vc+jwt' });
      response.end('d.e.f');
    } else if (request.url === '/big') {
      response.writeHead(200);
      response.end('x'.repeat(300 * 1024));
    } else if (request.url === '/moved') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      response.end();
    } else if (request.url === '/hook') {
      let body = '';
      request.on('data', (c: Buffer) => {
        body += c.toString();
      });
      request.on('end', () => {
        hits.push(`body ${request.headers['content-type']} ${body}`);
        response.writeHead(webhookStatus);
        response.end(webhookStatus === 200 ? 'ok' : 'try later');
      });
    } else {
      response.writeHead(404);
      response.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

/** The local cloud's policy: this test's partner answers on 127.0.0.1 over http. */
const LOCAL = { policy: { loopbackHosts: ['127.0.0.1'] } };

const partner = (overrides: Partial<PartnerRegion> = {}): PartnerRegion => ({
  code: 'zigong',
  nameZh: '自贡',
  nameEn: 'Zigong',
  did: 'did:web:zigong.skillcert.example',
  publicUrl: 'https://zigong.skillcert.example',
  apiUrl: base,
  jwksUrl: `${base}/.well-known/jwks.json`,
  status: 'active',
  ...overrides,
});

describe('HttpPartnerDirectory', () => {
  it('reads the key set once a minute per partner, keeping only keys with an id', async () => {
    const directory = new HttpPartnerDirectory(LOCAL);
    const before = hits.length;
    const keys = await directory.keys(partner());
    await directory.keys(partner());
    expect(keys.map((k) => k.kid)).toEqual(['did:web:zigong.skillcert.example#k1']);
    expect(hits.slice(before).filter((h) => h.includes('jwks'))).toHaveLength(1);
  });

  it('names the partner when its key set cannot be read, and does not keep the failure', async () => {
    const directory = new HttpPartnerDirectory(LOCAL);
    const broken = partner({ jwksUrl: `${base}/missing` });
    await expect(directory.keys(broken)).rejects.toThrow(/key set of Zigong \(zigong\).*HTTP 404/);
    await expect(directory.keys(broken)).rejects.toBeInstanceOf(PartnerUnreachable);
  });

  it('fetches a status list only under the partner’s public URL, from its API URL, with its max-age', async () => {
    const directory = new HttpPartnerDirectory(LOCAL);
    expect(
      await directory.statusList(partner(), 'https://zigong.skillcert.example/status/zigong/2026/revocation'),
    ).toEqual({ jws: 'a.b.c', maxAgeSeconds: 120 });
    // No Cache-Control: no max-age (the cache's own bound applies).
    expect(
      await directory.statusList(partner(), 'https://zigong.skillcert.example/status/zigong/2027/revocation'),
    ).toEqual({ jws: 'd.e.f' });
    const before = hits.length;
    await expect(
      directory.statusList(partner(), 'https://evil.example/status/zigong/2026/revocation'),
    ).rejects.toThrow(/not a status list of Zigong/);
    await expect(
      directory.statusList(partner(), 'https://zigong.skillcert.example.evil.example/status/x'),
    ).rejects.toBeInstanceOf(PartnerUnreachable);
    expect(hits.length).toBe(before); // nothing was fetched for either
  });

  it('refuses an answer over 256 KB', async () => {
    const directory = new HttpPartnerDirectory(LOCAL);
    await expect(directory.keys(partner({ jwksUrl: `${base}/big` }))).rejects.toThrow(/more than/);
  });

  it('delivers a notice as application/jose and counts only a 2xx as acknowledged', async () => {
    const directory = new HttpPartnerDirectory(LOCAL);
    webhookStatus = 503;
    expect(await directory.deliver(`${base}/hook`, 'h.p.s')).toEqual({
      acknowledged: false,
      detail: 'HTTP 503: try later',
    });
    webhookStatus = 200;
    expect(await directory.deliver(`${base}/hook`, 'h.p.s')).toEqual({
      acknowledged: true,
      detail: 'HTTP 200',
    });
    expect(hits).toContain('body application/jose h.p.s');
    const unreachable = await directory.deliver('http://127.0.0.1:1/hook', 'h.p.s');
    expect(unreachable.acknowledged).toBe(false);
  });

  it('refuses loopback partners in a deployed region, and redirects everywhere', async () => {
    const deployed = new HttpPartnerDirectory();
    await expect(deployed.keys(partner())).rejects.toThrow(/must be https/);
    expect(await deployed.deliver(`${base}/hook`, 'h.p.s')).toMatchObject({ acknowledged: false });
    const before = hits.length;
    const local = new HttpPartnerDirectory(LOCAL);
    await expect(local.keys(partner({ jwksUrl: `${base}/moved` }))).rejects.toThrow(/redirects are refused/);
    expect(await local.deliver(`${base}/moved`, 'h.p.s')).toMatchObject({
      acknowledged: false,
      detail: expect.stringMatching(/redirects are refused/),
    });
    // The redirect itself was asked for, never its target.
    expect(hits.slice(before)).toEqual(['GET /moved', 'POST /moved']);
  });
});
