// The admin routes: occupations, exams (item bank, blueprint, rubric, policy), sessions, people.
import {
  _default,
  array,
  boolean,
  type infer as Infer,
  int,
  literal,
  maxLength,
  minLength,
  number,
  object,
  optional,
  record,
  string,
  union,
} from 'zod/mini';
import {
  getPerson,
  listExams,
  putExam,
  putOccupation,
  putPerson,
  putSession,
} from '../certification/admin.js';
import { changeCertificateStatus } from '../certification/certificate-status.js';
import { listAgreements, listPartners, putAgreement, putPartner } from '../partners/registry.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { certificateSigner, clock, store } from '../shared/certification.js';
import { httpHandler, json, jsonBody, notFound } from '../shared/http.js';
import { noticeDispatcher } from '../shared/notice-dispatcher.js';
import { region, registry } from '../shared/partners.js';

const deps = { store };
const registryDeps = { region, registry };
// Built on first use: only status changes sign (notices) and start workflows.
const statusDeps = () => ({
  region,
  certificates: store,
  registry,
  signer: certificateSigner(),
  dispatcher: noticeDispatcher(),
  now: clock.now,
});
const id = string().check(minLength(1), maxLength(64));
const text = object({
  zh: string().check(minLength(1), maxLength(2000)),
  en: optional(string().check(maxLength(2000))),
});
const option = object({ id, text });
const item = union([
  object({ id, kind: literal('single'), topic: id, stem: text, options: array(option), answer: id }),
  object({ id, kind: literal('multiple'), topic: id, stem: text, options: array(option), answer: array(id) }),
  object({ id, kind: literal('true-false'), topic: id, stem: text, answer: boolean() }),
  object({
    id,
    kind: literal('fill-in'),
    topic: id,
    stem: text,
    accepted: array(string().check(maxLength(200))),
  }),
]);
const level = union([literal(5), literal(4), literal(3), literal(2), literal(1)]);
const component = { theory: optional(number()), practical: optional(number()), review: optional(number()) };
const examBody = object({
  occupationCode: string(),
  level,
  title: text,
  items: array(item).check(maxLength(2000)),
  sections: array(
    object({
      id,
      kind: union([literal('single'), literal('multiple'), literal('true-false'), literal('fill-in')]),
      topic: optional(id),
      count: int(),
      pointsPerItem: number(),
    }),
  ),
  rubric: array(object({ id, description: text, maxPoints: number() })),
  timeLimitMinutes: int(),
  policy: object({
    version: string(),
    passMarks: optional(object(component)),
    weights: optional(object(component)),
    totalPassMark: optional(number()),
  }),
  yearsOfWorkInstead: optional(int()),
  validityYears: optional(int()),
});
const sessionBody = object({
  examId: id,
  opensAt: string(),
  closesAt: string(),
  seatLimit: int(),
  location: string().check(maxLength(200)),
});
const personBody = object({
  name: string().check(minLength(1), maxLength(100)),
  employer: string().check(maxLength(200)),
  trainingOrg: string().check(maxLength(200)),
  roles: array(union([literal('candidate'), literal('assessor'), literal('admin')])),
  senior: _default(boolean(), false),
  yearsOfWork: _default(record(string(), int()), {}),
  nationalId: optional(string().check(maxLength(18))),
});
export type ExamBody = Infer<typeof examBody>;

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
  requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/occupations/{code}':
      return json(
        200,
        await putOccupation(
          deps,
          pathParam(event, 'code'),
          object({ nameZh: string(), nameEn: string() }).parse(jsonBody(event)),
        ),
      );
    case 'PUT /admin/exams/{examId}':
      return json(
        200,
        await putExam(deps, pathParam(event, 'examId'), examBody.parse(jsonBody(event)) as never),
      );
    case 'GET /admin/exams':
      return json(200, await listExams(deps));
    case 'PUT /admin/sessions/{sessionId}':
      return json(
        200,
        await putSession(deps, pathParam(event, 'sessionId'), sessionBody.parse(jsonBody(event))),
      );
    case 'PUT /admin/people/{sub}':
      return json(200, await putPerson(deps, pathParam(event, 'sub'), personBody.parse(jsonBody(event))));
    case 'GET /admin/people/{sub}':
      return json(200, await getPerson(deps, pathParam(event, 'sub')));
    case 'PUT /admin/partners/{code}':
      return json(
        200,
        await putPartner(registryDeps, pathParam(event, 'code'), partnerBody.parse(jsonBody(event))),
      );
    case 'GET /admin/partners':
      return json(200, await listPartners(registryDeps));
    case 'PUT /admin/agreements/{agreementId}':
      return json(
        200,
        await putAgreement(
          registryDeps,
          pathParam(event, 'agreementId'),
          agreementBody.parse(jsonBody(event)),
        ),
      );
    case 'GET /admin/agreements':
      return json(200, await listAgreements(registryDeps));
    case 'POST /admin/certificates/{number}/status': {
      const caller = requireGroup(event, 'admins');
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
