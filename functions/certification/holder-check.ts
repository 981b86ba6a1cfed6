// Holder binding without publishing anything about the holder's ID: a verifier who has been shown the
// holder's ID card asks the issuing region whether this certificate belongs to that ID. The region MACs
// the ID with its identity key and compares it with what it registered for the holder; the answer is yes
// or no and nothing else. Throttled at the route, and every check is logged (never the ID).
import { timingSafeEqual } from 'node:crypto';
import { identityMacInput, identityMatches, nationalIdProblem } from '../domain/index.js';
import type { CertificateRecords, IdentityKey, PeopleRegister } from '../ports.js';
import { badRequest, notFound } from '../shared/http.js';

export interface HolderCheckDeps {
  store: PeopleRegister & Pick<CertificateRecords, 'getCertificate'>;
  identityKey: IdentityKey;
  /** Where each check is recorded: the number, the answer and the caller's address, never the ID. */
  record(check: { certificateNumber: string; matches: boolean; sourceIp: string }): void;
}

function same(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function checkHolder(
  deps: HolderCheckDeps,
  input: { certificateNumber: string; nationalId: string; sourceIp: string },
): Promise<{ certificateNumber: string; matches: boolean }> {
  const problem = nationalIdProblem(input.nationalId);
  if (problem)
    throw badRequest({ en: `nationalId: ${problem.en}`, zh: `nationalId：${problem.zh}` }, [
      { field: 'nationalId', message: problem.en, messageZh: problem.zh },
    ]);
  const certificate = await deps.store.getCertificate(input.certificateNumber);
  if (!certificate)
    throw notFound({
      en: `No certificate numbered ${input.certificateNumber}`,
      zh: `没有编号为 ${input.certificateNumber} 的证书`,
    });
  const holder = await deps.store.getPerson(certificate.holderSub);
  let matches = false;
  if (holder?.identityMac) {
    matches = same(await deps.identityKey.mac(identityMacInput(input.nationalId)), holder.identityMac);
  } else if (holder?.identityHash && holder.identitySalt) {
    // Registered before identity MACs: the salted hash the region kept then.
    matches = identityMatches(input.nationalId, holder.identitySalt, holder.identityHash);
  }
  deps.record({ certificateNumber: certificate.number, matches, sourceIp: input.sourceIp });
  return { certificateNumber: certificate.number, matches };
}
