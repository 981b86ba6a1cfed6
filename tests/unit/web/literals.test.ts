// No text a person reads is written into the runner, assessor or shared UI sources: it all comes from
// the message catalogs (web/src/locales), so it exists in zh-CN and English. The check parses each file
// as TSX (oxc's parser, through rolldown's parseAst: TypeScript 7's compiler has no JavaScript API) and
// flags text children of JSX with letters or Chinese characters, string literals with letters given to
// JSX as children or to attributes people read (aria-label, title, placeholder, alt…), any string
// with Chinese characters anywhere in the code, and a t(…, { defaultValue }) that falls back to anything
// but another catalog message. Class names, keys and URLs are not text and are not
// flagged; a string built elsewhere and passed through a variable is not seen (the catalog test and the
// browser tests in both languages cover what reaches the page that way).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../local/paths.js';

const FILES = [
  'web/src/pages/candidate.tsx',
  'web/src/pages/assessor.tsx',
  'web/src/ui.tsx',
  'web/src/main.tsx',
  'web/src/api.ts',
  'web/src/auth.ts',
  'web/src/config.ts',
  'web/src/i18n.ts',
  'web/src/exam/clock.ts',
  'web/src/exam/queue.ts',
  'web/src/exam/tab.ts',
];

/** Attributes whose value a person reads or hears. */
const READ_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-valuetext',
  'aria-roledescription',
  'title',
  'placeholder',
  'alt',
  'label',
]);

const LETTERS = /\p{L}/u;
const CJK = /\p{Script=Han}/u;

type Node = { type: string; start: number; [key: string]: unknown };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent') continue;
    if (Array.isArray(value)) out.push(...value.filter(isNode));
    else if (isNode(value)) out.push(value);
  }
  return out;
}

/** The literal strings an expression can evaluate to, through conditionals, ?? / || / && and +. */
function literalStrings(node: Node): string[] {
  switch (node.type) {
    case 'Literal':
      return typeof node.value === 'string' ? [node.value] : [];
    case 'TemplateLiteral':
      return (node.quasis as { value: { cooked: string } }[]).map((q) => q.value.cooked);
    case 'ConditionalExpression':
      return [...literalStrings(node.consequent as Node), ...literalStrings(node.alternate as Node)];
    case 'LogicalExpression':
      // \`cond && 'text'\` shows only its right side; \`a ?? 'text'\` and \`a || 'text'\` either side.
      return node.operator === '&&'
        ? literalStrings(node.right as Node)
        : [...literalStrings(node.left as Node), ...literalStrings(node.right as Node)];
    case 'BinaryExpression':
      return node.operator === '+'
        ? [...literalStrings(node.left as Node), ...literalStrings(node.right as Node)]
        : [];
    default:
      return [];
  }
}

interface Finding {
  line: number;
  text: string;
  why: string;
}

function hardCodedText(source: string, filename: string): Finding[] {
  const program = parseAst(source, { lang: filename.endsWith('.tsx') ? 'tsx' : 'ts' }, filename);
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  const found: Finding[] = [];
  const flag = (node: Node, text: string, why: string) =>
    found.push({ line: lineOf(node.start), text: text.trim(), why });
  const visit = (node: Node) => {
    if (node.type === 'JSXElement' || node.type === 'JSXFragment') {
      // What a JSX element shows: its text and the strings its {expressions} can produce.
      for (const child of (node.children as Node[]) ?? []) {
        if (child.type === 'JSXText' && LETTERS.test(String(child.value)))
          flag(child, String(child.value), 'JSX text');
        if (child.type === 'JSXExpressionContainer')
          for (const text of literalStrings(child.expression as Node))
            if (LETTERS.test(text)) flag(child, text, 'string shown in JSX');
      }
    }
    if (node.type === 'JSXAttribute') {
      const name = (node.name as { name?: string }).name ?? '';
      const value = node.value as Node | null;
      if (READ_ATTRIBUTES.has(name) && value) {
        const strings =
          value.type === 'JSXExpressionContainer'
            ? literalStrings(value.expression as Node)
            : literalStrings(value);
        for (const text of strings) if (LETTERS.test(text)) flag(node, text, `${name} attribute`);
      }
    }
    // t(key, { defaultValue }) must fall back to another catalog message, never to raw data or a literal.
    if (
      node.type === 'Property' &&
      (node.key as { name?: string }).name === 'defaultValue' &&
      !(
        (node.value as Node).type === 'CallExpression' &&
        ((node.value as Node).callee as { name?: string }).name === 't'
      )
    )
      flag(node, source.slice(node.start, node.end as number), 'fallback outside the catalogs');
    if (node.type === 'Literal' && typeof node.value === 'string' && CJK.test(node.value))
      flag(node, node.value, 'Chinese text in code');
    if (node.type === 'TemplateLiteral')
      for (const text of literalStrings(node)) if (CJK.test(text)) flag(node, text, 'Chinese text in code');
    for (const child of children(node)) visit(child);
  };
  visit(program as unknown as Node);
  // A JSX child counted twice (as a string in JSX and as Chinese text) is one finding.
  return found.filter((f, i) => found.findIndex((g) => g.line === f.line && g.text === f.text) === i);
}

describe('text in the web sources comes from the message catalogs', () => {
  it('the check sees text written into JSX, into read attributes and Chinese anywhere', () => {
    const sample = `const a = (ok: boolean) => (
      <p aria-label="Close" class="x y" title={ok ? '关闭' : t('a.b')}>
        Hello {ok ? 'Saved' : t('x.y')} {t('a.b')} ·{' '}
        <input placeholder={\`Type here\`} type="text" />
      </p>
    );
    const b = '请重新登录';
    const c = \`\${n} 分钟\`;
    const d = 'not-text-but-a-key';
    const e = t(\`status.\${s}\`, { defaultValue: s });
    const f = t('x', { defaultValue: t('y') });`;
    const texts = hardCodedText(sample, 'sample.tsx').map((f) => f.text);
    expect(texts).toEqual(
      expect.arrayContaining(['Close', '关闭', 'Hello', 'Saved', 'Type here', '请重新登录', '分钟']),
    );
    expect(texts).not.toContain('x y');
    expect(texts).not.toContain('text');
    expect(texts).not.toContain('not-text-but-a-key');
    expect(texts).not.toContain('·');
    expect(texts).toContain('defaultValue: s');
    expect(texts).not.toContain("defaultValue: t('y')");
  });

  for (const file of FILES) {
    it(`${file} has no hard-coded text`, () => {
      const findings = hardCodedText(readFileSync(join(projectRoot, file), 'utf8'), file);
      expect(findings.map((f) => `${file}:${f.line} ${f.why}: ${JSON.stringify(f.text)}`)).toEqual([]);
    });
  }
});
