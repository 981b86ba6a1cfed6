// Verifying a certificate: the signature against the issuing region's published keys, the key's own
// validity, the credential's dates and its status bits. The verdict names one outcome and gives every
// reason, in words a verifier can act on. Pure: keys, status lists and the time come in as arguments.
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { StatusList } from './status-list.js';

export type VerdictStatus =
  | 'valid'
  | 'revoked'
  | 'suspended'
  | 'expired'
  | 'not-yet-valid'
  | 'signature-invalid'
  | 'unknown-issuer'
  | 'malformed';

export interface Verdict {
  status: VerdictStatus;
  reasons: string[];
  /** What a verifier needs to see; never an ID number (the credential holds only its salted hash). */
  certificate?: {
    number?: string;
    holderName?: string;
    achievement?: string;
    occupationCode?: string;
    level?: number;
    issuer?: string;
    validFrom?: string;
    validUntil?: string;
  };
}

/** A published key with the window in which it signs; a compromised key voids what it signed after. */
export interface VerificationKey extends JWK {
  kid: string;
  signsFrom?: string;
  signsUntil?: string;
  compromisedAt?: string;
}

export interface StatusSnapshot {
  /** statusListCredential URL → the decoded list for that URL's purpose. */
  lists: Record<string, StatusList>;
}

interface CredentialShape {
  issuer?: { id?: string } | string;
  validFrom?: string;
  validUntil?: string;
  credentialStatus?:
    | { statusListCredential?: string; statusListIndex?: string; statusPurpose?: string }
    | unknown[];
  credentialSubject?: {
    name?: string;
    achievement?: { name?: string; alignment?: { targetCode?: string }[]; 'skillcert:level'?: number };
  };
  'skillcert:certificateNumber'?: string;
}

function summary(c: CredentialShape): NonNullable<Verdict['certificate']> {
  return {
    ...(c['skillcert:certificateNumber'] ? { number: c['skillcert:certificateNumber'] } : {}),
    ...(c.credentialSubject?.name ? { holderName: c.credentialSubject.name } : {}),
    ...(c.credentialSubject?.achievement?.name ? { achievement: c.credentialSubject.achievement.name } : {}),
    ...(c.credentialSubject?.achievement?.alignment?.[0]?.targetCode
      ? { occupationCode: c.credentialSubject.achievement.alignment[0].targetCode }
      : {}),
    ...(c.credentialSubject?.achievement?.['skillcert:level'] !== undefined
      ? { level: c.credentialSubject.achievement['skillcert:level'] }
      : {}),
    ...(c.issuer ? { issuer: typeof c.issuer === 'string' ? c.issuer : c.issuer.id } : {}),
    ...(c.validFrom ? { validFrom: c.validFrom } : {}),
    ...(c.validUntil ? { validUntil: c.validUntil } : {}),
  };
}

export async function verifyCredential(input: {
  jws: string;
  keys: VerificationKey[];
  status?: StatusSnapshot;
  now: Date;
}): Promise<Verdict> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(input.jws);
    if (input.jws.split('.').length !== 3) throw new Error('not compact');
  } catch {
    return { status: 'malformed', reasons: ['The credential is not a compact JWS'] };
  }
  if (header.alg !== 'ES256') {
    return {
      status: 'signature-invalid',
      reasons: [`Algorithm ${String(header.alg)} is not accepted; certificates are signed ES256`],
    };
  }
  const key = input.keys.find((k) => k.kid === header.kid);
  if (!key) {
    return { status: 'unknown-issuer', reasons: [`No published key has the id ${String(header.kid)}`] };
  }
  let credential: CredentialShape;
  try {
    const { payload } = await compactVerify(input.jws, await importJWK(key, 'ES256'), {
      algorithms: ['ES256'],
    });
    credential = JSON.parse(new TextDecoder().decode(payload)) as CredentialShape;
  } catch {
    return {
      status: 'signature-invalid',
      reasons: ['The signature does not match the credential: it was altered or not signed with this key'],
    };
  }

  const certificate = summary(credential);
  const issuerDid = certificate.issuer;
  const keyOwner = key.kid.split('#')[0];
  if (!issuerDid || issuerDid !== keyOwner) {
    return {
      status: 'unknown-issuer',
      reasons: [`The credential names issuer ${issuerDid ?? '(none)'} but was signed by ${keyOwner}`],
      certificate,
    };
  }
  const signedAt = credential.validFrom ? new Date(credential.validFrom) : undefined;
  if (!signedAt || Number.isNaN(signedAt.getTime()))
    return { status: 'malformed', reasons: ['The credential has no validFrom'], certificate };
  if (key.compromisedAt && signedAt >= new Date(key.compromisedAt)) {
    return {
      status: 'signature-invalid',
      reasons: [
        `Signed at ${credential.validFrom} by key ${key.kid}, which was declared compromised from ${key.compromisedAt}`,
      ],
      certificate,
    };
  }
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  ) {
    return {
      status: 'signature-invalid',
      reasons: [`Key ${key.kid} did not sign certificates at ${credential.validFrom}`],
      certificate,
    };
  }
  if (signedAt > input.now) {
    return { status: 'not-yet-valid', reasons: [`Valid from ${credential.validFrom}`], certificate };
  }
  if (credential.validUntil && new Date(credential.validUntil) < input.now) {
    return { status: 'expired', reasons: [`Expired on ${credential.validUntil}`], certificate };
  }

  const entries = (
    Array.isArray(credential.credentialStatus) ? credential.credentialStatus : [credential.credentialStatus]
  ).filter(
    (e): e is { statusListCredential: string; statusListIndex: string; statusPurpose: string } =>
      typeof e === 'object' && e !== null && 'statusListCredential' in e,
  );
  for (const entry of entries) {
    const list =
      input.status?.lists[`${entry.statusListCredential}#${entry.statusPurpose}`] ??
      input.status?.lists[entry.statusListCredential];
    if (!list) {
      if (input.status)
        return {
          status: 'malformed',
          reasons: [`No status list for ${entry.statusListCredential}`],
          certificate,
        };
      continue;
    }
    if (list.get(Number(entry.statusListIndex))) {
      return entry.statusPurpose === 'suspension'
        ? { status: 'suspended', reasons: ['The issuer has suspended this certificate'], certificate }
        : { status: 'revoked', reasons: ['The issuer has revoked this certificate'], certificate };
    }
  }
  return {
    status: 'valid',
    reasons: [
      `Signed by ${key.kid}`,
      ...(input.status
        ? ['Not revoked or suspended in the status list']
        : ['Status not checked: no status list given']),
    ],
    certificate,
  };
}
