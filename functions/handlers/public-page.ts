// The public pages, server-rendered HTML with no script: the certificate's page the main QR code opens
// (/c/{token}), its PDF from the cache (made on the holder's side, never rendered or signed here), and
// /verify, which checks a pasted JWS or JSON credential, an uploaded certificate PDF (the credential it
// carries), or a number with the holder's name (throttled per client).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoDbPaperStore } from '../adapters/dynamodb-paper-store.js';
import { S3DocumentCache } from '../adapters/s3-document-cache.js';
import {
  LOOKUP_BUDGET,
  LookupBudgetSpent,
  lookUp,
  type PaperDeps,
  publicPdf,
  publicView,
} from '../certification/paper.js';
import {
  certificatePage,
  contentSecurityPolicy,
  type HtmlPage,
  langOf,
  notFoundPage,
  verifyPage,
} from '../paper/page-html.js';
import { credentialInPdf } from '../paper/pdf-attachments.js';
import { verifyPresented } from '../partners/verification.js';
import { pathParam } from '../shared/caller.js';
import { checkProof } from '../shared/data-integrity.js';
import { badRequest, type HttpResult, notFound, tooLarge } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { pdfResponse } from '../shared/pdf-response.js';
import { clock, config } from '../shared/region-config.js';
import { MAX_PRESENTED_CREDENTIAL } from '../shared/verification-body.js';

const deps: PaperDeps = {
  store: new DynamoDbPaperStore(config.TABLE_NAME),
  verification: { ...verificationDeps(), checkProof },
  now: clock.now,
};
if (!config.DOCUMENTS_BUCKET) throw new Error('DOCUMENTS_BUCKET is not set for this function');
// Read only: the role may GetObject and nothing else on the bucket.
const cache = new S3DocumentCache(config.DOCUMENTS_BUCKET);
/** An uploaded PDF of ours is about 80 KB; 2 MB leaves room for a re-saved copy and refuses the rest. */
const MAX_FORM_BYTES = 2 * 1024 * 1024;

function page(statusCode: number, { html, nonce }: HtmlPage): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
    body: html,
  };
}

async function formOf(event: APIGatewayProxyEventV2): Promise<FormData> {
  if (!event.body) return new FormData();
  const bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_FORM_BYTES)
    throw tooLarge({ en: 'The form is larger than 2 MB', zh: '提交的内容超过 2 MB' });
  const type = event.headers['content-type'] ?? '';
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(type))
    throw badRequest({
      en: 'content-type: send the form as multipart/form-data or application/x-www-form-urlencoded',
      zh: 'content-type：请以 multipart/form-data 或 application/x-www-form-urlencoded 提交表单',
    });
  try {
    // The runtime's own Fetch API parses the form (multipart included): no parser of ours.
    return await new Request('http://form.invalid/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: bytes,
    }).formData();
  } catch {
    throw badRequest({ en: 'The form could not be read', zh: '无法读取提交的表单' });
  }
}

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

async function verifySubmitted(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const lang = langOf(event.queryStringParameters);
  const timeZone = deps.verification.region.timeZone;
  const form = await formOf(event);
  const pasted = text(form, 'credential');
  const upload = form.get('pdf');
  const [number, name] = [text(form, 'number'), text(form, 'name')];
  if (pasted) {
    if (pasted.length > MAX_PRESENTED_CREDENTIAL)
      throw badRequest({
        en: `credential: longer than ${MAX_PRESENTED_CREDENTIAL} characters`,
        zh: `credential：超过 ${MAX_PRESENTED_CREDENTIAL} 个字符`,
      });
    let credential: string | Record<string, unknown> = pasted;
    if (pasted.startsWith('{')) {
      try {
        credential = JSON.parse(pasted) as Record<string, unknown>;
      } catch {
        throw badRequest({ en: 'credential: not valid JSON', zh: 'credential：不是有效的 JSON' });
      }
    }
    return page(
      200,
      verifyPage({
        lang,
        result: { verdict: await verifyPresented(deps.verification, credential), timeZone },
      }),
    );
  }
  if (upload instanceof Blob && upload.size > 0) {
    let credential: string | Record<string, unknown> | undefined;
    try {
      credential = await credentialInPdf(new Uint8Array(await upload.arrayBuffer()));
    } catch {
      credential = undefined;
    }
    if (!credential) return page(400, verifyPage({ lang, result: { problem: 'badPdf' } }));
    return page(
      200,
      verifyPage({
        lang,
        result: { verdict: await verifyPresented(deps.verification, credential), timeZone },
      }),
    );
  }
  if (number || name) {
    if (!/^[A-Z0-9-]{6,40}$/.test(number))
      throw badRequest({
        en: 'number: a certificate number looks like NJ-2026-4-000001-X',
        zh: 'number：证书编号形如 NJ-2026-4-000001-X',
      });
    if (!name || name.length > 100)
      throw badRequest({
        en: "name: the holder's name is needed (at most 100 characters)",
        zh: 'name：需要持证人姓名（最多 100 个字符）',
      });
    let verdict: Awaited<ReturnType<typeof lookUp>>;
    try {
      verdict = await lookUp(deps, { number, name, client: event.requestContext.http.sourceIp });
    } catch (error) {
      if (!(error instanceof LookupBudgetSpent)) throw error;
      const answer = page(429, verifyPage({ lang, result: { problem: 'tooMany' } }));
      return {
        ...answer,
        headers: { ...answer.headers, 'retry-after': String(LOOKUP_BUDGET.windowSeconds) },
      };
    }
    return page(
      verdict.status === 'not-found' ? 404 : 200,
      verifyPage({ lang, result: { verdict, timeZone } }),
    );
  }
  return page(400, verifyPage({ lang, result: { problem: 'noInput' } }));
}

export const handler = partnerHttpHandler(async (event) => {
  const lang = langOf(event.queryStringParameters);
  switch (event.routeKey) {
    case 'GET /c/{token}': {
      const token = pathParam(event, 'token');
      const view = await publicView(deps, token);
      if (!view) return page(404, notFoundPage(lang));
      return page(200, certificatePage({ lang, ...view, checkedAt: deps.now() }));
    }
    case 'GET /c/{token}/certificate.pdf': {
      const { number, pdf } = await publicPdf({ store: deps.store, cache }, pathParam(event, 'token'));
      return pdfResponse(pdf, number, 'inline');
    }
    case 'GET /verify':
      return page(200, verifyPage({ lang }));
    case 'POST /verify':
      return verifySubmitted(event);
    default:
      throw notFound();
  }
});
