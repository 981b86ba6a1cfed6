// The demo's exam: 车工 (lathe operator, 6-18-01-01) at level 4, with a small real item bank and a
// practical rubric. Admins would enter the same through PUT /admin/exams/{examId}.

export const OCCUPATION = { code: '6-18-01-01', nameZh: '车工', nameEn: 'Lathe operator' };

const opts = (...texts: string[]) => texts.map((zh, i) => ({ id: 'abcd'[i] as string, text: { zh } }));

export const EXAM_ID = 'lathe-operator-level-4';

export const EXAM_BODY = {
  occupationCode: OCCUPATION.code,
  level: 4,
  title: { zh: '车工 四级/中级工 职业技能等级认定', en: 'Lathe operator, level 4 (intermediate worker)' },
  timeLimitMinutes: 90,
  policy: { version: '2026.1' },
  items: [
    {
      id: 'q01',
      kind: 'single',
      topic: 'safety',
      stem: { zh: '操作车床时，下列哪项是正确的？' },
      options: opts('戴手套操作', '戴防护眼镜', '用手清除切屑', '开车测量工件'),
      answer: 'b',
    },
    {
      id: 'q02',
      kind: 'single',
      topic: 'safety',
      stem: { zh: '车床运转中发现异响，应首先：' },
      options: opts('继续加工', '立即停车检查', '加大进给', '通知下一班'),
      answer: 'b',
    },
    {
      id: 'q03',
      kind: 'single',
      topic: 'cutting',
      stem: { zh: '粗车时一般优先选择较大的：' },
      options: opts('切削速度', '背吃刀量', '刀尖圆弧半径', '主偏角'),
      answer: 'b',
    },
    {
      id: 'q04',
      kind: 'single',
      topic: 'cutting',
      stem: { zh: '车削45钢，硬质合金刀具宜选用：' },
      options: opts('YG8', 'YT15', 'W18Cr4V', '金刚石'),
      answer: 'b',
    },
    {
      id: 'q05',
      kind: 'single',
      topic: 'measuring',
      stem: { zh: '0.02 mm 游标卡尺的读数精度是：' },
      options: opts('0.1 mm', '0.05 mm', '0.02 mm', '0.01 mm'),
      answer: 'c',
    },
    {
      id: 'q06',
      kind: 'single',
      topic: 'measuring',
      stem: { zh: '测量 Ø40h7 外圆最合适的量具是：' },
      options: opts('钢直尺', '外径千分尺', '卷尺', '塞尺'),
      answer: 'b',
    },
    {
      id: 'q07',
      kind: 'multiple',
      topic: 'cutting',
      stem: { zh: '切削用量三要素包括：' },
      options: opts('切削速度', '进给量', '背吃刀量', '刀具寿命'),
      answer: ['a', 'b', 'c'],
    },
    {
      id: 'q08',
      kind: 'multiple',
      topic: 'safety',
      stem: { zh: '下列属于车工个人防护用品的是：' },
      options: opts('防护眼镜', '工作帽', '领带', '工作服'),
      answer: ['a', 'b', 'd'],
    },
    {
      id: 'q09',
      kind: 'true-false',
      topic: 'safety',
      stem: { zh: '工件和刀具必须装夹牢固后方可开车。' },
      answer: true,
    },
    {
      id: 'q10',
      kind: 'true-false',
      topic: 'cutting',
      stem: { zh: '精车时应选用较大的进给量以提高表面质量。' },
      answer: false,
    },
    {
      id: 'q11',
      kind: 'true-false',
      topic: 'measuring',
      stem: { zh: '千分尺使用前应校对零位。' },
      answer: true,
    },
    {
      id: 'q12',
      kind: 'fill-in',
      topic: 'cutting',
      stem: { zh: '车削时工件的旋转运动称为____运动。' },
      accepted: ['主', '主运动'],
    },
    {
      id: 'q13',
      kind: 'fill-in',
      topic: 'measuring',
      stem: { zh: '表面粗糙度 Ra 的单位是____。' },
      accepted: ['μm', 'um', '微米'],
    },
  ],
  sections: [
    { id: 'single', kind: 'single', count: 4, pointsPerItem: 10 },
    { id: 'multiple', kind: 'multiple', count: 2, pointsPerItem: 10 },
    { id: 'true-false', kind: 'true-false', count: 2, pointsPerItem: 10 },
    { id: 'fill-in', kind: 'fill-in', count: 2, pointsPerItem: 10 },
  ],
  rubric: [
    {
      id: 'dimensions',
      description: { zh: '尺寸精度（Ø40h7、长度 120±0.1）', en: 'Dimensional accuracy' },
      maxPoints: 40,
    },
    { id: 'finish', description: { zh: '表面粗糙度 Ra 1.6', en: 'Surface finish Ra 1.6' }, maxPoints: 25 },
    { id: 'process', description: { zh: '工艺与刀具选用', en: 'Process and tooling' }, maxPoints: 15 },
    { id: 'safety', description: { zh: '安全文明生产', en: 'Safe, orderly work' }, maxPoints: 20 },
  ],
};

export type DemoItem = (typeof EXAM_BODY.items)[number];
