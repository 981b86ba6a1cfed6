import { describe, expect, it } from 'vitest';
import {
  type Agreement,
  agreementProblems,
  applyAgreements,
  buildEndorsement,
  type EndorsementFacts,
  isRevocationNotice,
  OB_CONTEXT,
  type PartnerRegion,
  partnerByDid,
  partnerProblems,
  recognitionId,
  revocationNotice,
  VC_CONTEXT,
} from '../../../functions/domain/index.js';

const OWN = 'neijiang';
const NOW = new Date('2027-03-01T00:00:00Z');

const ZIGONG: PartnerRegion = {
  code: 'zigong',
  nameZh: '自贡',
  nameEn: 'Zigong',
  did: 'did:web:zigong.skillcert.example',
  publicUrl: 'https://zigong.skillcert.example',
  apiUrl: 'https://zigong.skillcert.example',
  jwksUrl: 'https://zigong.skillcert.example/.well-known/jwks.json',
  webhookUrl: 'https://zigong.skillcert.example/recognition/notices',
  status: 'active',
};

function agreement(overrides: Partial<Agreement> = {}): Agreement {
  return {
    id: 'nj-zg-2026',
    parties: [OWN, 'zigong'],
    occupationCodes: ['6-18-01-01', '6-18-02-01'],
    levels: [5, 4, 3],
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2028-12-31T23:59:59Z',
    status: 'active',
    ...overrides,
  };
}

const CERT = { issuerRegion: 'zigong', occupationCode: '6-18-01-01', level: 4 };

describe('partnerProblems', () => {
  it('finds nothing wrong with a sound partner, with or without a webhook', () => {
    expect(partnerProblems(ZIGONG, OWN)).toEqual([]);
    const { webhookUrl: _webhookUrl, ...withoutWebhook } = ZIGONG;
    expect(partnerProblems(withoutWebhook, OWN)).toEqual([]);
    // The local cloud's partners answer on 127.0.0.1 over http: only its policy allows that.
    const local = { loopbackHosts: ['127.0.0.1'] };
    expect(partnerProblems({ ...ZIGONG, apiUrl: 'http://127.0.0.1:4010' }, OWN, local)).toEqual([]);
    expect(partnerProblems({ ...ZIGONG, apiUrl: 'http://127.0.0.1:4010' }, OWN)).toEqual([
      'apiUrl must be https',
    ]);
  });

  it.each<[string, Partial<PartnerRegion>, string]>([
    ['an upper-case code', { code: 'Zigong' }, 'code must be lower-case letters and digits'],
    ['a one-letter code', { code: 'z' }, 'code must be lower-case letters and digits'],
    ['a code starting with a digit', { code: '1zigong' }, 'code must be lower-case letters and digits'],
    ['a code with a space', { code: 'zi gong' }, 'code must be lower-case letters and digits'],
    ['its own code', { code: OWN }, 'a region is not its own partner'],
    ['no Chinese name', { nameZh: '  ' }, 'both names (zh and en) are needed'],
    ['no English name', { nameEn: '' }, 'both names (zh and en) are needed'],
    ['a did:key', { did: 'did:key:z6Mk' }, 'did must be a did:web'],
    ['a DID with upper case', { did: 'did:web:Zigong.example' }, 'did must be a did:web'],
    [
      'a bare host',
      { publicUrl: 'zigong.skillcert.example' },
      'publicUrl must be an http(s) URL without a trailing slash',
    ],
    [
      'a trailing slash',
      { apiUrl: 'https://zigong.skillcert.example/' },
      'apiUrl must be an http(s) URL without a trailing slash',
    ],
    [
      'an ftp JWKS',
      { jwksUrl: 'ftp://zigong.skillcert.example/jwks' },
      'jwksUrl must be an http(s) URL without a trailing slash',
    ],
    [
      'a webhook with a space',
      { webhookUrl: 'https://zigong.example/a b' },
      'webhookUrl must be an http(s) URL without a trailing slash',
    ],
  ])('reports %s', (_name, change, problem) => {
    expect(partnerProblems({ ...ZIGONG, ...change }, OWN)).toEqual([problem]);
  });

  it('reports every problem at once', () => {
    const problems = partnerProblems({ ...ZIGONG, code: OWN, nameEn: '', did: 'zigong', jwksUrl: 'x' }, OWN);
    expect(problems).toEqual([
      'a region is not its own partner',
      'both names (zh and en) are needed',
      'did must be a did:web',
      'jwksUrl must be an http(s) URL without a trailing slash',
    ]);
  });

  it('finds a partner by the DID its credentials name', () => {
    const other = { ...ZIGONG, code: 'leshan', did: 'did:web:leshan.skillcert.example' };
    expect(partnerByDid([ZIGONG, other], 'did:web:leshan.skillcert.example')).toBe(other);
    expect(partnerByDid([ZIGONG, other], 'did:web:yibin.skillcert.example')).toBe(undefined);
  });
});

