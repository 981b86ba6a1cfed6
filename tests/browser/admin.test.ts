// The admin console in a real browser (Debian's Chromium through playwright-core) against its own local
// cloud: the dev admin 刘敏, through the pages only, creates an occupation, adds an assessor to the pool,
// registers a partner region and a recognition agreement, changes the partner from its entry, and declares
// a signing key compromised. Each form first gets a value the API (or the page) refuses, and the refusal
// must appear next to the field it concerns (aria-invalid, aria-describedby, focus), in the reader's
// language. Every change is confirmed through the HTTP API (and the published key set), not the page.
// axe-core, the phone layout and screenshots at phone and desktop size on each page.
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local/cloud.js';
import { EXAM_BODY } from '../../scripts/demo-exam.js';
import { type RegionClient, setUpExam } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import { type BrowserContext, checkPage, type Page, signIn, startAppUnderTest } from './support.js';

/** A fixed loopback origin for the app under test: app.test.ts uses 4199. */
const WEB_PORT = 4198;
const APP = `http://127.0.0.1:${WEB_PORT}`;

/** An occupation this cloud does not know until the page creates it. */
const MILLING = { code: '6-18-01-07', nameZh: '铣工', nameEn: 'Milling machine operator' };

let under: Awaited<ReturnType<typeof startAppUnderTest>>;
let cloud: LocalCloud;
let api: RegionClient;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  under = await startAppUnderTest(WEB_PORT);
  ({ cloud, api } = under);
  await api.signIn('liumin');
  await api.signIn('chengang');
  context = await under.context();
  page = await context.newPage();
  await signIn(page, APP, 'liumin');
  await page.waitForURL(`${APP}/admin`);
});

afterAll(async () => {
  await under?.stop();
});

/**
 * The error shown for a field: its label and the text the control's aria-describedby points at. Waits for
 * the control to be marked invalid and to take the focus (the page moves it there after a refusal).
 */
