// Every route of the HTTP API, in one table: who may call it, its request body (the schema the handler
// parses, from this folder) and its answers. docs/api/openapi.json is generated from it (scripts/openapi.ts),
// and tests/infra/openapi.test.ts checks that the template's routes and this table are the same set.
// Adding a route: add it to the template (lib/), give its body a schema in this folder that its handler
// parses with parseBody, and add one entry here; then `npm run openapi`.
import type { core } from 'zod/mini';
import { examBody, occupationBody, sessionBody } from './exams.js';
import { answersBody, evidenceBody, itemBody, marksBody, returnBody, submitBody } from './marking.js';
import { agreementBody, certificateStatusBody, partnerBody } from './partners.js';
import { personBody } from './people.js';
import {
  holderCheckBody,
  keyCompromiseBody,
  partnerNoticeBody,
  recognitionBody,
  verifyBody,
} from './public.js';

export type Access =
  | { kind: 'public' }
  /** A signed-in person; the handler checks the group. */
  | { kind: 'user'; group?: 'candidates' | 'assessors' | 'admins' }
  /** A partner region's machine client holding this OAuth scope. */
  | { kind: 'scopes'; scopes: string[] };

export interface RouteDoc {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  summary: string;
  summaryZh: string;
  access: Access;
  /**
   * The JSON body's schema, as the handler parses it; 'none' for a POST/PUT that takes no body (the handler
   * refuses one with a 400, shared/http.ts refuseBody). A GET has none. Every other method says which.
   */
  body?: core.$ZodType | 'none';
  /** Takes an HTML form (multipart/form-data or application/x-www-form-urlencoded), not JSON. */
  form?: true;
  /** The success answer. */
  ok: {
    status: number;
    description: string;
    contentType?: string;
    /** The name of the JSON answer's schema under components.schemas (openapi.ts), where one is given. */
    schema?: 'Verdict';
  };
  /** Error statuses this route answers besides 400 (bad input), 401/403 (access) and 500. */
  errors?: number[];
  /** A list answered a page at a time (?limit=, ?nextToken=). */
  paged?: boolean;
  /** Query parameters besides paging that take one of a few values (the handler's query schema). */
  query?: { name: string; required: boolean; values: readonly string[] }[];
}

const candidate = { kind: 'user', group: 'candidates' } as const;
const assessor = { kind: 'user', group: 'assessors' } as const;
const admin = { kind: 'user', group: 'admins' } as const;
const open = { kind: 'public' } as const;
const JSON_OK = (description: string, status = 200) => ({ status, description });

