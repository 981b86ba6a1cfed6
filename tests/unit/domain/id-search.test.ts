// The brute-force search of issue 8 works (it finds the ID in a credential of the old form, which
// published a salted SHA-256 of it with its salt), and finds nothing in a credential of today's form.
import { describe, expect, it } from 'vitest';
import { buildCredential, identityHash } from '../../../functions/domain/index.js';
import { searchNationalIds } from '../../fixtures/id-search.js';
import { certificateFacts } from './fixtures.js';

const ID = '51100219900307123X';
// A month around the birth date: enough to show the search works, small enough for a busy CI machine.
const SPAN = { county: '511002', from: new Date('1990-02-20T00:00:00Z'), days: 30 };

const credential = buildCredential(certificateFacts());

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