describe('agreementProblems', () => {
  it('finds nothing wrong with a sound agreement, whichever side this region is on', () => {
    expect(agreementProblems(agreement(), OWN)).toEqual([]);
    expect(agreementProblems(agreement({ parties: ['zigong', OWN] }), OWN)).toEqual([]);
  });

  it.each<[string, Partial<Agreement>, string]>([
    ['the same region twice', { parties: [OWN, OWN] }, 'an agreement needs two different regions'],
    ['two other regions', { parties: ['zigong', 'leshan'] }, `this region (${OWN}) must be a party`],
    ['no occupation', { occupationCodes: [] }, 'name at least one occupation code'],
    [
      'a malformed occupation code',
      { occupationCodes: ['6-18-01-01', '61801'] },
      'occupation codes look like 6-18-01-01',
    ],
    ['no level', { levels: [] }, 'levels are 1 to 5, at least one'],
    ['level 6', { levels: [4, 6 as never] }, 'levels are 1 to 5, at least one'],
    ['level 0', { levels: [0 as never] }, 'levels are 1 to 5, at least one'],
    ['an unparseable validFrom', { validFrom: 'soon' }, 'validFrom and validUntil must be dates'],
    ['an unparseable validUntil', { validUntil: '' }, 'validFrom and validUntil must be dates'],
    [
      'validUntil before validFrom',
      { validFrom: '2027-01-01', validUntil: '2026-01-01' },
      'validFrom must be before validUntil',
    ],
    [
      'validUntil equal to validFrom',
      { validFrom: '2027-01-01', validUntil: '2027-01-01' },
      'validFrom must be before validUntil',
    ],
  ])('reports %s', (_name, change, problem) => {
    expect(agreementProblems(agreement(change), OWN)).toEqual([problem]);
  });
});

describe('applyAgreements', () => {
  it('recognises a certificate every rule of an agreement admits', () => {
    const nj = agreement();
    expect(applyAgreements([nj], CERT, OWN, NOW)).toEqual({ recognised: true, agreement: nj });
  });

  it('recognises under an agreement whichever order its parties are named in', () => {
    const decision = applyAgreements([agreement({ parties: ['zigong', OWN] })], CERT, OWN, NOW);
    expect(decision.recognised).toBe(true);
  });

  it('refuses with no-agreement when there is none', () => {
    const decision = applyAgreements([], CERT, OWN, NOW);
    expect(decision).toEqual({
      recognised: false,
      rule: 'no-agreement',
      reason: 'neijiang has no agreement with zigong',
      reasonZh: 'neijiang 与 zigong 之间没有互认协议',
    });
  });

  it.each<[string, Partial<Agreement>, Partial<typeof CERT>, string, RegExp]>([
    ['a suspended agreement', { status: 'suspended' }, {}, 'agreement-not-active', /is suspended/],
    ['a terminated agreement', { status: 'terminated' }, {}, 'agreement-not-active', /is terminated/],
    [
      'an agreement not yet in force',
      { validFrom: '2027-06-01T00:00:00Z' },
      {},
      'agreement-not-yet-in-force',
      /in force from 2027-06-01/,
    ],
    [
      'an expired agreement',
      { validUntil: '2027-02-28T23:59:59Z' },
      {},
      'agreement-expired',
      /expired on 2027-02-28/,
    ],
    ['another occupation', {}, { occupationCode: '4-07-02-01' }, 'occupation-out-of-scope', /not 4-07-02-01/],
    ['another level', {}, { level: 2 }, 'level-out-of-scope', /covers levels 5, 4, 3, not 2/],
  ])('refuses under %s with its own rule', (_name, change, certChange, rule, reason) => {
    const decision = applyAgreements([agreement(change)], { ...CERT, ...certChange }, OWN, NOW);
    expect(decision).toMatchObject({ recognised: false, rule, agreementId: 'nj-zg-2026' });
    if (decision.recognised) throw new Error('recognised');
    expect(decision.reason).toMatch(reason);
  });

  it('is in force on the first and last instant of the agreement', () => {
    const nj = agreement({ validFrom: NOW.toISOString(), validUntil: NOW.toISOString() });
    expect(agreementProblems(nj, OWN)).not.toEqual([]); // not a sound agreement, but the bounds are inclusive
    expect(applyAgreements([nj], CERT, OWN, NOW).recognised).toBe(true);
  });

  it('recognises when one of two agreements admits, whichever comes first', () => {
    const refusing = agreement({ id: 'old', levels: [5] });
    const admitting = agreement({ id: 'new' });
    for (const list of [
      [refusing, admitting],
      [admitting, refusing],
    ]) {
      expect(applyAgreements(list, CERT, OWN, NOW)).toEqual({ recognised: true, agreement: admitting });
    }
  });

  it('reports the refusal of the agreement that came closest, whichever comes first', () => {
    const terminated = agreement({ id: 'terminated', status: 'terminated' });
    const wrongLevel = agreement({ id: 'wrong-level', levels: [5] });
    const expired = agreement({ id: 'expired', validUntil: '2027-01-01T00:00:00Z' });
    for (const list of [
      [terminated, wrongLevel, expired],
      [wrongLevel, expired, terminated],
      [expired, terminated, wrongLevel],
    ]) {
      expect(applyAgreements(list, CERT, OWN, NOW)).toMatchObject({
        recognised: false,
        rule: 'level-out-of-scope',
        agreementId: 'wrong-level',
      });
    }
    expect(applyAgreements([terminated, expired], CERT, OWN, NOW)).toMatchObject({
      rule: 'agreement-expired',
      agreementId: 'expired',
    });
  });

  it('ignores an agreement between two other regions', () => {
    const others = agreement({ id: 'zg-ls', parties: ['zigong', 'leshan'] });
    expect(applyAgreements([others], CERT, OWN, NOW)).toMatchObject({
      recognised: false,
      rule: 'no-agreement',
    });
    const withAnother = agreement({ id: 'nj-ls', parties: [OWN, 'leshan'] });
    expect(applyAgreements([others, withAnother], CERT, OWN, NOW)).toMatchObject({
      recognised: false,
      rule: 'no-agreement',
    });
    expect(applyAgreements([others, agreement()], CERT, OWN, NOW)).toMatchObject({
      recognised: true,
      agreement: { id: 'nj-zg-2026' },
    });
  });

  it("does not recognise this region's own certificate under an agreement with another region", () => {
    const own = { ...CERT, issuerRegion: OWN };
    expect(applyAgreements([agreement()], own, OWN, NOW)).toMatchObject({
      recognised: false,
      rule: 'no-agreement',
    });
  });
});

