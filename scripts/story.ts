// The certification story as API calls, shared by `npm run demo` (which narrates it) and the integration
// tests (which check it): sign-in, an HTTP client with real tokens, and a certificate earned the whole
// way — admin set-up, an attempt, two blind marks, the decision.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCloud } from '../local/cloud.js';
import { DEV_USERS } from '../local/dev-identities.js';
import { EXAM_BODY, EXAM_ID, OCCUPATION } from './demo-exam.js';

export type Reply = { status: number; body: Record<string, unknown> };
export interface Narrator {
  step(text: string): void;
  say(text: string): void;
}
export const SILENT: Narrator = { step: () => {}, say: () => {} };

/** Polls until the probe returns a value; fails with what it was waiting for after the timeout. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function token(issuer: string, form: Record<string, string>, basic?: string): Promise<string> {
  const response = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(form),
  });
  if (!response.ok) throw new Error(`No token from ${issuer}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** One region's API as a caller sees it: its base URL, its issuer and its clients. */
export interface Region {
  code: string;
  api: string;
  issuer: string;
  webClientId: string;
  partnerClient: { id: string; secret: string };
}

/** Reads a region's endpoints and clients from a running local cloud. */
export function regionOf(code: string, cloud: LocalCloud): Region {
  const [pool] = cloud.model.userPools;
  const web = pool?.clients.find((c) => !c.generateSecret);
  const partner = cloud.oidc.clients.find((c) => c.clientSecret);
  if (!pool || !web || !partner?.clientSecret)
    throw new Error('The stack has no user pool with both clients');
  return {
    code,
    api: cloud.endpoints.api,
    issuer: pool.issuer,
    webClientId: web.clientId,
    partnerClient: { id: partner.clientId, secret: partner.clientSecret },
  };
}

/** The partner client's secret of a region already running from its data folder (npm start). */
export async function persistedSecret(dataDir: string, clientId: string): Promise<string> {
  const state = JSON.parse(await readFile(join(dataDir, 'identity', 'oidc-issuer.json'), 'utf8')) as {
    secrets: Record<string, string>;
  };
  const secret = state.secrets[clientId];
  if (!secret) throw new Error(`No secret for client ${clientId} in ${dataDir}`);
  return secret;
}

/** Calls one region's API with tokens for dev users (by username) and for its partner client ("partner"). */
export class RegionClient {
  private readonly tokens = new Map<string, string>();

  constructor(readonly region: Region) {}

  async signIn(username: string): Promise<string> {
    const user = DEV_USERS.find((u) => u.username === username);
    if (!user) throw new Error(`No dev user ${username}`);
    const value = await token(this.region.issuer, {
      grant_type: 'password',
      client_id: this.region.webClientId,
      username,
      password: user.password,
    });
    this.tokens.set(username, value);
    return value;
  }

  async signInPartner(): Promise<string> {
    const { id, secret } = this.region.partnerClient;
    const value = await token(this.region.issuer, { grant_type: 'client_credentials' }, `${id}:${secret}`);
    this.tokens.set('partner', value);
    return value;
  }

  tokenOf(who: string): string | undefined {
    return this.tokens.get(who);
  }

