// The brute-force search of issue 8 works (it finds the ID in a credential of the old form, which
// published a salted SHA-256 of it with its salt), and finds nothing in a credential of today's form.
import { describe, expect, it } from 'vitest';
import { buildCredential, decide, identityHash } from '../../../functions/domain/index.js';
import { searchNationalIds } from '../../fixtures/id-search.js';
import { EXAM, LATHE } from './fixtures.js';

const ID = '51100219900307123X';
const SPAN = { county: '511002', from: new Date('1990-01-01T00:00:00Z'), days: 120 };

const credential = buildCredential({
  number: 'NJ-2026-4-000001-Q',
  issuer: {
    did: 'did:web:neijiang.skillcert.example',
    nameZh: '内江',
    nameEn: 'Neijiang',
    url: 'https://neijiang.skillcert.example',
  },
  holder: { id: 'urn:uuid:8d2f4b6a-1c3e-4a5b-9c7d-0e1f2a3b4c5d', name: '张伟' },
  occupation: LATHE,
  level: 4,
  examTitle: EXAM.title,
  decision: decide(EXAM.policy, { theory: 92, practical: 88 }, ['theory', 'practical']),
  issuedAt: new Date('2026-11-24T10:00:00Z'),
  status: { listBaseUrl: 'https://neijiang.skillcert.example/status/neijiang/certificates-1', index: 5 },
});

describe('the ID-number search an attacker runs', () => {
  it('recovers the ID from the IdentityObject credentials carried before', () => {
    const salt = 'r4nd0m-s4lt-0f-16';
    const old = {
      ...credential,
      credentialSubject: {
        ...credential.credentialSubject,
        identifier: [
          {
            type: 'IdentityObject',
            identityType: 'nationalIdentityNumber',
            hashed: true,
            identityHash: identityHash(ID, salt),
            salt,
          },
        ],
      },
    };
    expect(searchNationalIds([old], SPAN.county, SPAN.from, SPAN.days)).toEqual([ID]);
    // Written out plainly, the number is found too.
    expect(searchNationalIds([{ note: `ID ${ID}` }], SPAN.county, SPAN.from, SPAN.days)).toEqual([ID]);
  });

  it('finds nothing in a credential of today’s form', () => {
    expect(searchNationalIds([credential], SPAN.county, SPAN.from, SPAN.days)).toEqual([]);
  });
});
