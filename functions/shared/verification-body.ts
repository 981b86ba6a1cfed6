// A credential presented for verification or recognition: its compact JWS (a string) or its signed JSON
// form (an object with an embedded proof), in the style of the W3C VC API's verify call.
import { maxLength, minLength, object, record, string, union, unknown } from 'zod/mini';
import { badRequest } from './http.js';

/** A certificate JWS or JSON is ~6 KB; 64 KB leaves room and refuses abuse. */
export const MAX_PRESENTED_CREDENTIAL = 65_536;

export function presentedCredentialBody(field: string, body: unknown): string | Record<string, unknown> {
  const parsed = object({
    [field]: union([
      string().check(minLength(1), maxLength(MAX_PRESENTED_CREDENTIAL)),
      record(string(), unknown()),
    ]),
  }).parse(body)[field] as string | Record<string, unknown>;
  if (typeof parsed === 'string') return parsed.trim();
  if (JSON.stringify(parsed).length > MAX_PRESENTED_CREDENTIAL)
    throw badRequest(`${field} is larger than ${MAX_PRESENTED_CREDENTIAL} characters`);
  return parsed;
}
