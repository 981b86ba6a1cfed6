// The trust registry, kept by admins: which regions are partners (and where their keys, status lists
// and webhook are), and the recognition agreements with them.
import type { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import {
  type Agreement,
  agreementProblems,
  type PartnerRegion,
  parseBoundary,
  partnerProblems,
} from '../domain/index.js';
import type { PartnerUrlPolicy } from '../domain/partner-urls.js';
import type { NoticeDispatcher, RevocationNotices } from '../ports.js';
import { badRequest, type PageRequest } from '../shared/http.js';
import { releaseHeldNotices, whyHeld } from './notices.js';
import type { RegionSettings } from './verification.js';

export interface RegistryDeps {
  region: RegionSettings;
  registry: DynamoDbRegistryStore;
  /** Which partner URLs may be entered (server-side request forgery, docs/security.md). */
  partnerUrls: PartnerUrlPolicy;
  /** Where held revocation notices wait and how their delivery starts. */
  notices: { certificates: RevocationNotices; dispatcher: NoticeDispatcher };
}

/**
 * Enters or changes a partner region. A partner that is (again) active with a webhook is sent the
 * revocation notices held for it while it was suspended or had none.
 */
export async function putPartner(deps: RegistryDeps, code: string, body: Omit<PartnerRegion, 'code'>) {
  const partner: PartnerRegion = { ...body, code };
  const problems = partnerProblems(partner, deps.region.code, deps.partnerUrls);
  if (problems.length > 0)
    throw badRequest(
      {
        en: `The partner region is not sound: ${problems.join('; ')}`,
        zh: `伙伴地区信息有误：${problems.join('；')}`,
      },
      problems,
    );
  await deps.registry.putPartner(partner);
  const released = whyHeld(partner) ? [] : await releaseHeldNotices(deps.notices, code);
  return { ...partner, ...(released.length > 0 ? { releasedNotices: released } : {}) };
}

export async function listPartners(deps: Pick<RegistryDeps, 'registry'>, page: PageRequest) {
  const found = await deps.registry.listPartnersPage(page);
  return { partners: found.items, ...(found.nextToken ? { nextToken: found.nextToken } : {}) };
}

export async function putAgreement(
  deps: Pick<RegistryDeps, 'region' | 'registry'>,
  id: string,
  body: Omit<Agreement, 'id' | 'parties'> & { partnerCode: string },
) {
  const { partnerCode, ...rest } = body;
  // A day typed by an admin (2029-12-31) is that whole day in the region's calendar; an instant keeps its
  // offset. Both are stored as UTC instants, so "until 31 December" holds until midnight in Beijing.
  const validFrom = parseBoundary(rest.validFrom, deps.region.timeZone, 'start');
  const validUntil = parseBoundary(rest.validUntil, deps.region.timeZone, 'end');
  if (!validFrom || !validUntil)
    throw badRequest({
      en: `validFrom and validUntil are days (2029-12-31, in ${deps.region.timeZone}) or instants with an offset (2029-12-31T23:59:59+08:00)`,
      zh: `validFrom 与 validUntil 须为日期（如 2029-12-31，按 ${deps.region.timeZone} 时区）或带时区偏移的时间（如 2029-12-31T23:59:59+08:00）`,
    });
  const agreement: Agreement = {
    ...rest,
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    id,
    parties: [deps.region.code, partnerCode],
  };
  const problems = agreementProblems(agreement, deps.region.code);
  if (!(await deps.registry.getPartner(partnerCode)))
    problems.push(`${partnerCode} is not in the trust registry; add the partner region first`);
  if (problems.length > 0)
    throw badRequest(
      {
        en: `The agreement is not sound: ${problems.join('; ')}`,
        zh: `互认协议有误：${problems.join('；')}`,
      },
      problems,
    );
  await deps.registry.putAgreement(agreement);
  return agreement;
}

export async function listAgreements(deps: Pick<RegistryDeps, 'registry'>, page: PageRequest) {
  const found = await deps.registry.listAgreementsPage(page);
  return { agreements: found.items, ...(found.nextToken ? { nextToken: found.nextToken } : {}) };
}