  /** Any request; `who` is a signed-in username, "partner", a raw bearer token, or undefined (public). */
  async request(who: string | undefined, method: string, path: string, body?: unknown): Promise<Reply> {
    const bearer = who ? (this.tokens.get(who) ?? who) : undefined;
    const response = await fetch(`${this.region.api}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed };
  }

  /** A request that must succeed. */
  async call(who: string | undefined, method: string, path: string, body?: unknown) {
    const reply = await this.request(who, method, path, body);
    if (reply.status >= 400)
      throw new Error(
        `${method} ${path} as ${who ?? 'the public'}: ${reply.status} ${JSON.stringify(reply.body)}`,
      );
    return reply.body;
  }
}

const PEOPLE = ['liumin', 'zhangwei', 'liqiang', 'wangfang', 'chengang'];

/** The session setUpExam opens: its id (a fresh one by default) and how long it stays open. */
export interface SessionChoice {
  sessionId?: string;
  openForHours?: number;
}

/** Admin set-up: the occupation, the exam, an open session and the people (with the candidate's ID). */
export async function setUpExam(
  client: RegionClient,
  narrator: Narrator = SILENT,
  session: SessionChoice = {},
) {
  const subs = new Map<string, string>();
  for (const username of PEOPLE) {
    if (!client.tokenOf(username)) await client.signIn(username);
    subs.set(username, String((await client.call(username, 'GET', '/me')).sub));
  }
  narrator.step('Admin 刘敏 sets up the occupation, the exam, a session and the people');
  await client.call('liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
    nameZh: OCCUPATION.nameZh,
    nameEn: OCCUPATION.nameEn,
  });
  narrator.say(`occupation ${OCCUPATION.code} ${OCCUPATION.nameZh} (${OCCUPATION.nameEn})`);
  const exam = await client.call('liumin', 'PUT', `/admin/exams/${EXAM_ID}`, EXAM_BODY);
  narrator.say(`exam ${EXAM_ID}: ${exam.items} items, pass policy ${JSON.stringify(exam.policy)}`);
  const sessionId = session.sessionId ?? `demo-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await client.call('liumin', 'PUT', `/admin/sessions/${sessionId}`, {
    examId: EXAM_ID,
    opensAt: new Date(Date.now() - 60_000).toISOString(),
    closesAt: new Date(Date.now() + (session.openForHours ?? 4) * 3_600_000).toISOString(),
    seatLimit: 40,
    location: '内江职业技术学院 实训楼 A204',
  });
  narrator.say(`session ${sessionId} at 内江职业技术学院, 40 seats`);
  for (const username of PEOPLE.slice(1)) {
    const dev = DEV_USERS.find((u) => u.username === username);
    const candidate = username === 'zhangwei';
    await client.call('liumin', 'PUT', `/admin/people/${subs.get(username)}`, {
      name: dev?.name,
      employer: dev?.employer,
      trainingOrg: dev?.trainingOrg,
      roles: [candidate ? 'candidate' : 'assessor'],
      senior: dev?.senior ?? false,
      yearsOfWork: candidate ? { [OCCUPATION.code]: 6 } : {},
      ...(candidate && dev?.nationalId ? { nationalId: dev.nationalId } : {}),
    });
    narrator.say(`${candidate ? 'candidate' : 'assessor'} ${dev?.name} — ${dev?.employer}`);
  }
  return sessionId;
}

/** Candidate 张伟 sits the session's exam and two assessors mark; returns the decided attempt. */
export async function sitAndMark(client: RegionClient, sessionId: string, narrator: Narrator = SILENT) {
  narrator.step('Candidate 张伟 sees the session, starts an attempt and gets a paper without answer keys');
  const sessions = (await client.call('zhangwei', 'GET', '/sessions?limit=100')).sessions as {
    sessionId: string;
    eligible: boolean;
  }[];
  narrator.say(`eligible for ${sessionId}: ${sessions.find((s) => s.sessionId === sessionId)?.eligible}`);
  const started = await client.request('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
  let attempt = started.body;
  if (started.status === 409 && attempt.error === 'live-attempt') {
    // One live attempt per candidate and exam: an earlier one (the welcome session, an interrupted demo)
    // is carried on rather than refused.
    const live = attempt.details as { attemptId: string; status: string };
    narrator.say(
      `张伟 already has a live attempt at this exam (${live.attemptId}, ${live.status}); one at a time, so the demo carries it on`,
    );
    attempt = await client.call('zhangwei', 'GET', `/attempts/${live.attemptId}`);
  } else if (started.status >= 400) {
    throw new Error(`POST /sessions/${sessionId}/attempts: ${started.status} ${JSON.stringify(attempt)}`);
  }
  const attemptId = attempt.attemptId as string;

  if (attempt.status === 'in-progress') {
    const paper = attempt.paper as { id: string; kind: string }[];
    narrator.say(
      `attempt ${attemptId}: ${paper.length} items, deadline ${attempt.deadline} (server time ${attempt.serverTime})`,
    );
    narrator.step(
      'He answers item by item — each save versioned, acknowledged by the server — and enters his practical evidence',
    );
    const saved = attempt.saved as Record<string, { version: number }>;
    for (const { id } of paper) {
      const item = EXAM_BODY.items.find((i) => i.id === id);
      if (!item) throw new Error(`The paper has an item the demo does not know: ${id}`);
      await client.call('zhangwei', 'PUT', `/attempts/${attemptId}/items/${encodeURIComponent(id)}`, {
        answer: 'accepted' in item && item.accepted ? item.accepted[0] : item.answer,
        flagged: false,
        version: (saved[id]?.version ?? 0) + 1,
      });
    }
    narrator.say(`saved ${paper.length} answers`);
    await client.call('zhangwei', 'PUT', `/attempts/${attemptId}/evidence`, {
      evidence: '轴类零件 Ø40h7×120：实测 39.988 / 39.991 mm，长度 120.04 mm；轴承位 Ra 1.6 达标。',
      version: Number(attempt.evidenceVersion ?? 0) + 1,
    });
    await client.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    narrator.say('submitted: the certification workflow grades the theory paper and assigns two assessors');
    const again = await client.request('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    narrator.say(`submitting again: ${again.status} — ${again.body.message}`);
  }

  narrator.step('Two assessors without a conflict of interest mark the practical work blind');
  const assessors = ['liqiang', 'wangfang', 'chengang'];
  const reviews = await eventually(async () => {
    const found: { user: string; slot: string }[] = [];
    for (const user of assessors) {
      const queue = (await client.call(user, 'GET', '/assessor/reviews')).reviews as {
        attemptId: string;
        slot: string;
      }[];
      for (const r of queue) if (r.attemptId === attemptId) found.push({ user, slot: r.slot });
    }
    return found.length >= 2 ? found : undefined;
  }, 'two reviews');
  const points: Record<string, number[]> = { A: [36, 22, 13, 18], B: [35, 23, 12, 19] };
  for (const review of reviews) {
    const name = DEV_USERS.find((u) => u.username === review.user)?.name;
    const marks = await eventually(async () => {
      const reply = await client.request(
        review.user,
        'POST',
        `/assessor/reviews/${attemptId}/${review.slot}/marks`,
        {
          criteria: EXAM_BODY.rubric.map((c, i) => ({
            criterionId: c.id,
            points: points[review.slot]?.[i] ?? c.maxPoints * 0.8,
          })),
        },
      );
      if (reply.status === 409 && /not ready/.test(String(reply.body.message))) return undefined;
      if (reply.status >= 400)
        throw new Error(`marking failed: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    }, 'the review to be ready');
    narrator.say(`${name} marked review ${review.slot}: ${marks.score} / 100`);
  }
  narrator.say(`陈刚 works for the candidate's employer and was never assigned`);

  narrator.step('The workflow decides against the pass policy and issues the signed certificate');
  const decided = await eventually(async () => {
    const view = await client.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    return ['passed', 'failed', 'error'].includes(String(view.status)) ? view : undefined;
  }, 'the result');
  const result = decided.result as { components: { component: string; score: number }[] };
  narrator.say(
    `result: ${decided.status} — ${result.components.map((c) => `${c.component} ${c.score}`).join(', ')}`,
  );
  if (decided.status !== 'passed') throw new Error(`Expected a pass, got ${decided.status}`);
  // Certificates come a page at a time, oldest first: a data folder kept across demos holds many.
  let token: string | undefined;
  do {
    const page = await client.call(
      'zhangwei',
      'GET',
      `/me/certificates?limit=100${token ? `&nextToken=${token}` : ''}`,
    );
    const found = (page.certificates as { number: string; jws: string }[]).find(
      (c) => c.number === decided.certificateNumber,
    );
    if (found) return found;
    token = page.nextToken as string | undefined;
  } while (token);
  throw new Error('The certificate is missing');
}

/** Makes each region a partner of the other in its registry, and one agreement between them. */
export async function registerPartners(
  a: { client: RegionClient; nameZh: string; nameEn: string; domain: string },
  b: { client: RegionClient; nameZh: string; nameEn: string; domain: string },
  agreement: {
    id: string;
    occupationCodes: string[];
    levels: number[];
    validFrom: string;
    validUntil: string;
  },
) {
  const entry = (r: typeof a) => ({
    nameZh: r.nameZh,
    nameEn: r.nameEn,
    did: `did:web:${r.domain}`,
    publicUrl: `https://${r.domain}`,
    apiUrl: r.client.region.api,
    jwksUrl: `${r.client.region.api}/.well-known/jwks.json`,
    webhookUrl: `${r.client.region.api}/partner-notices`,
    status: 'active',
  });
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    if (!self.client.tokenOf('liumin')) await self.client.signIn('liumin');
    await self.client.call('liumin', 'PUT', `/admin/partners/${other.client.region.code}`, entry(other));
    await self.client.call('liumin', 'PUT', `/admin/agreements/${agreement.id}`, {
      partnerCode: other.client.region.code,
      occupationCodes: agreement.occupationCodes,
      levels: agreement.levels,
      validFrom: agreement.validFrom,
      validUntil: agreement.validUntil,
    });
  }
}
