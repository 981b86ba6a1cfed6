// The trust registry, kept by admins: which regions are partners (and where their keys, status lists
// and webhook are), and the recognition agreements with them.
import type { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import { type Agreement, agreementProblems, type PartnerRegion, partnerProblems } from '../domain/index.js';
import { badRequest } from '../shared/http.js';
import type { RegionSettings } from './verification.js';

export interface RegistryDeps {
  region: RegionSettings;
  registry: DynamoDbRegistryStore;
}

export async function putPartner(deps: RegistryDeps, code: string, body: Omit<PartnerRegion, 'code'>) {
  const partner: PartnerRegion = { ...body, code };
  const problems = partnerProblems(partner, deps.region.code);
  if (problems.length > 0) throw badRequest('The partner region is not sound', problems);
  await deps.registry.putPartner(partner);
  return partner;
}

export async function listPartners(deps: RegistryDeps) {
  return { partners: await deps.registry.listPartners() };
}

export async function putAgreement(
  deps: RegistryDeps,
  id: string,
  body: Omit<Agreement, 'id' | 'parties'> & { partnerCode: string },
) {
  const { partnerCode, ...rest } = body;
  const agreement: Agreement = { ...rest, id, parties: [deps.region.code, partnerCode] };
  const problems = agreementProblems(agreement, deps.region.code);
  if (!(await deps.registry.getPartner(partnerCode)))
    problems.push(`${partnerCode} is not in the trust registry; add the partner region first`);
  if (problems.length > 0) throw badRequest('The agreement is not sound', problems);
  await deps.registry.putAgreement(agreement);
  return agreement;
}

export async function listAgreements(deps: RegistryDeps) {
  return { agreements: await deps.registry.listAgreements() };
}
