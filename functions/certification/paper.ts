// The certificate on paper and on its public page: the holder's downloads and share link, the PDF made
// on demand and kept, the public page's facts and live status, lookups by number and name, and the
// holder's activity feed. docs/paper.md.
import type { ActivityRecord, DynamoDbPaperStore } from '../adapters/dynamodb-paper-store.js';
import {
  ID_TYPE_RESIDENT,
  isLevel,
  offlineClaims,
  type PaperCertificate,
  signOfflineStatement,
  statusListIdOfUrl,
  verdictOf,
} from '../domain/index.js';
import type { PaperInput } from '../paper/certificate-pdf.js';
import { type Verification, type VerificationDeps, verifyByNumber } from '../partners/verification.js';
import type { CertificateRecord, DocumentCache, Page, Signer } from '../ports.js';
import { HttpError, notFound } from '../shared/http.js';
import { credentialJsonOf } from '../shared/signing.js';

export interface PaperDeps {
  store: DynamoDbPaperStore;
  verification: VerificationDeps;
  now(): Date;
}

export interface PdfDeps extends PaperDeps {
  cache: DocumentCache;
  signer: Signer;
  /** renderCertificatePdf; passed in so the page function does not bundle pdf-lib and the font. */
  render(input: PaperInput): Promise<Uint8Array>;
}

const NOT_YOURS = { en: 'You hold no certificate with this number', zh: '您没有此编号的证书' };

/** The holder's own certificate; another person's is as absent as one that does not exist. */
export async function holdersCertificate(deps: PaperDeps, sub: string, number: string) {
  const record = await deps.store.getCertificate(number);
  if (!record || record.holderSub !== sub) throw notFound(NOT_YOURS);
  return record;
}

interface SignedCredential {
  credentialSubject?: {
    name?: string;
    achievement?: { alignment?: { targetCode?: string; targetName?: string; targetType?: string }[] };
  };
  validFrom?: string;
  validUntil?: string;
  credentialStatus?: { statusListCredential?: string; statusListIndex?: string };
}

/** What the paper prints, read from the signed credential (so paper and credential cannot disagree). */
export async function paperCertificateOf(
  deps: PaperDeps,
  record: CertificateRecord,
): Promise<PaperCertificate> {
  const credential = credentialJsonOf(record.jws) as SignedCredential;
  const region = deps.verification.region;
  const occupation = credential.credentialSubject?.achievement?.alignment?.find(
    (a) => a.targetType === 'ext:NationalOccupationCode',
  );
  // targetName is "<zh> <en>" (credential.ts).
  const [nameZh = '', ...nameEn] = (occupation?.targetName ?? '').split(' ');
  const person = await deps.store.getPerson(record.holderSub);
  if (!isLevel(record.level)) throw new Error(`Certificate ${record.number} has no level 1–5`);
  return {
    number: record.number,
    holderName: credential.credentialSubject?.name ?? '',
    idType: ID_TYPE_RESIDENT,
    ...(person?.maskedNationalId ? { maskedId: person.maskedNationalId } : {}),
    occupation: { code: record.occupationCode, nameZh, nameEn: nameEn.join(' ') },
    level: record.level,
    organisation: {
      zh: `${region.nameZh}人力资源和社会保障局`,
      en: `${region.nameEn} Human Resources and Social Security Bureau`,
    },
    region: { code: region.code, nameZh: region.nameZh, nameEn: region.nameEn, did: region.did },
    issuedAt: credential.validFrom ?? record.issuedAt,
    ...(credential.validUntil ? { validUntil: credential.validUntil } : {}),
    timeZone: region.timeZone,
  };
}

/** The public page's short URL: <public URL>/c/<token>. */
export async function shareUrl(deps: PaperDeps, number: string): Promise<string> {
  const token = await deps.store.pageToken(number, deps.now());
  return `${deps.verification.region.publicUrl}/c/${token}`;
}

/** The PDF's place in the cache: one object per certificate. */
export const pdfKey = (number: string) => `certificates/${number}/certificate.pdf`;

