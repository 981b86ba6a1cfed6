// The web app on the local cloud: the CloudFront distribution of the template, translated (see
// translateWebSites) into a static site that serves the files the template's bucket deployments would put
// in its bucket — the same built assets and the same generated config.json, with the remote endpoints
// they name replaced by the local ones — under the response headers policy the distribution attaches.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface LocalWebFile {
  /** The object key in the bucket ("index.html", "assets/main-ABC.js", "config.json"). */
  key: string;
  /** Where the bytes are in the cloud assembly; for a file generated with markers, the text instead. */
  path?: string;
  text?: string;
  /** The deployment's Cache-Control (SystemMetadata cache-control). */
  cacheControl?: string;
}

export interface LocalWebSite {
  logicalId: string;
  rootObject: string;
  /** The response headers policy of the default behaviour, as headers (values still name remote endpoints). */
  headers: Record<string, string>;
  /** From the distribution's error responses: a missing object is answered with this page and status. */
  notFound?: { path: string; status: number };
  files: LocalWebFile[];
  /** The distribution's origin as the template names it (https://<domain>), or undefined. */
  templateOrigin?: string;
  /**
   * Remote URLs the files and headers name, each with its local stand-in: a URL, or `api` / `web` for the
   * local HTTP API's and this site's own origin (known only once they listen). Longest first.
   */
  replacements: { remote: string; local: string }[];
}

type Cfn = Record<string, Json>;
const obj = (v: Json | undefined): Cfn => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Cfn) : {});
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

function filesUnder(dir: string, prefix = ''): { key: string; path: string }[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory()
        ? filesUnder(path, `${prefix}${name}/`)
        : [{ key: `${prefix}${name}`, path }];
    });
}

/** The security headers a response headers policy config sets, as CloudFront would send them. */
export function headersOfPolicy(config: Cfn): Record<string, string> {
  const headers: Record<string, string> = {};
  const security = obj(config.SecurityHeadersConfig);
  const csp = obj(security.ContentSecurityPolicy);
  if (typeof csp.ContentSecurityPolicy === 'string')
    headers['content-security-policy'] = csp.ContentSecurityPolicy;
  const hsts = obj(security.StrictTransportSecurity);
  if (hsts.AccessControlMaxAgeSec !== undefined)
    headers['strict-transport-security'] = [
      `max-age=${hsts.AccessControlMaxAgeSec}`,
      ...(hsts.IncludeSubdomains ? ['includeSubDomains'] : []),
      ...(hsts.Preload ? ['preload'] : []),
    ].join('; ');
  if (security.ContentTypeOptions) headers['x-content-type-options'] = 'nosniff';
  const frame = obj(security.FrameOptions);
  if (typeof frame.FrameOption === 'string') headers['x-frame-options'] = frame.FrameOption;
  const referrer = obj(security.ReferrerPolicy);
  if (typeof referrer.ReferrerPolicy === 'string') headers['referrer-policy'] = referrer.ReferrerPolicy;
  const xss = obj(security.XSSProtection);
  if (xss.Protection !== undefined)
    headers['x-xss-protection'] = xss.Protection ? `1${xss.ModeBlock ? '; mode=block' : ''}` : '0';
  for (const h of list(obj(config.CustomHeadersConfig).Items)) {
    const header = obj(h);
    headers[String(header.Header).toLowerCase()] = String(header.Value);
  }
  return headers;
}

/**
 * Each CloudFront distribution whose origin is a bucket of the template becomes a local site: its files
 * are what the Custom::CDKBucketDeployment resources copy into that bucket (source assets, with their
 * markers replaced by the resolved values, under the destination prefix).
 */
