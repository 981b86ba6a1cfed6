// What text people type may hold. Names, titles, reasons and the like end up in signed certificates, on
// pages and in JSON others parse, so characters that do not belong there are refused rather than stored:
// control characters, lone UTF-16 surrogates (the record would no longer be valid UTF-8/JSON for jq and
// friends), bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, which make a name read
// differently from what it is, "Trojan Source" style), and invisible zero-width characters. What is
// accepted is stored in Unicode NFC, so the same name is always the same code points.

/** A one-line name (a person, an occupation, an organisation) or a multi-line text (a rubric, a reason). */
export type TextKind = 'name' | 'text';

export interface TextProblem {
  en: string;
  zh: string;
}

// C0 and C1 controls and DEL; a multi-line text may hold line feeds, carriage returns and tabs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_IN_NAME = /[\u0000-\u001F\u007F-\u009F]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
// Unpaired halves of a surrogate pair: not a character at all.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Embeddings, overrides, isolates and the invisible direction marks.
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
// Zero-width space, word joiner, BOM, Mongolian vowel separator: never needed in text we publish. Zero-width
// (non-)joiners shape some scripts and emoji, so a multi-line text may keep them; a name may not.
const INVISIBLE_IN_NAME = /[\u200B-\u200D\u2060\uFEFF\u180E\u00AD]/u;
const INVISIBLE_IN_TEXT = /[\u200B\u2060\uFEFF\u180E]/u;
// Noncharacters: reserved never to be interchanged.
const NONCHARACTER = /[\uFDD0-\uFDEF\uFFFE\uFFFF]/u;

const hex = (c: string) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why this text cannot be stored; undefined when it can. Checked on the text as given. */
export function textProblem(value: string, kind: TextKind): TextProblem | undefined {
  const lone = LONE_SURROGATE.exec(value);
  if (lone)
    return {
      en: `contains a lone surrogate (${hex(lone[0])}), which is not a character`,
      zh: `含有孤立的代理码元（${hex(lone[0])}），它不是字符`,
    };
  const control = (kind === 'name' ? CONTROL_IN_NAME : CONTROL_IN_TEXT).exec(value);
  if (control)
    return {
      en: `contains a control character (${hex(control[0])})${kind === 'name' ? '; a name is one line' : ''}`,
      zh: `含有控制字符（${hex(control[0])}）${kind === 'name' ? '；名称须为单行' : ''}`,
    };
  const bidi = BIDI.exec(value);
  if (bidi)
    return {
      en: `contains a bidirectional control (${hex(bidi[0])}), which would make it read differently from what it is`,
      zh: `含有双向文本控制字符（${hex(bidi[0])}），会使显示内容与实际内容不一致`,
    };
  const invisible = (kind === 'name' ? INVISIBLE_IN_NAME : INVISIBLE_IN_TEXT).exec(value);
  if (invisible)
    return {
      en: `contains an invisible character (${hex(invisible[0])})`,
      zh: `含有不可见字符（${hex(invisible[0])}）`,
    };
  const nonchar = NONCHARACTER.exec(value);
  if (nonchar)
    return { en: `contains a noncharacter (${hex(nonchar[0])})`, zh: `含有非字符码位（${hex(nonchar[0])}）` };
  if (kind === 'name' && value.trim() !== '' && value.normalize('NFC').trim() === '')
    return { en: 'is only spaces', zh: '只有空格' };
  return undefined;
}

/**
 * The text as stored: NFC; a name also trimmed with single inner spaces. A multi-line text keeps its white
 * space as typed (an item's stem is what the candidate reads, byte for byte).
 */
export function normaliseText(value: string, kind: TextKind): string {
  const nfc = value.normalize('NFC');
  return kind === 'name' ? nfc.trim().replace(/\s+/gu, ' ') : nfc;
}
