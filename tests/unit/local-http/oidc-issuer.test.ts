// The issuer's pure parts: client authentication, scope grants, subjects; the seeded identities.
import { describe, expect, it } from 'vitest';
import { cognitoAttributesOf, DEV_USERS, findDevUser } from '../../../local/dev-identities.js';
import { clientCredentials, grantScopes, subjectOf } from '../../../local/oidc-issuer.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('clientCredentials', () => {
  it.each([
    [
      'HTTP Basic',
      basic('id:secret'),
      'grant_type=client_credentials',
      { clientId: 'id', clientSecret: 'secret' },
    ],
    [
      'Basic with a colon in the secret',
      basic('id:se:cret'),
      '',
      { clientId: 'id', clientSecret: 'se:cret' },
    ],
    ['Basic form-encoded', basic('i%3Ad:s+t'), '', { clientId: 'i:d', clientSecret: 's t' }],
    ['the body', undefined, 'client_id=id&client_secret=s', { clientId: 'id', clientSecret: 's' }],
    ['a public client', undefined, 'client_id=web', { clientId: 'web', clientSecret: null }],
    ['nothing', undefined, '', { clientId: null, clientSecret: null }],
  ])('%s', (_name, authorization, body, expected) => {
    expect(clientCredentials(authorization, new URLSearchParams(body))).toEqual(expected);
  });

  it.each([
    ['two methods', basic('id:s'), 'client_secret=s', 'invalid_request'],
    ['a different client_id in the body', basic('id:s'), 'client_id=other', 'invalid_request'],
    ['Basic without a colon', basic('id'), '', 'invalid_client'],
  ])('refuses %s', (_name, authorization, body, error) => {
    expect(() => clientCredentials(authorization, new URLSearchParams(body))).toThrow(
      expect.objectContaining({ error }),
    );
  });
});

describe('grantScopes', () => {
  const allowed = ['skillcert/verify', 'skillcert/recognize'];
  it.each([
    [null, allowed],
    ['skillcert/verify', ['skillcert/verify']],
    ['skillcert/verify  skillcert/verify', ['skillcert/verify']],
  ])('%s → %j', (requested, scopes) => {
    expect(grantScopes(requested, allowed)).toEqual(scopes);
  });
  it.each([['skillcert/admin'], ['skillcert/verify skillcert/admin'], ['']])('refuses %j', (requested) => {
    expect(() => grantScopes(requested, allowed)).toThrow(
      expect.objectContaining({ error: 'invalid_scope' }),
    );
  });
});

describe('subjects and seeded identities', () => {
  it('gives a stable UUID-shaped sub per pool and username', () => {
    const sub = subjectOf('pool-1', 'zhangwei');
    expect(sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(subjectOf('pool-1', 'zhangwei')).toBe(sub);
    expect(subjectOf('pool-2', 'zhangwei')).not.toBe(sub);
  });

  it('seeds a candidate, three or more assessors with different employers and an admin', () => {
    const zhang = findDevUser('zhangwei');
    expect(zhang).toMatchObject({ name: '张伟 Zhang Wei', groups: ['candidates'] });
    expect(zhang?.employer).toContain('内江机械厂');
    const assessors = DEV_USERS.filter((u) => u.groups.includes('assessors'));
    expect(assessors.length).toBeGreaterThanOrEqual(3);
    expect(new Set(assessors.map((a) => a.employer)).size).toBe(assessors.length);
    expect(new Set(assessors.map((a) => a.trainingOrg)).size).toBe(assessors.length);
    expect(DEV_USERS.some((u) => u.groups.includes('admins'))).toBe(true);
    expect(findDevUser('nobody')).toBeUndefined();
  });

  it('holds the conflict-of-interest attributes as Cognito custom attributes', () => {
    expect(cognitoAttributesOf(findDevUser('zhangwei') as never)).toMatchObject({
      'custom:employer': expect.stringContaining('内江机械厂'),
      'custom:trainingOrg': expect.any(String),
      email: 'zhangwei@example.cn',
    });
    expect(cognitoAttributesOf(findDevUser('liumin') as never)).not.toHaveProperty('custom:trainingOrg');
  });
});
