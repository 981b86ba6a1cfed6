// Request bodies of the partner admin routes (partners-admin-api.ts): the trust registry, agreements and
// certificate status. Partner URLs are also checked by domain/partner-urls.ts (https, public hosts).
import { _default, literal, maxLength, minLength, optional, string } from 'zod/mini';
import { LEVEL } from './exams.js';
import { body, dayOrInstant, listOf, longText, nameText, occupationCode, rule } from './fields.js';

const url = string().check(minLength(1), maxLength(500));

export const partnerCodeParam = string().check(
  rule<string>(
    (v) => /^[a-z][a-z0-9-]{1,31}$/.test(v),
    'must be a region code: 2–32 lower-case letters, digits or hyphens, starting with a letter',
    '须为地区代码：2–32 位小写字母、数字或连字符，以字母开头',
  ),
);

export const partnerBody = body({
  nameZh: nameText(100),
  nameEn: nameText(100),
  did: string().check(
    maxLength(200),
    rule<string>(
      (v) => /^did:web:[a-z0-9.%-]+(?::[a-z0-9._%-]+)*$/.test(v),
      'must be a did:web identifier such as did:web:zigong.skillcert.example',
      '须为 did:web 标识，例如 did:web:zigong.skillcert.example',
    ),
  ),
  publicUrl: url,
  apiUrl: url,
  jwksUrl: url,
  webhookUrl: optional(url),
  status: _default(literal(['active', 'suspended']), 'active'),
});

export const agreementBody = body({
  partnerCode: partnerCodeParam,
  occupationCodes: listOf(occupationCode(), 200, 1),
  levels: listOf(LEVEL, 5, 1),
  validFrom: dayOrInstant(),
  validUntil: dayOrInstant(),
  status: _default(literal(['active', 'suspended', 'terminated']), 'active'),
});

export const certificateStatusBody = body({
  action: literal(['suspend', 'reinstate', 'revoke']),
  // Verifiers and partners read a revocation's reason.
  reason: longText(500, 3),
});
