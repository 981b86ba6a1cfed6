// Occupations carry their code in the national occupational classification (国家职业分类大典),
// e.g. 6-18-01-01 车工 (lathe operator): major group (1–8), middle group, small group, occupation.
import { DomainError } from './errors.js';

export interface Occupation {
  code: string;
  nameZh: string;
  nameEn: string;
}

const CODE = /^[1-8]-\d{2}-\d{2}-\d{2}$/;

export function isOccupationCode(code: string): boolean {
  return CODE.test(code);
}

/** An occupation an admin gave that is not one of the national classification. */
export class OccupationError extends DomainError {
  override name = 'OccupationError';
}

export function occupation(code: string, nameZh: string, nameEn: string): Occupation {
  if (!isOccupationCode(code))
    throw new OccupationError({
      en: `'${code}' is not a national occupation code like 6-18-01-01`,
      zh: `“${code}”不是国家职业分类代码（形如 6-18-01-01）`,
    });
  if (!nameZh.trim() || !nameEn.trim())
    throw new OccupationError({
      en: 'An occupation needs a Chinese and an English name',
      zh: '职业须有中文名称和英文名称',
    });
  return { code, nameZh: nameZh.trim(), nameEn: nameEn.trim() };
}