/**
 * The certificate's PDF: from the cache, or made now and kept, so the same certificate always gives the
 * same bytes. Status is not printed on it (the page and the codes check it live), so nothing but a new
 * certificate needs a new PDF.
 */
export async function certificatePdf(deps: PdfDeps, record: CertificateRecord): Promise<Uint8Array> {
  const cached = await deps.cache.get(pdfKey(record.number));
  if (cached) return cached;
  const certificate = await paperCertificateOf(deps, record);
  const credential = credentialJsonOf(record.jws) as SignedCredential;
  const status = credential.credentialStatus;
  const list = status?.statusListCredential
    ? statusListIdOfUrl(deps.verification.region, status.statusListCredential)
    : undefined;
  if (!list || status?.statusListIndex === undefined)
    throw new Error(`Certificate ${record.number} names no status list of this region`);
  const statement = await signOfflineStatement(
    offlineClaims(
      certificate,
      { list: list.listId.split('/').pop() as string, index: Number(status.statusListIndex) },
      deps.now(),
    ),
    await deps.signer.keyId(),
    (input) => deps.signer.sign(input),
  );
  const pdf = await deps.render({
    certificate,
    pageUrl: await shareUrl(deps, record.number),
    offlineStatement: statement,
    credentialJws: record.jws,
    credentialJson: JSON.stringify(credentialJsonOf(record.jws), null, 2),
  });
  await deps.cache.put(pdfKey(record.number), pdf, 'application/pdf');
  return pdf;
}

const NO_PDF = {
  en: 'No PDF is kept for this certificate page; the page itself still checks the certificate live',
  zh: '此证书页面没有存档的 PDF；页面本身仍可实时核验证书',
};

/**
 * The PDF behind a public page, from the cache only: the holder's side made it before the token was
 * shared (shareWithPdf), so a public request never renders or signs. A lost object is a 404.
 */
export async function publicPdf(
  deps: Pick<PaperDeps, 'store'> & { cache: Pick<DocumentCache, 'get'> },
  token: string,
): Promise<{ number: string; pdf: Uint8Array }> {
  const number = await deps.store.numberOfToken(token);
  const record = number ? await deps.store.getCertificate(number) : undefined;
  if (!record) throw notFound({ en: 'No such certificate page', zh: '没有这个证书页面' });
  const pdf = await deps.cache.get(pdfKey(record.number));
  if (!pdf) throw notFound(NO_PDF);
  return { number: record.number, pdf };
}

/**
 * The share link, with the PDF made first: the link (and the QR code printed on the PDF) must always have a
 * PDF behind it, because the public side only serves what the cache holds.
 */
export async function shareWithPdf(deps: PdfDeps, record: CertificateRecord): Promise<string> {
  await certificatePdf(deps, record);
  return shareUrl(deps, record.number);
}

/** What the public page shows: the live verdict and the holder's public facts, never an ID number. */
export interface PublicView {
  token: string;
  number: string;
  verdict: Verification;
  paper: PaperCertificate;
  recognitions: ActivityRecord[];
}

export async function publicView(deps: PaperDeps, token: string): Promise<PublicView | undefined> {
  const number = await deps.store.numberOfToken(token);
  const record = number ? await deps.store.getCertificate(number) : undefined;
  if (!record || !number) return undefined;
  const verdict = await verifyByNumber(deps.verification, number);
  const paper = await paperCertificateOf(deps, record);
  const { maskedId: _never, ...shown } = paper;
  const recognitions = await deps.store.listRecognitions(number);
  await recordVerification(deps, number);
  return { token, number, verdict, paper: shown, recognitions };
}

export async function recordVerification(deps: PaperDeps, number: string): Promise<void> {
  const { region } = deps.verification;
  await deps.store.recordActivity(number, {
    at: deps.now().toISOString(),
    kind: 'verification',
    region: region.code,
    regionName: { zh: region.nameZh, en: region.nameEn },
  });
}

