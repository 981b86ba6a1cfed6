// PRC resident identity numbers (居民身份证号码, GB 11643-1999: 18 characters). The number itself is never
// stored, put in a credential or logged: the region keeps only a keyed hash of it (identityMacInput, under
// a key in KMS). An 18-character ID has little entropy (region, birth date, 3-digit sequence, check
// character), so any hash computable without a secret — salted or not — is reversed by searching.

import { createHash } from 'node:crypto';
import type { Bilingual } from './errors.js';

/** ISO 7064 MOD 11-2 weights 2^(17−i) mod 11 for the 17 digits. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check character for each value of the weighted sum mod 11. */
const CHECK = '10X98765432';

export const MIN_SALT_LENGTH = 16;

/** The ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function nationalIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('The check character is computed over 17 digits');
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0);
  return CHECK[sum % 11] as string;
}

function normalise(value: string): string {
  return value.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/**
 * Why a resident ID is not valid, or undefined when it is: 18 characters (17 digits and a digit or X),
 * a region code not starting with 0 or 9, a real date of birth from 1900 on, and the right check character.
 */
export function nationalIdProblem(value: string): Bilingual | undefined {
  const id = normalise(value);
  if (!/^\d{17}[\dX]$/.test(id))
    return {
      en: 'A resident ID is 17 digits followed by a digit or X',
      zh: '居民身份证号码为 17 位数字加 1 位数字或 X',
    };
  if (id[0] === '0' || id[0] === '9')
    return {
      en: 'The region code of a resident ID starts with 1–8',
      zh: '居民身份证号码的地区码须以 1–8 开头',
    };
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1900 ||
    birth.getUTCFullYear() !== year ||
    birth.getUTCMonth() !== month - 1 ||
    birth.getUTCDate() !== day
  ) {
    return {
      en: 'The date of birth in the resident ID is not a real date',
      zh: '居民身份证号码中的出生日期不是有效日期',
    };
  }
  if (nationalIdCheckCharacter(id.slice(0, 17)) !== id[17])
    return {
      en: 'The check character does not match: the ID was mistyped',
      zh: '校验码不符：号码可能输入有误',
    };
  return undefined;
}

/** True for an 18-character resident ID whose date and ISO 7064 MOD 11-2 check character are right. */
export function isNationalId(value: string): boolean {
  return nationalIdProblem(value) === undefined;
}

/** What the region's identity key MACs: the normalised ID (upper-case X, no spaces), once it is valid. */
export function identityMacInput(nationalId: string): string {
  const problem = nationalIdProblem(nationalId);
  if (problem) throw new RangeError(`Not a valid resident identity number: ${problem.en}`);
  return normalise(nationalId);
}

/**
 * The salted hash of people registered before identity MACs (and of credentials issued before them, which
 * published it in an OB 3.0 IdentityObject); kept to check those people's IDs, never made for new ones.
 * The OB 3.0 IdentityObject hash: `sha256$` + hex SHA-256 of the normalised ID (upper-case X, no spaces)
 * with the salt appended, as OB 3.0 defines identityHash. The salt is per holder and random (the caller
 * makes it), so equal IDs in two credentials cannot be linked and the 18-digit space cannot be searched
 * without it.
 */
export function identityHash(nationalId: string, salt: string): string {
  const problem = nationalIdProblem(nationalId);
  if (problem) throw new RangeError(`Not a valid resident identity number: ${problem.en}`);
  if (salt.length < MIN_SALT_LENGTH)
    throw new RangeError(`The identity salt must be at least ${MIN_SALT_LENGTH} characters`);
  return `sha256$${createHash('sha256')
    .update(`${normalise(nationalId)}${salt}`)
    .digest('hex')}`;
}

/** True when the ID, with this salt, is the one the hash stands for (a verifier holding the ID checks it). */
export function identityMatches(nationalId: string, salt: string, hash: string): boolean {
  if (!isNationalId(nationalId) || salt.length < MIN_SALT_LENGTH) return false;
  return identityHash(nationalId, salt) === hash.toLowerCase();
}
