// The admin routes for partner regions: the trust registry, recognition agreements, and the status of
// issued certificates (suspend, reinstate, revoke — a revocation tells every partner). Its own function,
// so the exam-admin function bundles no Step Functions client and this one no exam schemas.
import { _default, array, literal, maxLength, minLength, object, optional, string, union } from 'zod/mini';
import { changeCertificateStatus } from '../certification/certificate-status.js';
import { noticeReport } from '../partners/notices.js';
import { listAgreements, listPartners, putAgreement, putPartner } from '../partners/registry.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { clock, store } from '../shared/certification.js';
import { httpHandler, json, jsonBody, notFound, pageRequest } from '../shared/http.js';
import { noticeDispatcher } from '../shared/notice-dispatcher.js';
import { partnerUrls, region, registry } from '../shared/partners.js';
import { statusPublication } from '../shared/status-publication.js';

const registryDeps = () => ({
  region,
  registry,
  partnerUrls,
  notices: { certificates: store, dispatcher: noticeDispatcher() },
});
const statusDeps = () => ({
  region,
  certificates: store,
  registry,
  dispatcher: noticeDispatcher(),
  now: clock.now,
  publication: statusPublication(),
});
const level = union([literal(5), literal(4), literal(3), literal(2), literal(1)]);
const url = string().check(maxLength(500));
const partnerBody = object({
  nameZh: string().check(maxLength(100)),
  nameEn: string().check(maxLength(100)),
  did: string().check(maxLength(200)),
  publicUrl: url,
  apiUrl: url,
  jwksUrl: url,
  webhookUrl: optional(url),
  status: _default(union([literal('active'), literal('suspended')]), 'active'),
});
const agreementBody = object({
  partnerCode: string().check(minLength(2), maxLength(32)),
  occupationCodes: array(string().check(maxLength(20))).check(maxLength(200)),
  levels: array(level).check(maxLength(5)),
  validFrom: string().check(maxLength(40)),
  validUntil: string().check(maxLength(40)),
  status: _default(union([literal('active'), literal('suspended'), literal('terminated')]), 'active'),
});
const statusBody = object({
  action: union([literal('suspend'), literal('reinstate'), literal('revoke')]),
  reason: string().check(minLength(3), maxLength(500)),
});

export const handler = httpHandler(async (event) => {
  const caller = requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/partners/{code}':
      return json(
        200,
        await putPartner(registryDeps(), pathParam(event, 'code'), partnerBody.parse(jsonBody(event))),
      );
    case 'GET /admin/partners':
      return json(200, await listPartners({ registry }, pageRequest(event)));
    case 'PUT /admin/agreements/{agreementId}':
      return json(
        200,
        await putAgreement(
          { region, registry },
          pathParam(event, 'agreementId'),
          agreementBody.parse(jsonBody(event)),
        ),
      );
    case 'GET /admin/agreements':
      return json(200, await listAgreements({ registry }, pageRequest(event)));
    case 'POST /admin/certificates/{number}/status': {
      const body = statusBody.parse(jsonBody(event));
      return json(
        200,
        await changeCertificateStatus(statusDeps(), {
          number: pathParam(event, 'number'),
          action: body.action,
          reason: body.reason,
          adminSub: caller.sub,
        }),
      );
    }
    case 'GET /admin/certificates/{number}':
      return json(200, await certificateAdminView(pathParam(event, 'number')));
    case 'GET /admin/certificates/{number}/notices':
      return json(200, await noticeReport({ certificates: store, registry }, pathParam(event, 'number')));
    default:
      throw notFound();
  }
});

/** A certificate as admins see it: status, history and the notices its revocation sent. */
async function certificateAdminView(number: string) {
  const certificate = await store.getCertificate(number);
  if (!certificate) throw notFound(`No certificate numbered ${number}`);
  const { jws: _jws, ...record } = certificate;
  const notices = (await store.listNoticesOf(number)).map(({ jws: _n, ...notice }) => notice);
  return { ...record, notices };
}
