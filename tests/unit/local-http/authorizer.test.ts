// The JWT authorizer's claim checks, token extraction and scopes, as API Gateway documents them.

import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  checkJwtClaims,
  describeVerifyError,
  scopesOf,
  tokenFromIdentitySource,
} from '../../../local/http-api.js';

const route = {
  type: 'JWT' as const,
  authorizerId: 'A',
  issuer: 'http://127.0.0.1:1/pool',
  audience: ['web-client', 'partner-client'],
  scopes: [] as string[],
  identitySource: '$request.header.Authorization',
};
const now = 1_700_000_000;
const good = { iss: route.issuer, client_id: 'web-client', exp: now + 60, iat: now - 1, scope: 'openid' };

describe('checkJwtClaims', () => {
  it.each([
    ['a good access token', good, route, { ok: true, scopes: ['openid'] }],
    [
      'an ID token (aud)',
      { ...good, client_id: undefined, aud: 'web-client' },
      route,
      { ok: true, scopes: ['openid'] },
    ],
    ['aud as a list', { ...good, aud: ['x', 'partner-client'] }, route, { ok: true, scopes: ['openid'] }],
    [
      'another issuer',
      { ...good, iss: 'http://127.0.0.1:1/other' },
      route,
      'the token does not have a valid issuer',
    ],
    ['no issuer', { ...good, iss: undefined }, route, 'the token does not have a valid issuer'],
    [
      'another client',
      { ...good, client_id: 'someone-else' },
      route,
      'the token does not have a valid audience',
    ],
    // aud wins when both are present: a matching client_id does not rescue a foreign aud.
    [
      'a foreign aud with our client_id',
      { ...good, aud: 'elsewhere' },
      route,
      'the token does not have a valid audience',
    ],
    [
      'neither aud nor client_id',
      { ...good, client_id: undefined },
      route,
      'the token does not have a valid audience',
    ],
    ['no exp', { ...good, exp: undefined }, route, 'the token has no expiry'],
    ['an expired token', { ...good, exp: now - 1 }, route, 'the token has expired'],
    ['exp exactly now', { ...good, exp: now }, route, 'the token has expired'],
    ['nbf in the future', { ...good, nbf: now + 30 }, route, 'the token is not valid yet'],
    ['iat in the future', { ...good, iat: now + 30 }, route, 'the token was issued in the future'],
    [
      'a required scope',
      { ...good, scope: 'skillcert/verify' },
      { ...route, scopes: ['skillcert/verify', 'x'] },
      { ok: true, scopes: ['skillcert/verify'] },
    ],
  ])('%s', (_name, claims, config, expected) => {
    const decision = checkJwtClaims(claims, config, now);
    if (typeof expected === 'string')
      expect(decision).toEqual({ ok: false, status: 401, description: expected });
    else expect(decision).toEqual(expected);
  });

  it('answers 403 when none of the route’s scopes is in the token', () => {
    expect(
      checkJwtClaims(
        { ...good, scope: 'skillcert/verify' },
        { ...route, scopes: ['skillcert/recognize'] },
        now,
      ),
    ).toEqual({
      ok: false,
      status: 403,
      description: 'expected scopes: [skillcert/recognize]',
    });
  });
});

describe('scopesOf', () => {
  it.each([
    [{ scope: 'a  b c' }, ['a', 'b', 'c']],
    [{ scp: ['a', 'b'] }, ['a', 'b']],
    [{ scp: 'a b' }, ['a', 'b']],
    [{}, []],
  ])('%j → %j', (claims, scopes) => {
    expect(scopesOf(claims)).toEqual(scopes);
  });
});

describe('tokenFromIdentitySource', () => {
  const none = new URLSearchParams();
  it.each([
    ['$request.header.Authorization', { authorization: 'Bearer abc.def.ghi' }, none, 'abc.def.ghi'],
    ['$request.header.Authorization', { authorization: 'bearer abc.def.ghi' }, none, 'abc.def.ghi'],
    ['$request.header.Authorization', { authorization: 'abc.def.ghi' }, none, 'abc.def.ghi'],
    ['$request.header.Authorization', { authorization: ['Bearer first', 'Bearer second'] }, none, 'first'],
    ['$request.header.Authorization', { authorization: 'Basic dXNlcjpwdw== extra' }, none, undefined],
    ['$request.header.Authorization', { authorization: 'Bearer ' }, none, undefined],
    ['$request.header.Authorization', {}, none, undefined],
    ['$request.header.X-Token', { 'x-token': 't' }, none, 't'],
    ['$request.querystring.token', {}, new URLSearchParams('token=q'), 'q'],
  ])('%s from %j', (source, headers, query, expected) => {
    expect(tokenFromIdentitySource(source, headers, query)).toBe(expected);
  });
});

describe('describeVerifyError', () => {
  it.each([
    [new errors.JWTExpired('x', {}, 'exp', 'check_failed'), 'the token has expired'],
    [new errors.JWTClaimValidationFailed('x', {}, 'nbf', 'check_failed'), 'the token is not valid yet'],
    [new errors.JWSSignatureVerificationFailed(), 'the token does not have a valid signature'],
    [new errors.JWKSNoMatchingKey(), 'the token does not have a valid kid'],
    [new errors.JWKSTimeout(), "could not get the issuer's keys (request timed out)"],
    [
      new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed'),
      'invalid token ("alg" (Algorithm) Header Parameter value not allowed)',
    ],
    [new TypeError('fetch failed'), 'could not verify the token (fetch failed)'],
  ])('%s', (error, description) => {
    expect(describeVerifyError(error)).toBe(description);
  });
});