export const ROUTES: RouteDoc[] = [
  // ---- candidates ----
  {
    method: 'GET',
    path: '/sessions',
    summary: 'Sessions open to me',
    summaryZh: '我可参加的考试场次',
    access: candidate,
    ok: JSON_OK('A page of sessions, each with whether I may sit it'),
    paged: true,
  },
  {
    method: 'POST',
    path: '/sessions/{sessionId}/attempts',
    summary: 'Start (or resume) my attempt in a session',
    summaryZh: '开始（或继续）我在该场次的考试',
    access: candidate,
    body: 'none',
    ok: JSON_OK(
      '201 when started, 200 when it already existed: the attempt with its paper (no answer keys)',
      201,
    ),
    errors: [404, 409, 503],
  },
  {
    method: 'GET',
    path: '/attempts/{attemptId}',
    summary: 'My attempt',
    summaryZh: '我的考试',
    access: candidate,
    ok: JSON_OK('The attempt, its paper and saved answers'),
    errors: [404],
  },
  {
    method: 'PUT',
    path: '/attempts/{attemptId}/answers',
    summary: 'Autosave answers',
    summaryZh: '自动保存作答',
    access: candidate,
    body: answersBody,
    ok: JSON_OK('The answers as saved'),
    errors: [404, 409, 413],
  },
  {
    method: 'PUT',
    path: '/attempts/{attemptId}/items/{itemId}',
    summary: 'Save one answer (versioned: an older or repeated save changes nothing)',
    summaryZh: '保存一道题的作答（带版本号：较旧或重复的保存不改变任何内容）',
    access: candidate,
    body: itemBody,
    ok: JSON_OK('The version stored and when it was acknowledged, or stale: true for an older version'),
    errors: [404, 409],
  },
  {
    method: 'PUT',
    path: '/attempts/{attemptId}/evidence',
    summary: 'Save the practical evidence (versioned like an answer)',
    summaryZh: '保存实操材料（与作答一样带版本号）',
    access: candidate,
    body: evidenceBody,
    ok: JSON_OK('The version stored, or stale: true for an older version'),
    errors: [404, 409],
  },
  {
    method: 'POST',
    path: '/attempts/{attemptId}/submit',
    summary:
      'Submit the attempt (its practical evidence must have been saved when the exam has a practical part)',
    summaryZh: '交卷（考试含实操部分时，须已保存实操材料）',
    access: candidate,
    body: submitBody,
    ok: JSON_OK(
      '202 accepted: grading and marking run in the certification workflow; 200 when it already was (nothing changed)',
      202,
    ),
    errors: [404, 409, 413],
  },
  {
    method: 'GET',
    path: '/me/attempts',
    summary: 'My attempts',
    summaryZh: '我的考试记录',
    access: candidate,
    ok: JSON_OK('A page of my attempts'),
    paged: true,
  },
  {
    method: 'GET',
    path: '/me/certificates',
    summary: 'My certificates',
    summaryZh: '我的证书',
    access: candidate,
    ok: JSON_OK('A page of my certificates'),
    paged: true,
  },
  {
    method: 'GET',
    path: '/me/certificates/{number}/certificate.pdf',
    summary: 'My certificate as a printable PDF (A4, national layout, QR codes)',
    summaryZh: '我的证书 PDF（A4，国家版式，含二维码）',
    access: candidate,
    ok: { status: 200, description: 'The PDF, the same bytes every time', contentType: 'application/pdf' },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/me/certificates/{number}/credential.jwt',
    summary: 'My certificate as its signed JWS (OB 3.0 JWT format)',
    summaryZh: '我的证书的签名 JWS（OB 3.0 JWT 格式）',
    access: candidate,
    ok: { status: 200, description: 'The compact JWS', contentType: 'application/jwt' },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/me/certificates/{number}/credential.json',
    summary: 'My certificate as signed JSON (with its Data Integrity proof)',
    summaryZh: '我的证书的签名 JSON（含数据完整性证明）',
    access: candidate,
    ok: { status: 200, description: 'The credential', contentType: 'application/json' },
    errors: [404],
  },
  {
    method: 'POST',
    path: '/me/certificates/{number}/share',
    summary: 'A share link: the public page of my certificate (the main QR code’s URL)',
    summaryZh: '分享链接：我的证书的公开核验页（主二维码的地址）',
    access: candidate,
    body: 'none',
    ok: JSON_OK('{ url }'),
    errors: [404],
  },
  {
    method: 'GET',
    path: '/me/certificates/{number}/activity',
    summary: 'Who verified or recognised my certificate, and when (regions only, no verifier data)',
    summaryZh: '我的证书何时被哪个地区核验或互认（仅地区，不含核验人信息）',
    access: candidate,
    ok: JSON_OK('A page of verifications and recognitions'),
    paged: true,
    errors: [404],
  },
  // ---- assessors ----
  {
    method: 'GET',
    path: '/assessor/reviews',
    summary: 'My marking queue',
    summaryZh: '我的评分任务',
    access: assessor,
    ok: JSON_OK('A page of reviews assigned to me'),
    paged: true,
  },
  {
    method: 'GET',
    path: '/assessor/reviews/{attemptId}/{slot}',
    summary: 'One review, blind to the candidate',
    summaryZh: '一项评分任务（匿名）',
    access: assessor,
    ok: JSON_OK('The practical work and the rubric'),
    errors: [404],
  },
  {
    method: 'POST',
    path: '/assessor/reviews/{attemptId}/{slot}/marks',
    summary: 'Mark against the rubric',
    summaryZh: '按评分细则评分',
    access: assessor,
    body: marksBody,
    ok: JSON_OK('The mark as recorded'),
    errors: [404, 409],
  },
  {
    method: 'POST',
    path: '/assessor/reviews/{attemptId}/{slot}/return',
    summary: 'Return a review (conflict of interest, cannot mark)',
    summaryZh: '退回评分任务（利益冲突或无法评分）',
    access: assessor,
    body: returnBody,
    ok: JSON_OK('Returned; another assessor is assigned'),
    errors: [404, 409],
  },
  // ---- admins: exams ----
  {
    method: 'PUT',
    path: '/admin/occupations/{code}',
    summary: 'Create or change an occupation',
    summaryZh: '新建或修改职业',
    access: admin,
    body: occupationBody,
    ok: JSON_OK('The occupation'),
  },
  {
    method: 'PUT',
    path: '/admin/exams/{examId}',
    summary: 'Create or change an exam: item bank, blueprint, rubric, pass policy',
    summaryZh: '新建或修改考试：题库、组卷方案、评分细则、合格标准',
    access: admin,
    body: examBody,
    ok: JSON_OK('The exam id, its policy version and hash, and its item count'),
    errors: [413],
  },
  {
    method: 'GET',
    path: '/admin/exams',
    summary: 'Exams',
    summaryZh: '考试列表',
    access: admin,
    ok: JSON_OK('A page of exams'),
    paged: true,
  },
  {
    method: 'PUT',
    path: '/admin/sessions/{sessionId}',
    summary: 'Create or change a session',
    summaryZh: '新建或修改考试场次',
    access: admin,
    body: sessionBody,
    ok: JSON_OK('The session'),
    errors: [409],
  },
  {
    method: 'GET',
    path: '/admin/attempts/{attemptId}',
    summary: 'An attempt as the evaluation body sees it',
    summaryZh: '考试记录（评价机构视图）',
    access: admin,
    ok: JSON_OK('Status, errors, resumes, reviews and the workflow'),
    errors: [404],
  },
  {
    method: 'POST',
    path: '/admin/attempts/{attemptId}/resume',
    summary: 'Resume an attempt whose workflow stopped on an error',
    summaryZh: '恢复因错误停止的考试流程',
    access: admin,
    body: 'none',
    ok: JSON_OK('Resumed', 202),
    errors: [404, 409],
  },
  // ---- admins: people ----
  {
    method: 'PUT',
    path: '/admin/people/{sub}',
    summary: 'Register a person (candidate, assessor, admin) with their resident ID',
    summaryZh: '登记人员（考生、考评员、管理员）及其身份号码',
    access: admin,
    body: personBody,
    ok: JSON_OK('The person, without the ID'),
    errors: [409],
  },
  {
    method: 'GET',
    path: '/admin/people',
    summary: 'The assessor pool (role=assessor, the one role listed)',
    summaryZh: '考评员库（role=assessor，目前仅可列出此角色）',
    access: admin,
    ok: JSON_OK(
      'A page of assessors, each with sub, name, employer, trainingOrg, senior and openReviews (no ID)',
    ),
    paged: true,
    query: [{ name: 'role', required: true, values: ['assessor'] }],
  },
  {
    method: 'GET',
    path: '/admin/people/{sub}',
    summary: 'A person',
    summaryZh: '人员信息',
    access: admin,
    ok: JSON_OK('The person, without the ID'),
    errors: [404],
  },
  // ---- admins: partners and certificates ----
  {
    method: 'PUT',
    path: '/admin/partners/{code}',
    summary: 'Enter or change a partner region in the trust registry',
    summaryZh: '在信任名录中登记或修改伙伴地区',
    access: admin,
    body: partnerBody,
    ok: JSON_OK('The partner region'),
  },
  {
    method: 'GET',
    path: '/admin/partners',
    summary: 'Partner regions',
    summaryZh: '伙伴地区列表',
    access: admin,
    ok: JSON_OK('A page of partner regions'),
    paged: true,
  },
  {
    method: 'PUT',
    path: '/admin/agreements/{agreementId}',
    summary: 'Create or change a recognition agreement',
    summaryZh: '新建或修改互认协议',
    access: admin,
    body: agreementBody,
    ok: JSON_OK('The agreement'),
  },
  {
    method: 'GET',
    path: '/admin/agreements',
    summary: 'Recognition agreements',
    summaryZh: '互认协议列表',
    access: admin,
    ok: JSON_OK('A page of agreements'),
    paged: true,
  },
  {
    method: 'POST',
    path: '/admin/certificates/{number}/status',
    summary: 'Suspend, reinstate or revoke a certificate',
    summaryZh: '暂停、恢复或撤销证书',
    access: admin,
    body: certificateStatusBody,
    ok: JSON_OK('The new status; the status lists are re-signed and partners told of a revocation'),
    errors: [404, 409],
  },
  {
    method: 'GET',
    path: '/admin/certificates/{number}',
    summary: 'A certificate with its status history',
    summaryZh: '证书及其状态历史',
    access: admin,
    ok: JSON_OK('The certificate record'),
    errors: [404],
  },
  {
    method: 'GET',
    path: '/admin/certificates/{number}/notices',
    summary: 'The revocation notices sent for a certificate',
    summaryZh: '证书撤销通知的发送情况',
    access: admin,
    ok: JSON_OK('Each notice and its delivery'),
    errors: [404],
  },
  {
    method: 'GET',
    path: '/admin/signing-keys',
    summary: 'Signing keys: active, retired, compromised',
    summaryZh: '签名密钥：当前、已停用、已泄露',
    access: admin,
    ok: JSON_OK('Every key with its window'),
  },
  {
    method: 'POST',
    path: '/admin/signing-keys/{thumbprint}/compromise',
    summary: 'Declare a signing key compromised as of a time',
    summaryZh: '声明签名密钥自某时起泄露',
    access: admin,
    body: keyCompromiseBody,
    ok: JSON_OK('The key as now published'),
    errors: [404, 409],
  },
  // ---- partner machine clients ----
  {
    method: 'POST',
    path: '/recognitions',
    summary: "Recognise another region's certificate under an agreement",
    summaryZh: '依互认协议认可其他地区的证书',
    access: { kind: 'scopes', scopes: ['skillcert/recognize'] },
    body: recognitionBody,
    ok: JSON_OK('201 with the signed EndorsementCredential; 200 when already recognised', 201),
    errors: [409, 422, 502],
  },
  {
    method: 'GET',
    path: '/recognitions/{recognitionId}',
    summary: 'A recognition',
    summaryZh: '认可记录',
    access: { kind: 'scopes', scopes: ['skillcert/recognize'] },
    ok: JSON_OK('The recognition and its endorsement'),
    errors: [404],
  },
  // ---- anyone ----
  {
    method: 'GET',
    path: '/me',
    summary: 'Who am I signed in as',
    summaryZh: '当前登录身份',
    access: { kind: 'user' },
    ok: JSON_OK('Subject, user name, groups and scopes'),
  },
  {
    method: 'GET',
    path: '/verify/{number}',
    summary: 'Verify a certificate by its number and the holder’s name (?name=; throttled per client)',
    summaryZh: '按证书编号与持证人姓名核验证书（?name=；按客户端限流）',
    access: open,
    ok: { ...JSON_OK('The verdict and the certificate’s public facts'), schema: 'Verdict' },
    errors: [404, 429],
  },
  {
    method: 'GET',
    path: '/c/{token}',
    summary: 'The public page of a certificate (its main QR code): live status, holder, occupation, level',
    summaryZh: '证书公开核验页（主二维码）：实时状态、持证人、职业、等级',
    access: open,
    ok: { status: 200, description: 'An HTML page (zh-CN or English)', contentType: 'text/html' },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/c/{token}/certificate.pdf',
    summary: 'The certificate’s PDF, from its public page',
    summaryZh: '证书 PDF（自公开核验页）',
    access: open,
    ok: { status: 200, description: 'The PDF', contentType: 'application/pdf' },
    errors: [404],
  },
  {
    method: 'GET',
    path: '/verify',
    summary:
      'The verification page: paste a JWS or JSON credential, upload a PDF, or look up a number with the holder’s name',
    summaryZh: '核验页：粘贴 JWS 或 JSON 凭证、上传 PDF，或按编号与姓名查询',
    access: open,
    ok: { status: 200, description: 'An HTML page', contentType: 'text/html' },
  },
  {
    method: 'POST',
    path: '/verify',
    summary: 'The verification page’s form (multipart/form-data or application/x-www-form-urlencoded)',
    summaryZh: '核验页表单（multipart/form-data 或 application/x-www-form-urlencoded）',
    access: open,
    form: true,
    ok: { status: 200, description: 'An HTML page with the verdict', contentType: 'text/html' },
    errors: [413, 429],
  },
  {
    method: 'POST',
    path: '/credentials/verify',
    summary: 'Verify a presented credential (JWS or signed JSON), VC API style',
    summaryZh: '核验出示的凭证（JWS 或签名 JSON）',
    access: open,
    body: verifyBody,
    ok: { ...JSON_OK('The verdict with its reasons'), schema: 'Verdict' },
    errors: [429, 502],
  },
  {
    method: 'POST',
    path: '/holder-checks',
    summary: 'Does this certificate belong to the holder of this resident ID?',
    summaryZh: '该证书是否属于此身份号码的持有人？',
    access: open,
    body: holderCheckBody,
    ok: JSON_OK('Yes or no'),
    errors: [404, 429],
  },
  {
    method: 'POST',
    path: '/partner-notices',
    summary: "A partner region's signed revocation notice (JSON { notice } or the JWS as application/jose)",
    summaryZh: '伙伴地区签名的撤销通知',
    access: open,
    body: partnerNoticeBody,
    ok: JSON_OK('Acknowledged, with the recognitions it voided'),
    errors: [403, 502],
  },
  {
    method: 'GET',
    path: '/status/{region}/{list}/{purpose}',
    summary: 'A signed Bitstring Status List (revocation or suspension)',
    summaryZh: '签名的位串状态列表（撤销或暂停）',
    access: open,
    ok: {
      status: 200,
      description: 'The BitstringStatusListCredential as a JWS, as signed when it last changed',
      contentType: 'application/vc+jwt',
    },
    errors: [404, 503],
  },
  {
    method: 'GET',
    path: '/.well-known/jwks.json',
    summary: "The region's signing keys as a JWK set",
    summaryZh: '本地区签名公钥（JWK 集）',
    access: open,
    ok: {
      status: 200,
      description: 'Every key that ever signed, with its window',
      contentType: 'application/jwk-set+json',
    },
  },
  {
    method: 'GET',
    path: '/.well-known/did.json',
    summary: "The region's did:web document",
    summaryZh: '本地区的 did:web 文档',
    access: open,
    ok: { status: 200, description: 'The DID document', contentType: 'application/did+json' },
  },
  {
    method: 'GET',
    path: '/contexts/skillcert-v1.jsonld',
    summary: 'The JSON-LD context every certificate names',
    summaryZh: '证书使用的 JSON-LD 上下文',
    access: open,
    ok: { status: 200, description: 'The context', contentType: 'application/ld+json' },
  },
  {
    method: 'GET',
    path: '/schemas/skillcert-v1.json',
    summary: 'The JSON schema every certificate names',
    summaryZh: '证书使用的 JSON Schema',
    access: open,
    ok: { status: 200, description: 'The schema', contentType: 'application/schema+json' },
  },
];
