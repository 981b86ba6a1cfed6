// The certification story's API calls for integration tests on a running local cloud: tokens for the dev
// users, an exam set up by the admin, a candidate who sits it, assessors' queues and marks.
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ReviewRecord } from '../../functions/ports.js';
import type { LocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { EXAM } from '../unit/domain/fixtures.js';
import { eventually } from './eventually.js';

export type Reply = { status: number; body: Record<string, unknown> };

export const ASSESSORS = ['liqiang', 'wangfang', 'chengang', 'zhaolei'] as const;

/** The rubric's points for a practical score: dimensions /40, finish /30, safety /30. */
export function marksFor(score: number) {
  const dimensions = Math.min(40, Math.round(score * 0.4 * 2) / 2);
  const finish = Math.min(30, Math.round((score - dimensions) * 0.5 * 2) / 2);
  const points = [dimensions, finish, score - dimensions - finish];
  return { criteria: EXAM.rubric.map((c, i) => ({ criterionId: c.id, points: points[i] as number })) };
}

export class CertificationApi {
  private readonly tokens = new Map<string, string>();
  readonly subs = new Map<string, string>();

  constructor(readonly cloud: LocalCloud) {}

  async signIn(): Promise<void> {
    const [pool] = this.cloud.model.userPools;
    const clientId = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
    for (const user of DEV_USERS) {
      const response = await fetch(`${pool?.issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: clientId,
          username: user.username,
          password: user.password,
        }),
      });
      this.tokens.set(user.username, ((await response.json()) as { access_token: string }).access_token);
      this.subs.set(user.username, this.cloud.oidc.subjectOf(pool?.userPoolId as string, user.username));
    }
  }

  async call(user: string, method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(`${this.cloud.endpoints.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.tokens.get(user)}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  }

  /** The lathe exam, sessions, the candidate 张伟 and assessors (陈刚 shares 张伟's employer). */
  async setUp(sessions: string[]): Promise<void> {
    const admin = (method: string, path: string, body?: unknown) => this.call('liumin', method, path, body);
    await admin('PUT', `/admin/occupations/${EXAM.occupation.code}`, {
      nameZh: '车工',
      nameEn: 'Lathe operator',
    });
    const { id: _id, occupation, policy, ...exam } = EXAM;
    const putExam = async (examId: string) => {
      const put = await admin('PUT', `/admin/exams/${examId}`, {
        ...exam,
        occupationCode: occupation.code,
        policy: { version: policy.version },
      });
      if (put.status !== 200) throw new Error(`exam: ${JSON.stringify(put.body)}`);
    };
    await putExam(EXAM.id);
    const now = Date.now();
    for (const sessionId of sessions) {
      // An exam per session: a candidate holds one live attempt per exam, and scenarios run side by side.
      await putExam(`${EXAM.id}-${sessionId}`);
      await admin('PUT', `/admin/sessions/${sessionId}`, {
        examId: `${EXAM.id}-${sessionId}`,
        opensAt: new Date(now - 60_000).toISOString(),
        closesAt: new Date(now + 3_600_000).toISOString(),
        seatLimit: 30,
        location: '内江职业技术学院 实训楼 A204',
      });
    }
    await this.person('zhangwei', ['candidate'], {
      employer: '内江机械厂',
      trainingOrg: '内江职业技术学院',
      nationalId: '11010519491231002X',
    });
    await this.person('liqiang', ['assessor'], { employer: '自贡机床厂', trainingOrg: '自贡技师学院' });
    await this.person('wangfang', ['assessor'], { employer: '宜宾重工', trainingOrg: '宜宾职业技术学院' });
    await this.person('chengang', ['assessor'], { employer: '内江机械厂', trainingOrg: '泸州职业技术学院' });
    await this.person('zhaolei', ['assessor'], {
      employer: '泸州化工机械厂',
      trainingOrg: '四川工程职业技术学院',
    });
  }

  person(
    username: string,
    roles: string[],
    extra: { employer: string; trainingOrg: string; nationalId?: string },
  ) {
    return this.call('liumin', 'PUT', `/admin/people/${this.subs.get(username)}`, {
      name: username,
      employer: extra.employer,
      trainingOrg: extra.trainingOrg,
      roles,
      senior: true,
      ...(extra.nationalId ? { nationalId: extra.nationalId } : {}),
      yearsOfWork: { [EXAM.occupation.code]: 6 },
    });
  }

  /** 张伟 sits the session with every theory answer right and submits his practical evidence. */
  async sit(sessionId: string): Promise<string> {
    const started = await this.call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
    if (started.status !== 201) throw new Error(`start: ${JSON.stringify(started.body)}`);
    const attemptId = started.body.attemptId as string;
    const answers = Object.fromEntries(
      (started.body.paper as { id: string }[]).map(({ id }) => {
        const item = EXAM.items.find((i) => i.id === id);
        if (!item) throw new Error(`unknown item ${id}`);
        return [id, item.kind === 'fill-in' ? item.accepted[0] : item.answer];
      }),
    );
    const submitted = await this.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      answers,
      practicalEvidence: 'Turned shaft Ø40h7 × 120: measured 39.988 / 39.991; Ra 1.6 on the bearing seat.',
    });
    if (submitted.status !== 202) throw new Error(`submit: ${JSON.stringify(submitted.body)}`);
    return attemptId;
  }

  /** The reviews of this attempt in the assessors' queues, with whose queue each is in. */
  async queued(attemptId: string) {
    const found: { user: string; slot: string; moderation: boolean }[] = [];
    for (const user of ASSESSORS) {
      const { body } = await this.call(user, 'GET', '/assessor/reviews');
      for (const r of body.reviews as { attemptId: string; slot: string; moderation: boolean }[])
        if (r.attemptId === attemptId) found.push({ user, slot: r.slot, moderation: r.moderation });
    }
    return found;
  }

  async queuedAtLeast(attemptId: string, count: number, what = `${count} reviews in queues`) {
    return eventually(async () => {
      const found = await this.queued(attemptId);
      return found.length >= count ? found : undefined;
    }, what);
  }

  /** Every review record of the attempt, straight from the table. */
  async reviews(attemptId: string): Promise<ReviewRecord[]> {
    const out = await DynamoDBDocumentClient.from(this.cloud.dynamoClient).send(
      new QueryCommand({
        TableName: this.cloud.model.tables[0]?.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :review)',
        ExpressionAttributeValues: { ':pk': `ATTEMPT#${attemptId}`, ':review': 'REVIEW#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as ReviewRecord[];
  }

  mark(user: string, attemptId: string, slot: string, score: number) {
    return this.call(user, 'POST', `/assessor/reviews/${attemptId}/${slot}/marks`, marksFor(score));
  }

  async attempt(attemptId: string) {
    return (await this.call('zhangwei', 'GET', `/attempts/${attemptId}`)).body;
  }

  async settled(attemptId: string, statuses = ['passed', 'failed', 'error'], timeoutMs?: number) {
    return eventually(
      async () => {
        const body = await this.attempt(attemptId);
        return statuses.includes(String(body.status)) ? body : undefined;
      },
      `attempt ${attemptId} to be ${statuses.join(' or ')}`,
      timeoutMs,
    );
  }
}