async function fieldError(name: string) {
  const control = page.locator(`[name="${name}"]`);
  await expect.poll(() => control.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
  await expect
    .poll(() => page.evaluate("document.activeElement && document.activeElement.getAttribute('name')"))
    .toBe(name);
  const errorId = ((await control.getAttribute('aria-describedby')) ?? '')
    .split(' ')
    .find((id) => id.endsWith('-error'));
  expect(errorId, `aria-describedby of ${name} names its error`).toBeTruthy();
  const field = page.locator('.field', { has: control });
  return {
    label: await field.locator('label').textContent(),
    text: (await page.locator(`#${errorId}`).textContent()) ?? '',
    /** Only this field is marked: the error is next to the field it concerns, not spread over the form. */
    invalid: await page.locator('.field.invalid').count(),
  };
}

async function openSection(name: string, heading: string) {
  await page.getByRole('navigation', { name: '管理栏目' }).getByRole('link', { name }).click();
  await expect.poll(() => page.locator('h1').textContent()).toBe(heading);
}

/** Beijing wall-clock time `minutes` from now, as a datetime-local input takes it. */
const beijingLocal = (minutes: number) =>
  new Date(Date.now() + 8 * 3_600_000 + minutes * 60_000).toISOString().slice(0, 16);

describe('the admin console in Chromium', () => {
  /** The attempt the attempts test resumes; the certificate test marks it and revokes its certificate. */
  let resumedAttempt = '';

  it('creates an occupation; a missing English name is shown at its field first', async () => {
    const examWith = { ...EXAM_BODY, occupationCode: MILLING.code };
    const before = await api.request('liumin', 'PUT', '/admin/exams/milling-check', examWith);
    expect(before.status).toBe(400);
    expect(String(before.body.message)).toContain(MILLING.code);

    await expect.poll(() => page.locator('h1').textContent()).toBe('职业');
    await page.fill('input[name="code"]', MILLING.code);
    await page.fill('input[name="nameZh"]', MILLING.nameZh);
    await page.getByRole('button', { name: '保存' }).click();
    const missing = await fieldError('nameEn');
    expect(missing.label).toBe('英文名称');
    expect(missing.invalid).toBe(1);
    expect(missing.text).toBe('不能为空');
    await checkPage(page, 'admin-occupation-error');

    await page.fill('input[name="nameEn"]', MILLING.nameEn);
    // Editing the field clears its error before anything is sent again.
    expect(await page.locator('.field.invalid').count()).toBe(0);
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已保存。');

    // The API now knows the occupation: an exam may name it, and carries its names as entered.
    const after = await api.request('liumin', 'PUT', '/admin/exams/milling-check', examWith);
    expect(after.status).toBe(200);
    const exams = (await api.call('liumin', 'GET', '/admin/exams?limit=100')).exams as {
      examId: string;
      occupation: { code: string; nameZh: string; nameEn: string };
    }[];
    expect(exams.find((e) => e.examId === 'milling-check')?.occupation).toEqual(MILLING);
  });

  it('adds an assessor to the pool; a malformed ID number is shown at its field first', async () => {
    const sub = String((await api.call('chengang', 'GET', '/me')).sub);
    const unknown = await api.request('liumin', 'GET', `/admin/people/${sub}`);
    expect(unknown.status).toBe(404);

    await openSection('人员', '人员');
    await page.fill('input[name="sub"]', sub);
    await page.fill('input[name="name"]', '陈刚');
    await page.fill('input[name="employer"]', '内江机械厂');
    await page.fill('input[name="trainingOrg"]', '内江职业技术学院');
    await page.selectOption('select[name="roles"]', 'assessor');
    await page.selectOption('select[name="senior"]', 'true');
    await page.fill('input[name="yearsOfWork"]', `${MILLING.code}=12`);
    await page.fill('input[name="nationalId"]', '5110021990');
    await page.getByRole('button', { name: '保存' }).click();
    const refused = await fieldError('nationalId');
    expect(refused.label).toBe('身份证号（考生）');
    expect(refused.invalid).toBe(1);
    expect((await api.request('liumin', 'GET', `/admin/people/${sub}`)).status).toBe(404);

    await page.fill('input[name="nationalId"]', '');
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已保存。');
    const person = await api.call('liumin', 'GET', `/admin/people/${sub}`);
    expect(person).toMatchObject({
      name: '陈刚',
      employer: '内江机械厂',
      trainingOrg: '内江职业技术学院',
      roles: ['assessor'],
      senior: true,
      yearsOfWork: { [MILLING.code]: 12 },
    });

    // The pool list, read again after the save, has him: its first entry, as the API lists it.
    const entry = page.locator(`li[data-assessor="${sub}"]`);
    await expect.poll(() => entry.locator('h3').textContent()).toBe('陈刚');
    expect(await entry.textContent()).toContain('内江机械厂');

    // Looking the person up shows the record the API holds.
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.locator('#people-form dl.record').textContent()).toContain('内江机械厂');
    await checkPage(page, 'admin-assessor-pool');
  });

  it('registers a partner region; a DID that is not did:web is shown at its field first', async () => {
    await openSection('伙伴地区', '伙伴地区');
    await expect.poll(() => page.getByText('暂无记录。').count()).toBe(1);
    const form = page.locator('#partner-form');
    await form.locator('input[name="code"]').fill('zigong');
    await form.locator('input[name="nameZh"]').fill('自贡市');
    await form.locator('input[name="nameEn"]').fill('Zigong');
    await form.locator('input[name="did"]').fill('did:example:zigong');
    await form.locator('input[name="publicUrl"]').fill('https://zigong.skillcert.example');
    await form.locator('input[name="apiUrl"]').fill('https://api.zigong.skillcert.example');
    await form
      .locator('input[name="jwksUrl"]')
      .fill('https://api.zigong.skillcert.example/.well-known/jwks.json');
    await form
      .locator('input[name="webhookUrl"]')
      .fill('https://api.zigong.skillcert.example/partner-notices');
    await form.getByRole('button', { name: '保存' }).click();
    const refused = await fieldError('did');
    expect(refused.label).toBe('DID');
    expect(refused.text).toContain('须为 did:web 标识');
    expect(refused.invalid).toBe(1);
    await checkPage(page, 'admin-partners-error');
    expect((await api.call('liumin', 'GET', '/admin/partners')).partners).toEqual([]);

    await form.locator('input[name="did"]').fill('did:web:zigong.skillcert.example');
    await form.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('已保存。');
    expect((await api.call('liumin', 'GET', '/admin/partners')).partners).toEqual([
      expect.objectContaining({
        code: 'zigong',
        nameZh: '自贡市',
        did: 'did:web:zigong.skillcert.example',
        webhookUrl: 'https://api.zigong.skillcert.example/partner-notices',
        status: 'active',
      }),
    ]);
    const entry = page.locator('li[data-partner="zigong"]');
    await expect.poll(() => entry.locator('h3').textContent()).toBe('自贡市');
    expect(await entry.textContent()).toContain('有效');
    await checkPage(page, 'admin-partners');
  });

  it('registers a recognition agreement; a level outside 1–5 is shown at its field first', async () => {
    await openSection('互认协议', '互认协议');
    const form = page.locator('#agreement-form');
    await form.locator('input[name="agreementId"]').fill('nj-zg-2026');
    await form.locator('input[name="partnerCode"]').fill('zigong');
    await form.locator('input[name="occupationCodes"]').fill(MILLING.code);
    await form.locator('input[name="levels"]').fill('5,4,9');
    await form.locator('input[name="validFrom"]').fill('2026-01-01');
    await form.locator('input[name="validUntil"]').fill('2029-12-31');
    await form.getByRole('button', { name: '保存' }).click();
    const refused = await fieldError('levels');
    expect(refused.label).toBe('适用等级');
    expect(refused.invalid).toBe(1);
    await checkPage(page, 'admin-agreements-error');
    expect((await api.call('liumin', 'GET', '/admin/agreements')).agreements).toEqual([]);

    await form.locator('input[name="levels"]').fill('5,4,3');
    await form.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('已保存。');
    const agreements = (await api.call('liumin', 'GET', '/admin/agreements')).agreements as Record<
      string,
      unknown
    >[];
    expect(agreements).toEqual([
      expect.objectContaining({
        id: 'nj-zg-2026',
        parties: ['neijiang', 'zigong'],
        occupationCodes: [MILLING.code],
        levels: [5, 4, 3],
        status: 'active',
      }),
    ]);
    const entry = page.locator('li[data-agreement="nj-zg-2026"]');
    await expect.poll(() => entry.textContent()).toContain('2029');
    expect(await entry.textContent()).toContain('四级');
    await checkPage(page, 'admin-agreements');
  });

  it('suspends the partner from its entry: the change button fills the form with what the API holds', async () => {
    await openSection('伙伴地区', '伙伴地区');
    await page.getByRole('button', { name: '修改 zigong' }).click();
    const form = page.locator('#partner-form');
    expect(await form.locator('input[name="did"]').inputValue()).toBe('did:web:zigong.skillcert.example');
    expect(await form.locator('input[name="code"]').inputValue()).toBe('zigong');
    await form.locator('select[name="status"]').selectOption('suspended');
    await form.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('已保存。');
    expect((await api.call('liumin', 'GET', '/admin/partners')).partners).toEqual([
      expect.objectContaining({ code: 'zigong', status: 'suspended', nameEn: 'Zigong' }),
    ]);
    await expect.poll(() => page.locator('li[data-partner="zigong"]').textContent()).toContain('暂停');
  });

  it('looks up an attempt and resumes its workflow after an operator stopped it; an unknown id is shown at its field', async () => {
    // A submitted attempt waiting for its two reviews, then its execution stopped as an operator would.
    const sessionId = await setUpExam(api, undefined, { sessionId: 'admin-attempt-session' });
    const started = await api.call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
    const attemptId = String(started.attemptId);
    resumedAttempt = attemptId;
    for (const { id } of started.paper as { id: string }[]) {
      const item = EXAM_BODY.items.find((i) => i.id === id);
      await api.call('zhangwei', 'PUT', `/attempts/${attemptId}/items/${encodeURIComponent(id)}`, {
        answer: item && 'accepted' in item && item.accepted ? item.accepted[0] : item?.answer,
        flagged: false,
        version: 1,
      });
    }
    await api.call('zhangwei', 'PUT', `/attempts/${attemptId}/evidence`, {
      evidence: '实测 39.99 mm',
      version: 1,
    });
    await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    const adminView = () => api.call('liumin', 'GET', `/admin/attempts/${attemptId}`);
    await eventually(async () => {
      const view = await adminView();
      return (view.reviews as unknown[]).length === 2 ? view : undefined;
    }, 'two reviews waiting');
    const sfn = new SFNClient({
      endpoint: cloud.endpoints.stepFunctions,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const stateMachine = cloud.model.stateMachines[0]?.arn as string;
    await sfn.send(
      new StopExecutionCommand({
        executionArn: `${stateMachine.replace(':stateMachine:', ':execution:')}:${attemptId}`,
        error: 'Operator',
      }),
    );
    expect(((await adminView()).execution as { status: string }).status).toBe('ABORTED');

    await openSection('认定记录', '认定记录');
    await page.fill('input[name="attemptId"]', '00000000-0000-4000-8000-000000000000');
    await page.getByRole('button', { name: '查询' }).click();
    const unknown = await fieldError('attemptId');
    expect(unknown.label).toBe('考试记录编号');
    expect(unknown.text).toBe('没有此编号的考试记录。');

    await page.fill('input[name="attemptId"]', attemptId);
    await page.getByRole('button', { name: '查询' }).click();
    const shown = page.locator(`section[data-attempt="${attemptId}"]`);
    await expect.poll(() => shown.locator('dl').first().textContent()).toContain('被运维人员停止');
    expect(await shown.locator('dl').first().textContent()).toContain('lathe-operator-level-4');
    expect(await shown.locator('.records li').count()).toBe(2);
    expect(await shown.textContent()).toContain('等待考评员评分');
    await checkPage(page, 'admin-attempt-stopped');

    await shown.getByRole('button', { name: '恢复流程' }).click();
    await expect.poll(() => shown.getByRole('status').textContent()).toBe('认定流程正在从停止处恢复。');
    const resumed = await adminView();
    expect(resumed.resumes).toEqual([{ by: expect.any(String), at: expect.any(String) }]);
    expect(resumed.execution).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    await expect.poll(() => shown.locator('dl').first().textContent()).toContain('进行中');
    expect(await shown.getByRole('button', { name: '恢复流程' }).count()).toBe(0);
    await checkPage(page, 'admin-attempt-resumed');
  });

  it('lists the assessor pool with each one’s open reviews; “change” fills the form with the whole record', async () => {
    // setUpExam (above) registered the dev assessors, 陈刚 again among them, and the stopped attempt
    // holds two open reviews.
    const listed = await api.call('liumin', 'GET', '/admin/people?role=assessor');
    const pool = listed.assessors as {
      sub: string;
      name: string;
      employer: string;
      senior: boolean;
      openReviews: number;
    }[];
    expect(pool.map((a) => a.name).sort()).toEqual(
      ['李强 Li Qiang', '王芳 Wang Fang', '陈刚 Chen Gang'].sort(),
    );
    expect(pool.reduce((n, a) => n + a.openReviews, 0)).toBe(2);
    expect(JSON.stringify(listed)).not.toMatch(/identity|nationalId|holderId/i);
    // A page at a time: pages of two, followed by their nextToken, cover the pool once (DynamoDB may end
    // on an empty page after a full one).
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const query = token ? `&nextToken=${encodeURIComponent(token)}` : '';
      const next = await api.call('liumin', 'GET', `/admin/people?role=assessor&limit=2${query}`);
      const subs = (next.assessors as { sub: string }[]).map((a) => a.sub);
      expect(subs.length).toBeLessThanOrEqual(2);
      paged.push(...subs);
      token = next.nextToken as string | undefined;
    } while (token && paged.length <= pool.length);
    expect(token).toBeUndefined();
    expect(paged.sort()).toEqual(pool.map((a) => a.sub).sort());
    // Only admins, and only the one role there is a list of.
    expect((await api.request('chengang', 'GET', '/admin/people?role=assessor')).status).toBe(403);
    for (const query of ['', '?role=candidate']) {
      const refused = await api.request('liumin', 'GET', `/admin/people${query}`);
      expect(refused.status).toBe(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ field: 'role' })]);
      expect(String(refused.body.messageZh)).toMatch(/^role /);
    }

    await openSection('人员', '人员');
    const entries = page.locator('li[data-assessor]');
    await expect.poll(() => entries.count()).toBe(pool.length);
    for (const a of pool) {
      const entry = page.locator(`li[data-assessor="${a.sub}"]`);
      expect(await entry.locator('h3').textContent()).toBe(a.name);
      const facts = await entry.locator('dl').textContent();
      expect(facts).toContain(a.employer);
      expect(facts).toContain(`待评审数${a.openReviews}`);
      expect(facts).toContain(`高级考评员${a.senior ? '是' : '否'}`);
    }
    await checkPage(page, 'admin-people-pool');

    const chen = pool.find((a) => a.name.startsWith('陈刚'));
    if (!chen) throw new Error('陈刚 is not in the pool');
    expect(chen.senior).toBe(true);
    await page.getByRole('button', { name: '修改 陈刚 Chen Gang' }).click();
    const form = page.locator('#people-form');
    await expect.poll(() => form.locator('input[name="sub"]').inputValue()).toBe(chen.sub);
    expect(await form.locator('input[name="name"]').inputValue()).toBe('陈刚 Chen Gang');
    expect(await form.locator('input[name="employer"]').inputValue()).toBe(chen.employer);
    expect(await form.locator('select[name="roles"]').inputValue()).toBe('assessor');
    expect(await form.locator('select[name="senior"]').inputValue()).toBe('true');
    // The ID number is never filled in: the API does not give it back.
    expect(await form.locator('input[name="nationalId"]').inputValue()).toBe('');
    expect(await page.evaluate("document.activeElement && document.activeElement.getAttribute('name')")).toBe(
      'sub',
    );
    // A change saved from there reaches the API (years of work: nothing the assignment of the reviews
    // below depends on, unlike the employer).
    expect(await form.locator('input[name="yearsOfWork"]').inputValue()).toBe('');
    await form.locator('input[name="yearsOfWork"]').fill(`${MILLING.code}=15`);
    await form.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('已保存。');
    expect(await api.call('liumin', 'GET', `/admin/people/${chen.sub}`)).toMatchObject({
      employer: chen.employer,
      roles: ['assessor'],
      senior: true,
      yearsOfWork: { [MILLING.code]: 15 },
    });
    // Changing him again reads the record anew: the form shows what was just saved.
    await page.getByRole('button', { name: '修改 陈刚 Chen Gang' }).click();
    await expect
      .poll(() => form.locator('input[name="yearsOfWork"]').inputValue())
      .toBe(`${MILLING.code}=15`);
  });

  it('revokes the resumed attempt’s certificate; the page shows its history and what each partner was told', async () => {
    // The two assessors mark through the API (the console has its own tests); the workflow then decides.
    const queued = await eventually(async () => {
      const found: { user: string; slot: string }[] = [];
      for (const user of ['liqiang', 'wangfang', 'chengang']) {
        const reviews = (await api.call(user, 'GET', '/assessor/reviews')).reviews as {
          attemptId: string;
          slot: string;
        }[];
        for (const r of reviews) if (r.attemptId === resumedAttempt) found.push({ user, slot: r.slot });
      }
      return found.length >= 2 ? found : undefined;
    }, 'two reviews');
    for (const review of queued) {
      await eventually(async () => {
        const reply = await api.request(
          review.user,
          'POST',
          `/assessor/reviews/${resumedAttempt}/${review.slot}/marks`,
          {
            criteria: EXAM_BODY.rubric.map((c) => ({
              criterionId: c.id,
              points: Math.floor(c.maxPoints * 0.9),
            })),
          },
        );
        if (reply.status === 409 && /not ready/.test(String(reply.body.message))) return undefined;
        expect(reply.status).toBe(200);
        return reply;
      }, 'the review to be ready');
    }
    const decided = await eventually(async () => {
      const view = await api.call('liumin', 'GET', `/admin/attempts/${resumedAttempt}`);
      return view.certificateNumber ? view : undefined;
    }, 'the certificate');
    const number = String(decided.certificateNumber);

    await openSection('证书状态', '证书状态');
    await page.fill('input[name="number"]', 'NJ-0000-0000');
    await page.getByRole('button', { name: '查询' }).click();
    const unknown = await fieldError('number');
    expect(unknown.label).toBe('证书编号');
    expect(unknown.text).toBe('没有此编号的证书。');

    await page.fill('input[name="number"]', number);
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.locator('#certificate-h').count()).toBe(1);
    expect(await page.locator('section.card dl').first().textContent()).toContain('四级/中级工');
    await page.selectOption('select[name="action"]', 'revoke');
    await page.fill('textarea[name="reason"]', '考评记录经复核存在代考行为');
    await page.getByRole('button', { name: '执行' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('证书状态已更新。');

    const stored = await api.call('liumin', 'GET', `/admin/certificates/${encodeURIComponent(number)}`);
    expect(stored.status).toBe('revoked');
    const history = page.getByTestId('status-history');
    await expect.poll(() => history.textContent()).toContain('考评记录经复核存在代考行为');
    expect(await history.textContent()).toContain('已撤销');
    // Zigong, suspended in the registry above, gets its notice held; the page says so as the API does.
    const report = await api.call(
      'liumin',
      'GET',
      `/admin/certificates/${encodeURIComponent(number)}/notices`,
    );
    const zigong = (report.partners as { partnerCode: string; state: string; why: { zh: string } }[]).find(
      (r) => r.partnerCode === 'zigong',
    );
    expect(zigong?.state).toBe('held');
    const notice = page.getByTestId('notices').locator('li', { hasText: 'zigong' });
    await expect.poll(() => notice.textContent()).toContain('暂缓发送');
    expect(await notice.textContent()).toContain(zigong?.why.zh);
    await checkPage(page, 'admin-certificate-revoked');
  });

  it('shows the signing keys and declares one compromised; a time in the future is refused at its field, in the reader’s language', async () => {
    await openSection('签名密钥', '签名密钥');
    const listed = (await api.call('liumin', 'GET', '/admin/signing-keys')).keys as {
      thumbprint: string;
      kid: string;
      alg: string;
      status: string;
    }[];
    expect(listed.map((k) => k.status)).toEqual(['active', 'active']);
    const proofKey = listed.find((k) => k.alg === 'EdDSA');
    if (!proofKey) throw new Error('no Ed25519 proof key listed');
    await expect.poll(() => page.locator('li[data-thumbprint]').count()).toBe(listed.length);
    const entry = page.locator(`li[data-thumbprint="${proofKey.thumbprint}"]`);
    expect(await entry.getAttribute('data-status')).toBe('active');
    expect(await entry.locator('h3').textContent()).toBe('Ed25519 证明密钥（数据完整性证明） · 使用中');
    // The first ES256 key, recorded without a start (it may have signed before the ledger existed).
    const jwsKey = listed.find((k) => k.alg === 'ES256');
    expect(await page.locator(`li[data-thumbprint="${jwsKey?.thumbprint}"] dl`).textContent()).toContain(
      '启用时间自本地区首张证书起',
    );
    await checkPage(page, 'admin-keys');
    const jwks = async () =>
      (
        (await (await fetch(`${api.region.api}/.well-known/jwks.json`)).json()) as {
          keys: Record<string, unknown>[];
        }
      ).keys;
    expect((await jwks()).find((k) => k.kid === proofKey.kid)?.compromisedAt).toBeUndefined();

    await entry.getByRole('button', { name: '声明此密钥泄露…' }).click();
    const form = page.locator('#key-form');
    expect(await form.locator('input[name="thumbprint"]').inputValue()).toBe(proofKey.thumbprint);
    await form.locator('input[name="compromisedAt"]').fill(beijingLocal(24 * 60));
    await form.locator('textarea[name="reason"]').fill('私钥备份文件误传至公共代码仓库');
    await form.getByRole('button', { name: '声明泄露' }).click();
    const refused = await fieldError('compromisedAt');
    expect(refused.label).toBe('泄露时间');
    expect(refused.text).toContain('晚于当前时间');
    expect(refused.invalid).toBe(1);
    // The same error in English once the reader switches: the field keeps the API's words in both languages.
    await page.getByRole('button', { name: 'English' }).click();
    await expect
      .poll(() => page.locator('.field.invalid .field-error').textContent())
      .toMatch(/in the future/);
    expect(await page.locator('.field.invalid label').textContent()).toBe('Compromised at');
    await checkPage(page, 'admin-keys-error-en');
    await page.getByRole('button', { name: '中文' }).click();
    await expect
      .poll(() => page.locator('.field.invalid .field-error').textContent())
      .toContain('晚于当前时间');
    expect((await api.call('liumin', 'GET', '/admin/signing-keys')).keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ thumbprint: proofKey.thumbprint, status: 'active' }),
      ]),
    );

    const at = beijingLocal(-2);
    await form.locator('input[name="compromisedAt"]').fill(at);
    await form.getByRole('button', { name: '声明泄露' }).click();
    await expect
      .poll(() => form.getByRole('status').textContent())
      .toBe('已声明该密钥泄露，公开密钥集已同步标注。');
    const compromisedAt = new Date(`${at}:00+08:00`).toISOString();
    const after = (await api.call('liumin', 'GET', '/admin/signing-keys')).keys as Record<string, unknown>[];
    expect(after.find((k) => k.thumbprint === proofKey.thumbprint)).toMatchObject({
      status: 'compromised',
      compromisedAt,
      compromiseReason: '私钥备份文件误传至公共代码仓库',
    });
    // The other key is untouched, and the published key set now says when the proof key stopped counting.
    expect(after.filter((k) => k.status === 'active')).toHaveLength(1);
    expect((await jwks()).find((k) => k.kid === proofKey.kid)?.compromisedAt).toBe(compromisedAt);
    await expect.poll(() => entry.getAttribute('data-status')).toBe('compromised');
    expect(await entry.getByRole('button').count()).toBe(0);
    await checkPage(page, 'admin-keys-compromised');
  });

  it('shows a person without a role their user id to give to the evaluation body, with a copy button', async () => {
    // Every dev user of the issuer has a group, and none is invented for this: GET /me's real answer for
    // 刘洋 (signed in for real) reaches the page with its groups emptied — what a person the evaluation
    // body has not yet given a role gets from the identity provider.
    const own = await under.context();
    await own.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: APP });
    const welcome = await own.newPage();
    await welcome.route(`${api.region.api}/me`, async (route) => {
      const real = await route.fetch();
      const body = (await real.json()) as { sub: string; groups: string[] };
      await route.fulfill({ response: real, json: { ...body, groups: [] } });
    });
    await signIn(welcome, APP, 'liuyang');
    await api.signIn('liuyang');
    const real = await api.call('liuyang', 'GET', '/me');
    expect(real.groups).toEqual(['candidates']);
    const sub = String(real.sub);
    await expect.poll(() => welcome.locator('#my-user-id').textContent()).toBe(sub);
    expect(welcome.url()).toBe(`${APP}/`);
    const card = welcome.locator('section', { has: welcome.locator('#my-user-id') });
    expect(await card.locator('h2').textContent()).toBe('您的用户标识');
    expect(await card.textContent()).toContain('请将此用户标识提供给您的评价机构');
    await card.getByRole('button', { name: '复制' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toBe('已复制');
    expect(await welcome.evaluate('navigator.clipboard.readText()')).toBe(sub);
    await checkPage(welcome, 'welcome-no-role');
    await welcome.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => card.locator('h2').textContent()).toBe('Your user id');
    expect(await card.textContent()).toContain('Give this user id to your evaluation body');
    expect(await card.getByRole('button').textContent()).toBe('Copy');
    await checkPage(welcome, 'welcome-no-role-en');
    await own.close();
  });

  it('no admin page broke the Content-Security-Policy', () => {
    expect(under.cspViolations).toEqual([]);
  });
});
