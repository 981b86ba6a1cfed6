// The admin routes for partner regions: the trust registry, recognition agreements, and the status of
// issued certificates (suspend, reinstate, revoke — a revocation tells every partner). Its own function,
// so the exam-admin function bundles no Step Functions client and this one no exam schemas.
import { agreementBody, certificateStatusBody, partnerBody } from '../api/partners.js';
import { changeCertificateStatus } from '../certification/certificate-status.js';
import { noticeReport } from '../partners/notices.js';
import { listAgreements, listPartners, putAgreement, putPartner } from '../partners/registry.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { clock, store } from '../shared/certification.js';
import { httpHandler, json, notFound, pageRequest, parseBody } from '../shared/http.js';
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
export const handler = httpHandler(async (event) => {
  const caller = requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/partners/{code}':
      return json(
        200,
        await putPartner(registryDeps(), pathParam(event, 'code'), parseBody(partnerBody, event)),
      );
    case 'GET /admin/partners':
      return json(200, await listPartners({ registry }, pageRequest(event)));
    case 'PUT /admin/agreements/{agreementId}':
      return json(
        200,
        await putAgreement(
          { region, registry },
          pathParam(event, 'agreementId'),
          parseBody(agreementBody, event),
        ),
      );
    case 'GET /admin/agreements':
      return json(200, await listAgreements({ registry }, pageRequest(event)));
    case 'POST /admin/certificates/{number}/status': {
      const body = parseBody(certificateStatusBody, event);
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
  if (!certificate)
    throw notFound({ en: `No certificate numbered ${number}`, zh: `没有编号为 ${number} 的证书` });
  const { jws: _jws, ...record } = certificate;
  const notices = (await store.listNoticesOf(number)).map(({ jws: _n, ...notice }) => notice);
  return { ...record, notices };
}
