// The national five-level scale of vocational skills (国家职业技能等级). Level 5 is the entry level.

export const LEVELS = [5, 4, 3, 2, 1] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_NAMES: Record<Level, { zh: string; en: string }> = {
  5: { zh: '五级/初级工', en: 'Level 5, junior worker' },
  4: { zh: '四级/中级工', en: 'Level 4, intermediate worker' },
  3: { zh: '三级/高级工', en: 'Level 3, senior worker' },
  2: { zh: '二级/技师', en: 'Level 2, technician' },
  1: { zh: '一级/高级技师', en: 'Level 1, senior technician' },
};

export function isLevel(value: unknown): value is Level {
  return typeof value === 'number' && (LEVELS as readonly number[]).includes(value);
}

/** Levels 2 and 1 add a comprehensive review (综合评审) by a panel. */
export function needsComprehensiveReview(level: Level): boolean {
  return level <= 2;
}
