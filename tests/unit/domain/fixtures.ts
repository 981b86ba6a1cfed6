// A small but real exam: 车工 (lathe operator), level 4, used across the domain tests.
import {
  type Answers,
  type CertificateFacts,
  decide,
  type Exam,
  type Item,
  occupation,
  type Paper,
  passPolicy,
} from '../../../functions/domain/index.js';

export const LATHE = occupation('6-18-01-01', '车工', 'Lathe operator');

function single(id: string, topic: string, answer: string): Item {
  return {
    id,
    kind: 'single',
    topic,
    stem: { zh: `题目 ${id}`, en: `Question ${id}` },
    options: ['a', 'b', 'c', 'd'].map((o) => ({ id: o, text: { zh: o.toUpperCase() } })),
    answer,
  };
}

export const ITEMS: Item[] = [
  single('s1', 'safety', 'a'),
  single('s2', 'safety', 'b'),
  single('s3', 'cutting', 'c'),
  single('s4', 'cutting', 'd'),
  {
    id: 'm1',
    kind: 'multiple',
    topic: 'measuring',
    stem: { zh: '哪些是量具？', en: 'Which are measuring tools?' },
    options: [
      { id: 'a', text: { zh: '游标卡尺', en: 'vernier caliper' } },
      { id: 'b', text: { zh: '千分尺', en: 'micrometer' } },
      { id: 'c', text: { zh: '车刀', en: 'turning tool' } },
    ],
    answer: ['a', 'b'],
  },
  { id: 't1', kind: 'true-false', topic: 'safety', stem: { zh: '操作车床可以戴手套。' }, answer: false },
  { id: 't2', kind: 'true-false', topic: 'safety', stem: { zh: '工件必须夹紧。' }, answer: true },
  {
    id: 'f1',
    kind: 'fill-in',
    topic: 'cutting',
    stem: { zh: '切削三要素之一：切削____' },
    accepted: ['速度', 'speed'],
  },
];

export const EXAM: Exam = {
  id: 'lathe-4',
  occupation: LATHE,
  level: 4,
  title: { zh: '车工四级（中级工）', en: 'Lathe operator, level 4' },
  items: ITEMS,
  sections: [
    { id: 'A', kind: 'single', count: 3, pointsPerItem: 10 },
    { id: 'B', kind: 'multiple', count: 1, pointsPerItem: 20 },
    { id: 'C', kind: 'true-false', count: 2, pointsPerItem: 10 },
    { id: 'D', kind: 'fill-in', count: 1, pointsPerItem: 30 },
  ],
  rubric: [
    { id: 'dimensions', description: { zh: '尺寸精度' }, maxPoints: 40 },
    { id: 'finish', description: { zh: '表面粗糙度' }, maxPoints: 30 },
    { id: 'safety', description: { zh: '安全文明生产' }, maxPoints: 30 },
  ],
  timeLimitMinutes: 90,
  policy: passPolicy({ version: '2026.1' }),
};

/** A level-2 exam (technician): adds the comprehensive review and topic sections beside an any-topic one. */
export const EXAM_LEVEL_2: Exam = {
  ...EXAM,
  id: 'lathe-2',
  level: 2,
  title: { zh: '车工二级（技师）', en: 'Lathe operator, level 2' },
  sections: [
    { id: 'A', kind: 'single', count: 2, pointsPerItem: 10 },
    { id: 'S', kind: 'single', topic: 'safety', count: 2, pointsPerItem: 10 },
    { id: 'B', kind: 'multiple', count: 1, pointsPerItem: 20, multipleScoring: 'partial' },
    { id: 'C', kind: 'true-false', count: 2, pointsPerItem: 5 },
    { id: 'D', kind: 'fill-in', count: 1, pointsPerItem: 30 },
  ],
  review: { panelSize: 5 },
};

/** The answer key of a paper, as a candidate who knows everything would answer. */
export function keyOf(paper: Paper): Answers {
  return Object.fromEntries(
    paper.items.map(({ item }) => [
      item.id,
      item.kind === 'fill-in' ? (item.accepted[0] as string) : (item.answer as string | string[] | boolean),
    ]),
  );
}

export const NEIJIANG = {
  did: 'did:web:neijiang.skillcert.example',
  nameZh: '内江市职业技能鉴定中心',
  nameEn: 'Neijiang Skills Evaluation Centre',
  url: 'https://neijiang.skillcert.example',
};
export const HOLDER_ID = 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b';
export const CERTIFICATE_LIST = `${NEIJIANG.url}/status/neijiang/certificates-1`;

/** 张伟's level-4 lathe operator certificate as the domain builds it; a test changes what it is about. */
export function certificateFacts(overrides: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    number: 'NJ-2026-4-000001-Q',
    issuer: NEIJIANG,
    holder: { id: HOLDER_ID, name: '张伟' },
    occupation: LATHE,
    level: 4,
    examTitle: EXAM.title,
    decision: decide(EXAM.policy, { theory: 92, practical: 88 }, ['theory', 'practical']),
    issuedAt: new Date('2026-11-24T10:00:00Z'),
    status: { listBaseUrl: CERTIFICATE_LIST, index: 90_317 },
    ...overrides,
  };
}
