// A certificate PDF as an HTTP answer: the holder's download (attachment) and the public page's (inline).
import type { HttpResult } from './http.js';

export function pdfResponse(
  pdf: Uint8Array,
  number: string,
  disposition: 'attachment' | 'inline',
): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `${disposition}; filename="certificate-${number}.pdf"`,
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
    },
    body: Buffer.from(pdf).toString('base64'),
    isBase64Encoded: true,
  };
}
