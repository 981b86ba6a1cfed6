// npm run openapi: writes docs/api/openapi.json from the route table and the handlers' zod schemas
// (functions/api/). tests/infra/openapi.test.ts fails while the committed file differs from this output.
import { readFileSync, writeFileSync } from 'node:fs';
import { openApiDocument } from '../functions/api/openapi.js';

export const OPENAPI_FILE = new URL('../docs/api/openapi.json', import.meta.url);

export function renderOpenApi(): string {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `${JSON.stringify(openApiDocument(version), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE.pathname}`);
}