describe('recognitionId', () => {
  const CERT_ID = 'https://zigong.skillcert.example/certificates/ZG-2026-4-000001';

  it('is derived: the same region and certificate give the same id', () => {
    expect(recognitionId(OWN, CERT_ID)).toBe(recognitionId(OWN, CERT_ID));
    expect(recognitionId(OWN, CERT_ID)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('differs across recognising regions and across certificates', () => {
    const ids = new Set([
      recognitionId(OWN, CERT_ID),
      recognitionId('leshan', CERT_ID),
      recognitionId(OWN, `${CERT_ID}2`),
      recognitionId(OWN, 'https://zigong.skillcert.example/certificates/ZG-2026-4-000002'),
    ]);
    expect(ids.size).toBe(4);
  });

  it('does not let the region and certificate id run into each other', () => {
    expect(recognitionId('ab', 'c')).not.toBe(recognitionId('a', 'bc'));
  });
});

describe('buildEndorsement', () => {
  const ENDORSER = {
    did: 'did:web:neijiang.skillcert.example',
    nameZh: '内江',
    nameEn: 'Neijiang',
    url: 'https://neijiang.skillcert.example',
  };
  const CERT_ID = 'https://zigong.skillcert.example/certificates/ZG-2026-4-000001';
  const LIST_BASE = 'https://neijiang.skillcert.example/status/neijiang/endorsements-2027';

  function facts(
    certificateValidUntil?: string,
    agreementValidUntil = '2028-12-31T23:59:59Z',
  ): EndorsementFacts {
    return {
      recognitionId: recognitionId(OWN, CERT_ID),
      endorser: ENDORSER,
      certificate: {
        id: CERT_ID,
        number: 'ZG-2026-4-000001',
        issuerDid: ZIGONG.did,
        issuerName: '自贡 Zigong',
        achievement: '车工（四级/中级工）',
        occupationCode: '6-18-01-01',
        level: 4,
        ...(certificateValidUntil ? { validUntil: certificateValidUntil } : {}),
      },
      agreement: agreement({ validUntil: agreementValidUntil }),
      issuedAt: NOW,
      status: { listBaseUrl: LIST_BASE, index: 42 },
    };
  }

  it('is a VC 2.0 / Open Badges 3.0 EndorsementCredential issued by the recognising region', () => {
    const vc = buildEndorsement(facts('2030-01-01T00:00:00Z'));
    expect(vc['@context']).toEqual([VC_CONTEXT, OB_CONTEXT, `${ENDORSER.url}/contexts/skillcert-v1.jsonld`]);
    expect(vc.credentialSchema.map((s) => s.id)).toEqual([
      'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential-jsonschema1.json',
      `${ENDORSER.url}/schemas/skillcert-v1.json`,
    ]);
    // One status object, as OB 3.0 allows: the endorsement's revocation entry.
    expect(vc.credentialStatus).toMatchObject({ statusPurpose: 'revocation', statusListIndex: '42' });
    expect(vc.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(vc.id).toBe(`https://neijiang.skillcert.example/recognitions/${recognitionId(OWN, CERT_ID)}`);
    expect(vc.issuer).toEqual({
      id: ENDORSER.did,
      type: ['Profile'],
      name: '内江 Neijiang',
      url: ENDORSER.url,
    });
    expect(vc.validFrom).toBe(NOW.toISOString());
  });

  it('endorses the certificate itself, naming the agreement it recognises it under', () => {
    const vc = buildEndorsement(facts());
    expect(vc.credentialSubject.id).toBe(CERT_ID);
    expect(vc.credentialSubject.type).toEqual(['EndorsementSubject']);
    expect(vc.credentialSubject.endorsementComment).toContain('nj-zg-2026');
    expect(vc.credentialSubject.endorsementComment).toContain('ZG-2026-4-000001');
    expect(vc.recognition).toEqual({
      agreement: 'nj-zg-2026',
      certificateNumber: 'ZG-2026-4-000001',
      certificateIssuer: ZIGONG.did,
      occupationCode: '6-18-01-01',
      skillLevel: 4,
    });
  });

  it('ends when the certificate or the agreement does, whichever is first', () => {
    expect(buildEndorsement(facts('2027-10-01T00:00:00Z')).validUntil).toBe('2027-10-01T00:00:00.000Z');
    expect(buildEndorsement(facts('2031-10-01T00:00:00Z')).validUntil).toBe('2028-12-31T23:59:59.000Z');
    // Compared as instants, not as strings.
    expect(buildEndorsement(facts('2028-12-31T23:00:00-05:00')).validUntil).toBe('2028-12-31T23:59:59.000Z');
  });

  it('ends with the agreement when the certificate is open-ended', () => {
    expect(buildEndorsement(facts(undefined, '2029-06-30T00:00:00Z')).validUntil).toBe(
      '2029-06-30T00:00:00.000Z',
    );
  });

  it('carries one revocation entry in the endorsement status list', () => {
    const vc = buildEndorsement(facts());
    expect(vc.credentialStatus).toEqual({
      id: `${LIST_BASE}/revocation#42`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '42',
      statusListCredential: `${LIST_BASE}/revocation`,
    });
  });
});

describe('revocation notices', () => {
  const input = {
    noticeId: 'notice-1',
    issuerDid: 'did:web:neijiang.skillcert.example',
    partnerDid: ZIGONG.did,
    certificate: { id: 'https://neijiang.skillcert.example/certificates/NJ-1', number: 'NJ-1' },
    revokedAt: new Date('2027-03-01T08:30:15.750Z'),
    reason: 'fraud',
  };

  it('is addressed from this region to the partner, stamped with the revocation time', () => {
    const notice = revocationNotice(input);
    expect(notice).toEqual({
      jti: 'notice-1',
      type: 'CertificateRevocationNotice',
      iss: input.issuerDid,
      aud: ZIGONG.did,
      iat: 1_803_889_815,
      certificate: input.certificate,
      revokedAt: '2027-03-01T08:30:15.750Z',
      reason: 'fraud',
    });
    expect(notice.iat).toBe(Math.floor(input.revokedAt.getTime() / 1000));
  });

  it('is recognised as a notice, also after a trip through JSON', () => {
    const notice = revocationNotice(input);
    expect(isRevocationNotice(notice)).toBe(true);
    expect(isRevocationNotice(JSON.parse(JSON.stringify(notice)))).toBe(true);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'CertificateRevocationNotice'],
    ['an array', []],
    ['another type', { ...revocationNotice(input), type: 'CertificateSuspensionNotice' }],
    ['no jti', { ...revocationNotice(input), jti: undefined }],
    ['a numeric iss', { ...revocationNotice(input), iss: 1 }],
    ['no aud', { ...revocationNotice(input), aud: undefined }],
    ['no iat', { ...revocationNotice(input), iat: undefined }],
    ['a string iat', { ...revocationNotice(input), iat: '1804926615' }],
    ['a Date revokedAt', { ...revocationNotice(input), revokedAt: new Date() }],
    ['no reason', { ...revocationNotice(input), reason: undefined }],
    ['no certificate', { ...revocationNotice(input), certificate: undefined }],
    ['a null certificate', { ...revocationNotice(input), certificate: null }],
    ['a certificate without a number', { ...revocationNotice(input), certificate: { id: 'x' } }],
    ['a certificate without an id', { ...revocationNotice(input), certificate: { number: 'NJ-1' } }],
  ])('rejects %s', (_name, value) => {
    expect(isRevocationNotice(value)).toBe(false);
  });
});