/** Lookups by number need the holder's name too (as the national lookup does), and a client's budget. */
export const LOOKUP_BUDGET = { perWindow: 20, windowSeconds: 3600 };

export class LookupBudgetSpent extends HttpError {
  constructor() {
    super(
      429,
      'TooManyLookups',
      {
        en: `At most ${LOOKUP_BUDGET.perWindow} lookups by number an hour from one address; scan the certificate's QR code instead, or try again later`,
        zh: `同一地址每小时最多按编号查询 ${LOOKUP_BUDGET.perWindow} 次；请扫描证书上的二维码，或稍后再试`,
      },
      undefined,
      true,
      LOOKUP_BUDGET.windowSeconds,
    );
  }
}

/** Normalised for comparison: NFKC, no spaces or middle dots (names are typed as people write them). */
function comparableName(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\s·•・.]/g, '')
    .toLowerCase();
}

/**
 * The holder's name matches when it is typed whole, or as its Chinese characters alone (a name registered
 * as "张伟 Zhang Wei" is looked up as 张伟, as it stands on the ID card). Never by a part of the Latin form.
 */
export function nameMatches(registered: string, typed: string): boolean {
  const wanted = comparableName(typed);
  if (!wanted) return false;
  const han = registered.normalize('NFKC').replace(/[^\p{Script=Han}]/gu, '');
  return wanted === comparableName(registered) || (han.length > 0 && wanted === han);
}

/**
 * A lookup by number and name: the verdict when both match, else not-found (the same answer for a wrong
 * name as for a wrong number, so numbers cannot be walked into names). Every lookup spends the client's
 * budget, whatever the answer.
 */
export async function lookUp(
  deps: PaperDeps,
  input: { number: string; name: string; client: string },
): Promise<Verification> {
  if (!(await deps.store.takeLookup(input.client, deps.now(), LOOKUP_BUDGET))) throw new LookupBudgetSpent();
  const record = await deps.store.getCertificate(input.number);
  const holder = record
    ? (credentialJsonOf(record.jws) as SignedCredential).credentialSubject?.name
    : undefined;
  if (!record || !holder || !nameMatches(holder, input.name))
    return verdictOf({ status: 'not-found' }, [
      {
        en: `No certificate numbered ${input.number} is held by that name`,
        zh: `没有该姓名持有的编号为 ${input.number} 的证书`,
      },
    ]);
  const verdict = await verifyByNumber(deps.verification, input.number);
  await recordVerification(deps, input.number);
  return verdict;
}

/**
 * The names of the regions in a holder's activity that were recorded without one: our own from our
 * settings, a partner's from our registry (one read per region). Only the regions in the holder's own
 * feed are named, so the holder learns nothing else of the partner list; a region gone from the registry
 * stays a code.
 */
async function regionNames(
  verification: Pick<VerificationDeps, 'region' | 'registry'>,
  codes: string[],
): Promise<Map<string, { zh: string; en: string }>> {
  const names = new Map<string, { zh: string; en: string }>();
  for (const code of new Set(codes)) {
    if (code === verification.region.code) {
      names.set(code, { zh: verification.region.nameZh, en: verification.region.nameEn });
      continue;
    }
    const partner = await verification.registry.getPartner(code);
    if (partner) names.set(code, { zh: partner.nameZh, en: partner.nameEn });
  }
  return names;
}

export async function activityOf(
  deps: PaperDeps,
  number: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<ActivityRecord>> {
  const found = await deps.store.listActivity(number, page);
  const names = await regionNames(
    deps.verification,
    found.items.filter((i) => !i.regionName).map((i) => i.region),
  );
  return {
    items: found.items.map(({ at, kind, region, regionName }) => {
      const name = regionName ?? names.get(region);
      return { at, kind, region, ...(name ? { regionName: { zh: name.zh, en: name.en } } : {}) };
    }),
    ...(found.nextToken ? { nextToken: found.nextToken } : {}),
  };
}