export function translateWebSites(
  raw: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
  resolved: (id: string) => Cfn,
  assetDirOfKey: (s3Key: string, where: string) => string,
  replacements: { remote: string; local: string }[],
): LocalWebSite[] {
  const sites: LocalWebSite[] = [];
  for (const [id, resource] of Object.entries(raw)) {
    if (resource.Type !== 'AWS::CloudFront::Distribution') continue;
    const rawConfig = (resource.Properties?.DistributionConfig ?? {}) as Record<string, unknown>;
    // The bucket behind the distribution, by its logical id (Fn::GetAtt Bucket.RegionalDomainName).
    const buckets = new Set(
      ((rawConfig.Origins ?? []) as { DomainName?: unknown }[]).flatMap((o) => {
        const att = (o.DomainName as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
        return att ? [att[0]] : [];
      }),
    );
    const config = obj(resolved(id).DistributionConfig);
    const files: LocalWebFile[] = [];
    for (const [depId, dep] of Object.entries(raw)) {
      if (dep.Type !== 'Custom::CDKBucketDeployment') continue;
      const target = (dep.Properties?.DestinationBucketName as { Ref?: string } | undefined)?.Ref;
      if (!target || !buckets.has(target)) continue;
      const p = resolved(depId);
      const prefix = typeof p.DestinationBucketKeyPrefix === 'string' ? p.DestinationBucketKeyPrefix : '';
      const cacheControl = obj(p.SystemMetadata)['cache-control'];
      const markers = list(p.SourceMarkers);
      const markerConfig = list(p.SourceMarkersConfig);
      list(p.SourceObjectKeys).forEach((key, i) => {
        const dir = assetDirOfKey(String(key), depId);
        const values = obj(markers[i]);
        const jsonEscape = obj(markerConfig[i]).jsonEscape === true;
        for (const file of filesUnder(dir)) {
          const entry: LocalWebFile = {
            key: `${prefix}${file.key}`,
            ...(typeof cacheControl === 'string' ? { cacheControl } : {}),
          };
          if (Object.keys(values).length > 0) {
            let text = readFileSync(file.path, 'utf8');
            for (const [marker, value] of Object.entries(values)) {
              const v = String(value);
              text = text.split(marker).join(jsonEscape ? JSON.stringify(v).slice(1, -1) : v);
            }
            entry.text = text;
          } else entry.path = file.path;
          files.push(entry);
        }
      });
    }
    const behavior = obj(config.DefaultCacheBehavior);
    const policyId = (
      rawConfig.DefaultCacheBehavior as { ResponseHeadersPolicyId?: { Ref?: string } } | undefined
    )?.ResponseHeadersPolicyId?.Ref;
    const policy = policyId ? obj(resolved(policyId).ResponseHeadersPolicyConfig) : {};
    const notFound = list(config.CustomErrorResponses)
      .map(obj)
      .find((e) => Number(e.ErrorCode) === 404 && typeof e.ResponsePagePath === 'string');
    const alias = list(config.Aliases)[0];
    sites.push({
      logicalId: id,
      rootObject: typeof config.DefaultRootObject === 'string' ? config.DefaultRootObject : 'index.html',
      headers: behavior.ResponseHeadersPolicyId !== undefined ? headersOfPolicy(policy) : {},
      ...(notFound
        ? {
            notFound: {
              path: String(notFound.ResponsePagePath),
              status: Number(notFound.ResponseCode ?? 200),
            },
          }
        : {}),
      files,
      ...(typeof alias === 'string' ? { templateOrigin: `https://${alias}` } : {}),
      replacements: [
        ...replacements,
        ...(typeof alias === 'string' ? [{ remote: `https://${alias}`, local: 'web' }] : []),
      ].sort((a, b) => b.remote.length - a.remote.length),
    });
  }
  return sites;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface StartedWebSite {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves one site on 127.0.0.1. `localize` turns every remote endpoint a file or header names into its
 * local stand-in. Over plain http the CSP's upgrade-insecure-requests would send the app's calls to
 * https:// on loopback, where nothing listens: it is the one header difference, and said in docs/web.md.
 */
export async function startWebSite(
  site: LocalWebSite,
  options: { port: number; localize: (text: string) => string; logger?: (line: string) => void },
): Promise<StartedWebSite> {
  const objects = new Map<string, { body: Buffer; type: string; cacheControl?: string }>();
  for (const file of site.files) {
    const body =
      file.text !== undefined ? Buffer.from(options.localize(file.text)) : readFileSync(file.path as string);
    objects.set(file.key, {
      body,
      type: TYPES[extname(file.key)] ?? 'application/octet-stream',
      ...(file.cacheControl ? { cacheControl: file.cacheControl } : {}),
    });
  }
  const headers = Object.fromEntries(
    Object.entries(site.headers).map(([k, v]) => [
      k,
      k === 'content-security-policy'
        ? options
            .localize(v)
            .split(';')
            .map((d) => d.trim())
            .filter((d) => d !== 'upgrade-insecure-requests')
            // Two remote origins may share one local stand-in (Cognito's issuer and login domain).
            .map((d) => [...new Set(d.split(/\s+/))].join(' '))
            .join('; ')
        : options.localize(v),
    ]),
  );
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      // CloudFront with ALLOW_GET_HEAD answers other methods with 403.
      response.writeHead(403, { ...headers, 'content-type': 'text/plain' }).end('Forbidden');
      return;
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname);
    const key = path === '/' ? site.rootObject : path.replace(/^\/+/, '');
    let found = objects.get(key);
    let status = 200;
    if (!found && site.notFound) {
      found = objects.get(site.notFound.path.replace(/^\/+/, ''));
      status = site.notFound.status;
    }
    if (!found) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const gzip =
      /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && found.body.length > 1024;
    const body = gzip ? gzipSync(found.body) : found.body;
    response.writeHead(status, {
      ...headers,
      'content-type': found.type,
      'content-length': String(body.length),
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      ...(found.cacheControl ? { 'cache-control': found.cacheControl } : {}),
    });
    response.end(method === 'HEAD' ? undefined : body);
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger?.(`web app on http://127.0.0.1:${port} (${objects.size} files)`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
