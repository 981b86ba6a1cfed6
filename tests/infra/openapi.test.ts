// The OpenAPI document (docs/api/openapi.json) is current, valid by a validator we did not write, and names
// exactly the routes the template declares, with the same access. When you add a route: declare it in
// lib/, give its body a schema in functions/api/ and an entry in functions/api/routes.ts, then
// `npm run openapi`. A failure here lists the routes missing on either side.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/api/routes.js';
import { verdictOf, verifyCredential } from '../../functions/domain/index.js';
import { verdictAnswer } from '../../functions/partners/verification.js';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/openapi.js';
import { type CfnTemplate, synthTemplate } from './support/templates.js';

let template: CfnTemplate;
const committed = () => JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

beforeAll(() => {
  template = synthTemplate({ region: 'neijiang' });
});

/** `METHOD /path` → how the template guards it: NONE, JWT, or JWT with scopes. */
function templateRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const p = r.Properties ?? {};
    const scopes = (p.AuthorizationScopes as string[] | undefined) ?? [];
    routes.set(String(p.RouteKey), `${p.AuthorizationType}${scopes.length ? ` ${scopes.join(' ')}` : ''}`);
  }
  return routes;
}

/** The same, read from the document's operations and their security. */
function documentRoutes(doc: {
  paths: Record<string, Record<string, { security: Record<string, string[]>[] }>>;
}) {
  const routes = new Map<string, string>();
  for (const [path, operations] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(operations)) {
      const [requirement] = op.security;
      const guard = !requirement
        ? 'NONE'
        : requirement.partnerClient
          ? `JWT ${requirement.partnerClient.join(' ')}`
          : 'JWT';
      routes.set(`${method.toUpperCase()} ${path}`, guard);
    }
  return routes;
}

describe('the OpenAPI document', () => {
  it('is what `npm run openapi` writes from functions/api/ (run it after changing a route or a body)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi());
  });

  it('is a valid OpenAPI 3.1 document by @seriousme/openapi-schema-validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(committed());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names every route of the template and no other, each guarded as the template guards it', () => {
    const inTemplate = templateRoutes();
    const inDocument = documentRoutes(committed());
    const missing = [...inTemplate.keys()].filter((k) => !inDocument.has(k)).sort();
    const extra = [...inDocument.keys()].filter((k) => !inTemplate.has(k)).sort();
    expect({ missingFromDocument: missing, notInTemplate: extra }).toEqual({
      missingFromDocument: [],
      notInTemplate: [],
    });
    expect(Object.fromEntries(inDocument)).toEqual(Object.fromEntries(inTemplate));
    expect(inTemplate.size).toBeGreaterThanOrEqual(40);
  });

  it('documents every JSON body the handlers parse as strict: an unknown field is refused', () => {
    const doc = committed();
    const withBody = ROUTES.filter((r) => r.body && r.body !== 'none');
    expect(withBody.length).toBeGreaterThanOrEqual(15);
    for (const route of withBody) {
      const schema =
        doc.paths[route.path][route.method.toLowerCase()].requestBody.content['application/json'].schema;
      expect(schema.additionalProperties, `${route.method} ${route.path}`).toBe(false);
    }
  });

  it('says of every POST and PUT whether it takes a body, and documents none for those that take none', () => {
    const doc = committed();
    const writes = ROUTES.filter((r) => r.method === 'POST' || r.method === 'PUT');
    const undeclared = writes
      .filter((r) => r.body === undefined && !r.form)
      .map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    const bodyless = writes.filter((r) => r.body === 'none');
    expect(bodyless.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'POST /admin/attempts/{attemptId}/resume',
      'POST /me/certificates/{number}/share',
      'POST /sessions/{sessionId}/attempts',
    ]);
    for (const route of bodyless) {
      const operation = doc.paths[route.path][route.method.toLowerCase()];
      expect(operation.requestBody, `${route.method} ${route.path}`).toBeUndefined();
      expect(operation.description).toMatch(/Takes no request body: one is refused with 400/);
      expect(operation.responses['400']).toBeDefined();
    }
  });

  it('documents the verify answers as the handler makes them, reasons in English and reasonsZh in Chinese', async () => {
    const doc = committed();
    for (const [path, method] of [
      ['/credentials/verify', 'post'],
      ['/verify/{number}', 'get'],
    ] as const)
      expect(doc.paths[path][method].responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/Verdict',
      });
    const schema = doc.components.schemas.Verdict;
    expect(schema.required).toEqual(expect.arrayContaining(['reasons', 'reasonsZh']));
    // An outside validator (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses) checks real answers against it.
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile({ ...schema, additionalProperties: false });
    const malformed = await verifyCredential({ credential: 'hello', keys: [], now: new Date() });
    const revoked = verdictOf(
      {
        status: 'revoked' as const,
        certificate: { number: 'NJ-2026-4-000001-X', holderName: '张伟' },
        issuerRegion: 'NJ',
        statusDetail: { since: '2027-02-01T08:00:00Z', reason: 'Exam misconduct' },
      },
      [{ en: 'The issuer has revoked this certificate', zh: '颁发机构已撤销此证书' }],
    );
    for (const verdict of [malformed, revoked]) {
      const answer = verdictAnswer(verdict, new Date());
      expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
      expect(answer.reasonsZh).toHaveLength(answer.reasons.length);
    }
    const { reasonsZh: _zh, ...englishOnly } = verdictAnswer(malformed, new Date());
    expect(validate(englishOnly)).toBe(false);
  });
});
