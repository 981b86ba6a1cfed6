import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseText, textProblem } from '../../../functions/domain/text.js';

describe('text that may reach a certificate or a page', () => {
  it('accepts real names in Chinese, English and with combining marks, and stores them in NFC', () => {
    for (const name of [
      '张伟',
      'Zhang Wei',
      '张伟 Zhang Wei',
      'Zoë Ångström',
      'O’Brien-Lee',
      '阿卜杜·热合曼',
    ]) {
      expect(textProblem(name, 'name'), name).toBeUndefined();
    }
    // e + COMBINING DIAERESIS becomes ë; inner runs of spaces in a name become one.
    expect(normaliseText('  Zoe\u0308   Li ', 'name')).toBe('Zoë Li');
    expect(normaliseText('line one\n  line two ', 'text')).toBe('line one\n  line two ');
    expect(normaliseText('cafe\u0301 ', 'text')).toBe('café ');
  });

  it.each([
    ['a control character', 'Zhang\u0007Wei', /control character \(U\+0007\)/],
    ['a line break in a name', 'Zhang\nWei', /control character \(U\+000A\)/],
    ['DEL', 'Zhang\u007fWei', /control character \(U\+007F\)/],
    ['a C1 control', 'Zhang\u0085Wei', /control character \(U\+0085\)/],
    ['a lone high surrogate', 'Zhang\uD800Wei', /lone surrogate \(U\+D800\)/],
    ['a lone low surrogate', 'Zhang\uDC00', /lone surrogate \(U\+DC00\)/],
    ['a right-to-left override', '张伟\u202Eabc', /bidirectional control \(U\+202E\)/],
    ['a left-to-right embedding', '\u202AZhang', /bidirectional control \(U\+202A\)/],
    ['a first-strong isolate', 'Zhang\u2068Wei\u2069', /bidirectional control \(U\+2068\)/],
    ['a right-to-left mark', 'Zhang\u200FWei', /bidirectional control \(U\+200F\)/],
    ['a zero-width space', 'Zhang\u200BWei', /invisible character \(U\+200B\)/],
    ['a zero-width joiner in a name', 'Zhang\u200DWei', /invisible character \(U\+200D\)/],
    ['a byte-order mark', '\uFEFFZhang', /invisible character \(U\+FEFF\)/],
    ['a noncharacter', 'Zhang\uFFFF', /noncharacter \(U\+FFFF\)/],
  ])('refuses %s, saying which character in both languages', (_, value, message) => {
    const problem = textProblem(value, 'name');
    expect(problem?.en).toMatch(message);
    expect(problem?.zh).toMatch(/U\+[0-9A-F]{4}/);
  });

  it('lets a multi-line text keep line breaks, tabs and joiners, but not overrides or zero-width spaces', () => {
    expect(textProblem('第一行\n第二行\tend', 'text')).toBeUndefined();
    expect(textProblem('👩\u200D🔧 welder', 'text')).toBeUndefined();
    expect(textProblem('reason\u202E', 'text')?.en).toMatch(/bidirectional/);
    expect(textProblem('reason\u200B', 'text')?.en).toMatch(/invisible/);
    expect(textProblem('reason\u0000', 'text')?.en).toMatch(/control/);
  });

  it('never lets a string with a lone surrogate or a bidi override through, whatever surrounds it', () => {
    const bad = fc.constantFrom('\uD800', '\uDFFF', '\u202E', '\u2066', '\u0000', '\u200B');
    fc.assert(
      fc.property(fc.string(), bad, fc.string(), (before, b, after) => {
        // A high surrogate right before a low one would pair up: that is a character, not a lone half.
        fc.pre(!(/[\uD800-\uDBFF]$/.test(before) && /^[\uDC00-\uDFFF]/.test(b)));
        fc.pre(!(/^[\uD800-\uDBFF]$/.test(b) && /^[\uDC00-\uDFFF]/.test(after)));
        expect(textProblem(`${before}${b}${after}`, 'name')).toBeDefined();
      }),
    );
  });
});
