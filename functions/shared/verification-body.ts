// A credential presented for verification or recognition: its compact JWS (a string) or its signed JSON
// form (an object with an embedded proof), in the style of the W3C VC API's verify call. The bodies are
// declared in api/public.ts (verifyBody, recognitionBody).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_PRESENTED_CREDENTIAL, recognitionBody, verifyBody } from '../api/public.js';
import { badRequest, parseBody } from './http.js';

export { MAX_PRESENTED_CREDENTIAL } from '../api/public.js';

export function presentedCredentialBody(
  field: 'verifiableCredential' | 'credential',
  event: APIGatewayProxyEventV2,
): string | Record<string, unknown> {
  const parsed =
    field === 'credential'
      ? parseBody(recognitionBody, event).credential
      : parseBody(verifyBody, event).verifiableCredential;
  if (typeof parsed === 'string') return parsed.trim();
  if (JSON.stringify(parsed).length > MAX_PRESENTED_CREDENTIAL)
    throw badRequest({
      en: `${field} is larger than ${MAX_PRESENTED_CREDENTIAL} characters`,
      zh: `${field} 超过 ${MAX_PRESENTED_CREDENTIAL} 个字符`,
    });
  return parsed as Record<string, unknown>;
}
