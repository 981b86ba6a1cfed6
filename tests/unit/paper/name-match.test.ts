// Lookups by number need the holder's name: typed whole or as its Chinese characters, never a fragment.
import { describe, expect, it } from 'vitest';
import { nameMatches } from '../../../functions/certification/paper.js';

describe('the holder name a lookup needs', () => {
  it('matches the whole name or its Chinese characters, however spaced', () => {
    expect(nameMatches('张伟 Zhang Wei', '张伟')).toBe(true);
    expect(nameMatches('张伟 Zhang Wei', '张 伟')).toBe(true);
    expect(nameMatches('张伟 Zhang Wei', 'Zhang Wei')).toBe(false);
    expect(nameMatches('张伟 Zhang Wei', '张伟 zhang wei')).toBe(true);
    expect(nameMatches('阿卜杜拉·买买提', '阿卜杜拉买买提')).toBe(true);
  });

  it('refuses a fragment, another name or nothing', () => {
    expect(nameMatches('张伟 Zhang Wei', 'Wei')).toBe(false);
    expect(nameMatches('张伟 Zhang Wei', '张')).toBe(false);
    expect(nameMatches('张伟 Zhang Wei', '李四')).toBe(false);
    expect(nameMatches('张伟 Zhang Wei', '  ')).toBe(false);
    expect(nameMatches('John Smith', 'john smith')).toBe(true);
  });
});
