// The people a fresh local cloud knows, so every role can be tried at once. Local only: these accounts
// and passwords never exist in a deployed user pool (admins enrol real people there). `npm start`
// prints them; the local issuer (oidc-issuer.ts) signs them in with grant_type=password.

export interface DevUser {
  username: string;
  password: string;
  name: string;
  email: string;
  groups: ('candidates' | 'assessors' | 'admins')[];
  /** Conflict-of-interest rules compare these: same employer, or the assessor trained the candidate. */
  employer: string;
  trainingOrg: string;
  /** Senior assessors moderate when two marks diverge. */
  senior?: boolean;
  /** Candidates' resident ID numbers (made up, with valid check characters): one person per number. */
  nationalId?: string;
}

export const DEV_USERS: DevUser[] = [
  {
    username: 'zhangwei',
    password: 'Candidate-123!',
    name: '张伟 Zhang Wei',
    email: 'zhangwei@example.cn',
    groups: ['candidates'],
    employer: '内江机械厂 Neijiang Machinery Works',
    trainingOrg: '内江职业技术学院 Neijiang Vocational and Technical College',
    nationalId: '51100219900307123X',
  },
  {
    username: 'liuyang',
    password: 'Candidate-123!',
    name: '刘洋 Liu Yang',
    email: 'liuyang@example.cn',
    groups: ['candidates'],
    employer: '宜宾五粮液机械 Yibin Wuliangye Machinery',
    trainingOrg: '宜宾职业技术学院 Yibin Vocational and Technical College',
    nationalId: '511502199208152348',
  },
  {
    username: 'liqiang',
    password: 'Assessor-123!',
    name: '李强 Li Qiang',
    email: 'liqiang@example.cn',
    groups: ['assessors'],
    employer: '自贡机床厂 Zigong Machine Tool Works',
    trainingOrg: '自贡技师学院 Zigong Technician College',
  },
  {
    username: 'wangfang',
    password: 'Assessor-123!',
    name: '王芳 Wang Fang',
    email: 'wangfang@example.cn',
    groups: ['assessors'],
    employer: '宜宾重工 Yibin Heavy Industry',
    trainingOrg: '宜宾职业技术学院 Yibin Vocational and Technical College',
    senior: true,
  },
  {
    username: 'chengang',
    password: 'Assessor-123!',
    name: '陈刚 Chen Gang',
    email: 'chengang@example.cn',
    groups: ['assessors'],
    // Same employer as the dev candidate: the assignment rules must never pick him for Zhang Wei.
    employer: '内江机械厂 Neijiang Machinery Works',
    trainingOrg: '泸州职业技术学院 Luzhou Vocational and Technical College',
    senior: true,
  },
  {
    username: 'zhaolei',
    password: 'Assessor-123!',
    name: '赵磊 Zhao Lei',
    email: 'zhaolei@example.cn',
    groups: ['assessors'],
    // A fourth assessor so that marking, a replacement and moderation can all avoid conflicts.
    employer: '泸州化工机械厂 Luzhou Chemical Machinery Works',
    trainingOrg: '四川工程职业技术学院 Sichuan Engineering Technical College',
    senior: true,
  },
  {
    username: 'liumin',
    password: 'Admin-123456!',
    name: '刘敏 Liu Min',
    email: 'liumin@example.cn',
    groups: ['admins'],
    employer: '内江市职业技能鉴定中心 Neijiang Skills Evaluation Centre',
    trainingOrg: '',
  },
];

/** Finds a seeded user by username (exact, as Cognito's usernames are case-sensitive here). */
export function findDevUser(username: string, users: readonly DevUser[] = DEV_USERS): DevUser | undefined {
  return users.find((u) => u.username === username);
}

/**
 * The user's attributes as Cognito would hold them (and put in an ID token): the standard ones plus
 * the pool's custom attributes `custom:employer` and `custom:trainingOrg`, which the
 * conflict-of-interest rule compares.
 */
export function cognitoAttributesOf(user: DevUser): Record<string, string> {
  const attributes: Record<string, string> = {
    email: user.email,
    email_verified: 'true',
    name: user.name,
    'custom:employer': user.employer,
    'custom:trainingOrg': user.trainingOrg,
  };
  // Cognito keeps no empty attributes: an admin without a training organisation simply has none.
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== ''));
}
