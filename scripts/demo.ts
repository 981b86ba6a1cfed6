// `npm run demo`: the certification story on the local cloud, step by step, through the public HTTP API
// with real tokens. Uses a running `npm start` (Neijiang's ports) or starts a local cloud for the purpose.
// Writes credential.jwt, credential.json and jwks.json into the output folder (default .skillcert/demo/).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { buildApp } from '../lib/app.js';
import { type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { DEV_USERS } from '../local/dev-identities.js';
import { REGION_PORT_BASE, regionDataDir, skillcertHome } from '../local/paths.js';
import { synthesizeStack } from '../local/synth.js';
import { readStackArtifacts, translateTemplate } from '../local/template.js';
import { EXAM_BODY, EXAM_ID, OCCUPATION } from './demo-exam.js';

const REGION = 'neijiang';
const base = REGION_PORT_BASE[REGION] as number;
const API = `http://127.0.0.1:${base}`;
const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const say = (text: string) => console.log(`    ${text}`);

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: join(skillcertHome(), 'demo') } },
  });
  const out = resolve(values.out);
  console.log('skillcert demo — Neijiang 内江: a lathe operator sits the level 4 exam');

  step(1, 'Synthesizing the CDK app to learn the identity settings');
  const stack = synthesizeStack(buildApp({ outdir: `${skillcertHome()}/cdk.out/${REGION}`, region: REGION }));
  const { template, assetManifest } = readStackArtifacts(stack.assemblyDir, stack.stackArtifactId);
  const model = translateTemplate(template, {
    stackName: stack.stackArtifactId,
    region: 'ap-southeast-1',
    assemblyDir: stack.assemblyDir,
    assetManifest,
    issuerBaseUrl: `http://127.0.0.1:${base + 1}`,
  });
  const pool = model.userPools[0];
  const webClient = pool?.clients.find((c) => !c.generateSecret);
  if (!pool || !webClient) throw new Error('The stack has no user pool with a web client');

  let cloud: LocalCloud | undefined;
  if (await reachable(`${API}/.well-known/jwks.json`)) {
    say(`using the local cloud already running at ${API}`);
  } else {
    say('no local cloud running: starting one for the demo');
    cloud = await startLocalCloud({
      assemblyDir: stack.assemblyDir,
      stackArtifactId: stack.stackArtifactId,
      storage: { kind: 'disk', dataDir: regionDataDir(REGION) },
      ports: {
        api: base,
        oidc: base + 1,
        stepFunctions: base + 2,
        dynamodb: base + 3,
        eventBridge: base + 4,
      },
    });
    say(`started at ${API}`);
  }

  try {
    const tokens = new Map<string, string>();
    const subs = new Map<string, string>();
    const people = ['liumin', 'zhangwei', 'liqiang', 'wangfang', 'chengang'];
    for (const username of people) {
      const user = DEV_USERS.find((u) => u.username === username);
      const response = await fetch(`${pool.issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: webClient.clientId,
          username,
          password: user?.password ?? '',
        }),
      });
      if (!response.ok)
        throw new Error(`Could not sign in ${username}: ${response.status} ${await response.text()}`);
      tokens.set(username, ((await response.json()) as { access_token: string }).access_token);
    }
    const call = async (user: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${API}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.get(user)}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 400)
        throw new Error(`${method} ${path} as ${user}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    for (const username of people) subs.set(username, String((await call(username, 'GET', '/me')).sub));

    step(2, 'Admin 刘敏 sets up the occupation, the exam, a session and the people');
    await call('liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
      nameZh: OCCUPATION.nameZh,
      nameEn: OCCUPATION.nameEn,
    });
    say(`occupation ${OCCUPATION.code} ${OCCUPATION.nameZh} (${OCCUPATION.nameEn})`);
    const exam = await call('liumin', 'PUT', `/admin/exams/${EXAM_ID}`, EXAM_BODY);
    say(`exam ${EXAM_ID}: ${exam.items} items, pass policy ${JSON.stringify(exam.policy)}`);
    const sessionId = `demo-${Date.now()}`;
    await call('liumin', 'PUT', `/admin/sessions/${sessionId}`, {
      examId: EXAM_ID,
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 4 * 3_600_000).toISOString(),
      seatLimit: 40,
      location: '内江职业技术学院 实训楼 A204',
    });
    say(`session ${sessionId} at 内江职业技术学院, 40 seats`);
    for (const username of people.slice(1)) {
      const dev = DEV_USERS.find((u) => u.username === username);
      const candidate = username === 'zhangwei';
      await call('liumin', 'PUT', `/admin/people/${subs.get(username)}`, {
        name: dev?.name,
        employer: dev?.employer,
        trainingOrg: dev?.trainingOrg,
        roles: [candidate ? 'candidate' : 'assessor'],
        senior: dev?.senior ?? false,
        yearsOfWork: candidate ? { [OCCUPATION.code]: 6 } : {},
        ...(candidate ? { nationalId: '51100219900307123X' } : {}),
      });
      say(`${candidate ? 'candidate' : 'assessor'} ${dev?.name} — ${dev?.employer}`);
    }

    step(3, 'Candidate 张伟 sees the session, starts an attempt and gets a paper without answer keys');
    const sessions = (await call('zhangwei', 'GET', '/sessions')).sessions as {
      sessionId: string;
      eligible: boolean;
    }[];
    say(`eligible for ${sessionId}: ${sessions.find((s) => s.sessionId === sessionId)?.eligible}`);
    const attempt = await call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
    const attemptId = attempt.attemptId as string;
    const paper = attempt.paper as { id: string; kind: string }[];
    say(`attempt ${attemptId}: ${paper.length} items, deadline ${attempt.deadline}`);

    step(4, 'He answers (autosaved) and submits the theory paper with his practical evidence');
    const answers = Object.fromEntries(
      paper.map(({ id }) => {
        const item = EXAM_BODY.items.find((i) => i.id === id);
        if (!item) throw new Error(`The paper has an item the demo does not know: ${id}`);
        return [id, 'accepted' in item && item.accepted ? item.accepted[0] : item.answer];
      }),
    );
    await call('zhangwei', 'PUT', `/attempts/${attemptId}/answers`, { answers });
    say(`saved ${Object.keys(answers).length} answers`);
    await call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      practicalEvidence: '轴类零件 Ø40h7×120：实测 39.988 / 39.991 mm，长度 120.04 mm；轴承位 Ra 1.6 达标。',
    });
    say('submitted: the certification workflow grades the theory paper and assigns two assessors');

    step(5, 'Two assessors without a conflict of interest mark the practical work blind');
    const assessors = ['liqiang', 'wangfang', 'chengang'];
    const reviews = await eventually(async () => {
      const found: { user: string; slot: string }[] = [];
      for (const user of assessors) {
        const queue = (await call(user, 'GET', '/assessor/reviews')).reviews as {
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
        try {
          return await call(review.user, 'POST', `/assessor/reviews/${attemptId}/${review.slot}/marks`, {
            criteria: EXAM_BODY.rubric.map((c, i) => ({
              criterionId: c.id,
              points: points[review.slot]?.[i] ?? c.maxPoints * 0.8,
            })),
          });
        } catch (error) {
          if (/not ready/.test((error as Error).message)) return undefined;
          throw error;
        }
      }, 'the review to be ready');
      say(`${name} marked review ${review.slot}: ${marks.score} / 100`);
    }
    say(`陈刚 works for the candidate's employer and was never assigned`);

    step(6, 'The workflow decides against the pass policy and issues the signed certificate');
    const decided = await eventually(async () => {
      const view = await call('zhangwei', 'GET', `/attempts/${attemptId}`);
      return ['passed', 'failed', 'error'].includes(String(view.status)) ? view : undefined;
    }, 'the result');
    const result = decided.result as { components: { component: string; score: number }[] };
    say(
      `result: ${decided.status} — ${result.components.map((c) => `${c.component} ${c.score}`).join(', ')}`,
    );
    if (decided.status !== 'passed') throw new Error(`The demo expected a pass, got ${decided.status}`);

    step(7, 'The certificate: a signed Open Badges 3.0 credential, verified against the published keys');
    const certificates = (await call('zhangwei', 'GET', '/me/certificates')).certificates as {
      number: string;
      jws: string;
      credential: unknown;
    }[];
    const certificate = certificates.find((c) => c.number === decided.certificateNumber);
    if (!certificate) throw new Error('The certificate is missing');
    const jwks = await (await fetch(`${API}/.well-known/jwks.json`)).json();
    const verified = await compactVerify(certificate.jws, createLocalJWKSet(jwks as never));
    say(`certificate ${certificate.number}, kid ${decodeProtectedHeader(certificate.jws).kid}`);
    say('signature verified against /.well-known/jwks.json');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'credential.jwt'), `${certificate.jws}\n`);
    const payload = JSON.parse(new TextDecoder().decode(verified.payload));
    await writeFile(join(out, 'credential.json'), `${JSON.stringify(payload, null, 2)}\n`);
    await writeFile(join(out, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
    say(`wrote credential.jwt, credential.json and jwks.json to ${out}`);
  } finally {
    await cloud?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
