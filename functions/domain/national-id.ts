// PRC resident identity numbers (18 characters, GB 11643) and the salted hash that stands for a holder in a
// credential. The number itself is never put in a credential or a log.
import { createHash } from 'node:crypto';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** True for an 18-character resident ID whose ISO 7064 MOD 11-2 check character is right. */
export function isNationalId(value: string): boolean {
  const id = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK[sum % 11] === id[17];
}

/** The OB 3.0 IdentityObject hash: sha256 over the salted, normalised ID. */
export function identityHash(nationalId: string, salt: string): string {
  if (!isNationalId(nationalId)) throw new RangeError('Not a valid resident identity number');
  if (salt.length < 16) throw new RangeError('The identity salt must be at least 16 characters');
  return `sha256$${createHash('sha256').update(`${nationalId.trim().toUpperCase()}${salt}`).digest('hex')}`;
}
