// Occupations carry their code in the national occupational classification (国家职业分类大典),
// e.g. 6-18-01-01 车工 (lathe operator): major group (1–8), middle group, small group, occupation.

export interface Occupation {
  code: string;
  nameZh: string;
  nameEn: string;
}

const CODE = /^[1-8]-\d{2}-\d{2}-\d{2}$/;

export function isOccupationCode(code: string): boolean {
  return CODE.test(code);
}

export function occupation(code: string, nameZh: string, nameEn: string): Occupation {
  if (!isOccupationCode(code))
    throw new RangeError(`'${code}' is not a national occupation code like 6-18-01-01`);
  if (!nameZh.trim() || !nameEn.trim())
    throw new RangeError('An occupation needs a Chinese and an English name');
  return { code, nameZh: nameZh.trim(), nameEn: nameEn.trim() };
}
