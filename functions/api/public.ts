// Request bodies of the public routes and the partner machine client's, and of the signing-key admin
// routes (verification-api.ts, holder-check.ts, partner-notices.ts, recognition-api.ts,
// signing-keys-admin-api.ts).
import { maxLength, minLength, record, string, union, unknown } from 'zod/mini';
import { body, instant, longText } from './fields.js';

/** A certificate JWS or JSON is ~6 KB; 64 KB leaves room and refuses abuse. */
export const MAX_PRESENTED_CREDENTIAL = 65_536;

/** A credential as a compact JWS or as signed JSON (an object with its embedded proof). */
const presented = union([
  string().check(minLength(1), maxLength(MAX_PRESENTED_CREDENTIAL)),
  record(string(), unknown()),
]);

export const verifyBody = body({ verifiableCredential: presented });
export const recognitionBody = body({ credential: presented });
export const partnerNoticeBody = body({
  notice: string().check(minLength(1), maxLength(MAX_PRESENTED_CREDENTIAL)),
});

export const holderCheckBody = body({
  certificateNumber: string().check(minLength(6), maxLength(40)),
  nationalId: string().check(minLength(15), maxLength(24)),
});

export const keyCompromiseBody = body({
  compromisedAt: instant(),
  reason: longText(500, 3),
});
