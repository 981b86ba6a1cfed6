// The certificate's files: the holder's downloads (PDF, JWS, signed JSON), share link and activity feed.
// PDFs are made here at the holder's first download or share and kept in S3; the public page's download
// link is served from that cache by the public-page function, which cannot render or sign.

import { DynamoDbPaperStore } from '../adapters/dynamodb-paper-store.js';
import { S3DocumentCache } from '../adapters/s3-document-cache.js';
import {
  activityOf,
  certificatePdf,
  holdersCertificate,
  type PdfDeps,
  shareWithPdf,
} from '../certification/paper.js';
import { renderCertificatePdf } from '../paper/certificate-pdf.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { httpHandler, json, notFound, pageRequest, refuseBody } from '../shared/http.js';
import { verificationDeps } from '../shared/partners.js';
import { pdfResponse } from '../shared/pdf-response.js';
import { clock, config } from '../shared/region-config.js';
import { certificateSigner } from '../shared/signer.js';
import { credentialJsonOf } from '../shared/signing.js';

if (!config.DOCUMENTS_BUCKET) throw new Error('DOCUMENTS_BUCKET is not set for this function');
const deps: PdfDeps = {
  store: new DynamoDbPaperStore(config.TABLE_NAME),
  verification: verificationDeps(),
  now: clock.now,
  cache: new S3DocumentCache(config.DOCUMENTS_BUCKET),
  signer: certificateSigner(),
  render: renderCertificatePdf,
};

export const handler = httpHandler(async (event) => {
  const caller = requireGroup(event, 'candidates');
  // Before the certificate is read: a refused request reads and writes nothing.
  if (event.routeKey === 'POST /me/certificates/{number}/share') refuseBody(event);
  const record = await holdersCertificate(deps, caller.sub, pathParam(event, 'number'));
  switch (event.routeKey) {
    case 'GET /me/certificates/{number}/certificate.pdf':
      return pdfResponse(await certificatePdf(deps, record), record.number, 'attachment');
    case 'GET /me/certificates/{number}/credential.jwt':
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/jwt',
          'content-disposition': `attachment; filename="credential-${record.number}.jwt"`,
          'cache-control': 'private, no-store',
        },
        body: record.jws,
      };
    case 'GET /me/certificates/{number}/credential.json':
      return json(200, credentialJsonOf(record.jws), {
        'content-type': 'application/vc+ld+json; charset=utf-8',
        'content-disposition': `attachment; filename="credential-${record.number}.json"`,
        'cache-control': 'private, no-store',
      });
    case 'POST /me/certificates/{number}/share':
      return json(200, { url: await shareWithPdf(deps, record) }, { 'cache-control': 'no-store' });
    case 'GET /me/certificates/{number}/activity':
      return json(200, await activityOf(deps, record.number, pageRequest(event, 20)), {
        'cache-control': 'no-store',
      });
    default:
      throw notFound();
  }
});
