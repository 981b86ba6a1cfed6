// What the evaluation body's admins manage: occupations, exams with their item banks and rubrics,
// sessions, and the people (candidates' registration and the assessor pool). Enough to run the system
// without touching the database.
import { randomUUID } from 'node:crypto';
import type { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import {
  type Exam,
  examProblems,
  identityMacInput,
  isNationalId,
  occupation,
  type PassPolicyInput,
  passPolicy,
} from '../domain/index.js';
import type { IdentityKey, PersonRecord, SessionRecord } from '../ports.js';
import { badRequest, notFound } from '../shared/http.js';

export interface AdminDeps {
  store: DynamoDbCertificationStore;
  identityKey: IdentityKey;
}

export async function putOccupation(deps: AdminDeps, code: string, body: { nameZh: string; nameEn: string }) {
  let value: ReturnType<typeof occupation>;
  try {
    value = occupation(code, body.nameZh, body.nameEn);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  await deps.store.putOccupation(value);
  return value;
}

export async function putExam(
  deps: AdminDeps,
  examId: string,
  body: Omit<Exam, 'id' | 'occupation' | 'policy'> & { occupationCode: string; policy: PassPolicyInput },
) {
  const found = await deps.store.getOccupation(body.occupationCode);
  if (!found) throw badRequest(`Unknown occupation ${body.occupationCode}; create it first`);
  let policy: Exam['policy'];
  try {
    policy = passPolicy(body.policy);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  const { occupationCode: _code, ...rest } = body;
  const exam: Exam = { ...rest, id: examId, occupation: found, policy };
  const problems = examProblems(exam);
  if (exam.level <= 2)
    problems.push('levels 2 and 1 need a comprehensive review panel, which this release does not run yet');
  if (problems.length > 0) throw badRequest('The exam is not sound', problems);
  await deps.store.putExam(exam);
  return { examId, policy: { version: policy.version, hash: policy.hash }, items: exam.items.length };
}

export async function putSession(
  deps: AdminDeps,
  sessionId: string,
  body: Omit<SessionRecord, 'id' | 'seatsTaken'>,
) {
  if (!(await deps.store.getExam(body.examId))) throw badRequest(`Unknown exam ${body.examId}`);
  if (!(Date.parse(body.opensAt) < Date.parse(body.closesAt)))
    throw badRequest('A session must open before it closes');
  const existing = await deps.store.getSession(sessionId);
  const session: SessionRecord = { ...body, id: sessionId, seatsTaken: existing?.seatsTaken ?? 0 };
  if (session.seatsTaken > session.seatLimit)
    throw badRequest(`${session.seatsTaken} seats are already taken`);
  await deps.store.putSession(session);
  return session;
}

/** What admins see of a person: never the identity MAC or the legacy salted hash that stand for the ID. */
function personView(person: PersonRecord) {
  const { identityMac, identityHash, identitySalt: _salt, ...visible } = person;
  return { ...visible, identityRegistered: identityMac !== undefined || identityHash !== undefined };
}

export async function putPerson(
  deps: AdminDeps,
  sub: string,
  body: Omit<PersonRecord, 'sub' | 'holderId' | 'identityMac' | 'identityHash' | 'identitySalt'> & {
    nationalId?: string;
  },
) {
  const existing = await deps.store.getPerson(sub);
  const { nationalId, ...rest } = body;
  let identity: Pick<PersonRecord, 'identityMac' | 'identityHash' | 'identitySalt'> = {
    ...(existing?.identityMac ? { identityMac: existing.identityMac } : {}),
    ...(existing?.identityHash
      ? { identityHash: existing.identityHash, identitySalt: existing.identitySalt }
      : {}),
  };
  if (nationalId !== undefined) {
    if (!isNationalId(nationalId))
      throw badRequest('nationalId is not a valid 18-character resident identity number');
    // Only the keyed MAC is kept; a re-registration drops the searchable salted hash of before.
    identity = { identityMac: await deps.identityKey.mac(identityMacInput(nationalId)) };
  }
  const person: PersonRecord = {
    ...rest,
    sub,
    holderId: existing?.holderId ?? `urn:uuid:${randomUUID()}`,
    ...identity,
  };
  await deps.store.putPerson(person);
  // The ID number is not echoed back, stored or logged.
  return personView(person);
}

export async function listExams(deps: AdminDeps) {
  const exams = await deps.store.listExams();
  return {
    exams: exams.map((e) => ({
      examId: e.id,
      title: e.title,
      occupation: e.occupation,
      level: e.level,
      items: e.items.length,
      policy: { version: e.policy.version, hash: e.policy.hash },
    })),
  };
}

export async function getPerson(deps: AdminDeps, sub: string) {
  const person = await deps.store.getPerson(sub);
  if (!person) throw notFound('No such person');
  return personView(person);
}
