// The alarms' signals, produced on the local cloud: the functions' log lines and the HTTP API's access log
// lines (in the stage's own format) reach their template log groups, the template's metric filters count
// them, and its alarms are evaluated as CloudWatch would (local/log-metrics.ts). AWS's own metrics (Lambda
// Errors and Throttles, Step Functions executions) are not produced locally; tests/infra/alarms.test.ts
// proves those alarms on the template. Also: a deployment with an outside OpenID provider runs locally,
// the local issuer standing in for it with standard claims only.
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARM_THRESHOLDS } from '../../lib/constructs/observability.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';

async function up(options: Parameters<typeof synthesizeRegion>[0]): Promise<LocalCloud> {
  const stack = synthesizeRegion(options);
  return startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
  });
}

async function token(cloud: LocalCloud, username: string, password: string): Promise<string> {
  const [pool] = cloud.model.userPools;
  const web = pool?.clients.find((c) => !c.generateSecret);
  if (!pool || !web) throw new Error('no user pool with a web client');
  const response = await fetch(`${pool.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: web.clientId, username, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

const inAlarm = (cloud: LocalCloud) => cloud.logMetrics.alarmsInAlarm().map((a) => a.logicalId);
const metricNamespace = (cloud: LocalCloud) => cloud.model.metricFilters[0]?.namespace as string;

describe('alarm signals on the local cloud (local demo, Cognito stand-in)', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await up({ region: 'neijiang' });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('a burst of refused tokens puts RefusedTokens in ALARM; fewer does not', async () => {
    const api = cloud.endpoints.api;
    const refuse = () => fetch(`${api}/me`, { headers: { authorization: 'Bearer not.a.token' } });
    const few = ALARM_THRESHOLDS.refusedTokensIn5Minutes - 1;
    for (let i = 0; i < few; i++) expect((await refuse()).status).toBe(401);
    const ns = metricNamespace(cloud);
    expect(cloud.logMetrics.sum(ns, 'RefusedTokens')).toBe(few);
    expect(inAlarm(cloud).some((id) => id.includes('RefusedTokens'))).toBe(false);
    expect((await refuse()).status).toBe(401);
    expect(inAlarm(cloud).some((id) => id.includes('RefusedTokens'))).toBe(true);
  });

  it('throttled requests at the API are counted from 429s and alarm in a burst', async () => {
    const api = cloud.endpoints.api;
    const answers = await Promise.all(
      Array.from({ length: 120 }, () => fetch(`${api}/verify/NJ-2026-4-000001-X`).then((r) => r.status)),
    );
    const throttled = answers.filter((s) => s === 429).length;
    expect(throttled).toBeGreaterThanOrEqual(ALARM_THRESHOLDS.throttledRequestsIn5Minutes);
    expect(cloud.logMetrics.sum(metricNamespace(cloud), 'ThrottledRequests')).toBe(throttled);
    expect(inAlarm(cloud).some((id) => id.includes('ThrottledRequests'))).toBe(true);
  });

  it('one failed revocation alarms twice over: the status route’s 5xx and the function’s error log', async () => {
    const admin = await token(cloud, 'liumin', 'Admin-123456!');
    const ns = metricNamespace(cloud);
    expect(cloud.logMetrics.sum(ns, 'FailedStatusChanges')).toBe(0);
    // The real failure a handler turns into an opaque 500: its table is gone.
    await cloud.dynamoClient.send(new DeleteTableCommand({ TableName: cloud.model.tables[0]?.tableName }));
    const response = await fetch(`${cloud.endpoints.api}/admin/certificates/NJ-2026-4-000001-X/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'revoke', reason: 'obtained by fraud' }),
    });
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toMatch(/ResourceNotFound|table/i);
    expect(cloud.logMetrics.sum(ns, 'FailedStatusChanges')).toBe(1);
    expect(cloud.logMetrics.sum(ns, 'ErrorLogs', { Function: 'PartnersAdminApi' })).toBeGreaterThanOrEqual(1);
    const firing = inAlarm(cloud);
    expect(firing.some((id) => id.includes('FailedStatusChanges'))).toBe(true);
    expect(firing.some((id) => id.includes('PartnersAdminApiErrorLogs'))).toBe(true);
    // Only what failed: no other function logged an error.
    expect(firing.filter((id) => id.endsWith('ErrorLogs') || /ErrorLogs[0-9A-F]{8}$/.test(id))).toHaveLength(
      1,
    );
  });
});

describe('a deployment with an outside OpenID provider, locally', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await up({ region: 'zigong', identity: 'oidc' });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('has no user pool in its template; the local issuer stands in, with standard claims and the provider’s groups', async () => {
    const [pool] = cloud.model.userPools;
    expect(pool?.tokenShape).toBe('oidc');
    const admin = await token(cloud, 'liumin', 'Admin-123456!');
    const claims = JSON.parse(Buffer.from(admin.split('.')[1] as string, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(claims).filter((k) => k.startsWith('cognito:'))).toEqual([]);
    expect(claims.groups).toEqual(['sc-admins']);
    const discovery = await fetch(`${pool?.issuer}/.well-known/openid-configuration`).then((r) => r.json());
    expect(discovery).toMatchObject({
      issuer: pool?.issuer,
      jwks_uri: expect.stringContaining('/jwks.json'),
    });

    const me = await fetch(`${cloud.endpoints.api}/me`, { headers: { authorization: `Bearer ${admin}` } });
    expect(await me.json()).toMatchObject({ username: 'liumin', groups: ['admins'] });
    const exams = await fetch(`${cloud.endpoints.api}/admin/exams`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(exams.status).toBe(200);
    const candidate = await token(cloud, 'zhangwei', 'Candidate-123!');
    const refused = await fetch(`${cloud.endpoints.api}/admin/exams`, {
      headers: { authorization: `Bearer ${candidate}` },
    });
    expect(refused.status).toBe(403);
  });

  it('lets a partner machine client with the provider’s recognize scope through, and nobody else', async () => {
    const partner = cloud.oidc.clients.find((c) => c.clientSecret);
    if (!partner?.clientSecret) throw new Error('no partner client');
    const [pool] = cloud.model.userPools;
    const response = await fetch(`${pool?.issuer}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const { access_token: machine } = (await response.json()) as { access_token: string };
    const asked = await fetch(`${cloud.endpoints.api}/recognitions/unknown-recognition`, {
      headers: { authorization: `Bearer ${machine}` },
    });
    expect(asked.status).toBe(404);
    const admin = await token(cloud, 'liumin', 'Admin-123456!');
    const notAPartner = await fetch(`${cloud.endpoints.api}/recognitions/unknown-recognition`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(notAPartner.status).toBe(403);
  });
});
