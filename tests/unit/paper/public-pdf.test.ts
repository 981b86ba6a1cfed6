// The public PDF comes from the cache only: a token names a certificate, the cache holds its PDF or the
// answer is a bilingual 404; nothing is rendered, signed or written on the way (the deps offer no way to).
import { describe, expect, it } from 'vitest';
import type { DynamoDbPaperStore } from '../../../functions/adapters/dynamodb-paper-store.js';
import { pdfKey, publicPdf } from '../../../functions/certification/paper.js';
import { HttpError } from '../../../functions/shared/http.js';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUv';
const NUMBER = 'NJ-2026-4-000001-X';
const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46]);

function deps(objects: Map<string, Uint8Array>) {
  const asked: string[] = [];
  const store = {
    numberOfToken: async (token: string) => (token === TOKEN ? NUMBER : undefined),
    getCertificate: async (number: string) => (number === NUMBER ? { number } : undefined),
  } as unknown as DynamoDbPaperStore;
  const cache = {
    get: async (key: string) => {
      asked.push(key);
      return objects.get(key);
    },
  };
  return { deps: { store, cache }, asked };
}

describe('publicPdf', () => {
  it('serves the cached PDF of the certificate the token names', async () => {
    const { deps: d, asked } = deps(new Map([[pdfKey(NUMBER), PDF]]));
    expect(await publicPdf(d, TOKEN)).toEqual({ number: NUMBER, pdf: PDF });
    expect(asked).toEqual([`certificates/${NUMBER}/certificate.pdf`]);
  });

  it('answers 404 in both languages when the cache has no PDF for the token', async () => {
    const { deps: d } = deps(new Map());
    const error = await publicPdf(d, TOKEN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(404);
    expect((error as HttpError).message).toContain('No PDF is kept');
    expect((error as HttpError).messageZh).toContain('没有存档的 PDF');
  });

  it('answers 404 for a token no certificate has, without asking the cache', async () => {
    const { deps: d, asked } = deps(new Map([[pdfKey(NUMBER), PDF]]));
    const error = await publicPdf(d, 'ZZZZZZZZZZZZZZZZZZZZZZ').catch((e: unknown) => e);
    expect((error as HttpError).statusCode).toBe(404);
    expect((error as HttpError).message).toContain('No such certificate page');
    expect(asked).toEqual([]);
  });
});
