// The web app's message catalogs: every key the sources use exists in zh-CN and in English (with the
// plural forms each language needs), neither catalog has a key the other lacks, and no message is empty.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEVEL_NAMES } from '../../../functions/domain/levels.js';
import { COMPONENTS } from '../../../functions/domain/policy.js';
import { projectRoot } from '../../../local/paths.js';
import en from '../../../web/src/locales/en.json' with { type: 'json' };
import zhCN from '../../../web/src/locales/zh-CN.json' with { type: 'json' };

type Catalog = { [key: string]: string | Catalog };
const SRC = join(projectRoot, 'web', 'src');

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(catalog)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [readFileSync(path, 'utf8')] : [];
  });
}

const catalogs = { 'zh-CN': flatten(zhCN as Catalog), en: flatten(en as Catalog) };
/** The plural forms i18next looks up: Chinese has only "other", English "one" and "other". */
const PLURALS = { 'zh-CN': ['other'], en: ['one', 'other'] } as const;

/**
 * Keys used literally: t('a.b') and t('a.b', { count }) (the latter needs plural forms), and the keys the
 * admin pages' field problems carry to be said when shown: new FieldProblem(field, 'a.b').
 */
function usedKeys(): { key: string; plural: boolean }[] {
  const found = new Map<string, boolean>();
  for (const text of sources()) {
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'\s*(,\s*\{([^}]*)\})?/g)) {
      const key = m[1] as string;
      const plural = /\bcount\b/.test(m[3] ?? '');
      found.set(key, (found.get(key) ?? false) || plural);
    }
    for (const m of text.matchAll(/\bnew FieldProblem\(\s*[^,]+,\s*'([a-zA-Z0-9_.-]+)'/g)) {
      const key = m[1] as string;
      found.set(key, found.get(key) ?? false);
    }
  }
  return [...found].map(([key, plural]) => ({ key, plural }));
}

/** Keys built from data: every value the data can take must have its message. */
function dynamicKeys(): string[] {
  const statuses = ['in-progress', 'submitted', 'marking', 'moderating', 'passed', 'failed', 'error'];
  return [
    ...Object.keys(LEVEL_NAMES).map((l) => `levels.${l}`),
    ...statuses.map((s) => `status.${s}`),
    ...['active', 'suspended', 'revoked', 'terminated'].map((s) => `status.${s}`),
    ...['single', 'multiple', 'true-false', 'fill-in'].map((k) => `itemKinds.${k}`),
    ...COMPONENTS.map((c) => `components.${c}`),
    ...statuses.map((s) => `attempts.next.${s}`),
    ...['marked', 'returned'].map((d) => `assessor.done.${d}`),
    ...['zh-CN', 'en'].map((l) => `language.${l}`),
    ...['active', 'retired', 'compromised'].map((s) => `admin.keys.status.${s}`),
    ...['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((s) => `admin.attempts.execution.${s}`),
    ...['open', 'marked', 'returned', 'expired'].map((s) => `admin.attempts.review.${s}`),
    ...['delivered', 'pending', 'held', 'not-notified'].map((s) => `admin.certificates.noticeState.${s}`),
    ...[
      'occupations',
      'exams',
      'sessions',
      'people',
      'partners',
      'agreements',
      'certificates',
      'attempts',
      'keys',
    ].map((s) => `admin.${s}.title`),
  ];
}

describe('web message catalogs', () => {
  it('finds the keys the sources use (the check itself sees them)', () => {
    const used = usedKeys().map((u) => u.key);
    expect(used).toContain('runner.timeLeft');
    expect(used).toContain('admin.people.yearsShape');
    expect(used).toContain('runner.pending');
    expect(used.length).toBeGreaterThan(150);
  });

  for (const language of ['zh-CN', 'en'] as const) {
    it(`has every key in ${language}, with its plural forms`, () => {
      const catalog = catalogs[language];
      const missing: string[] = [];
      for (const { key, plural } of usedKeys()) {
        const forms = plural ? PLURALS[language].map((f) => `${key}_${f}`) : [key];
        for (const form of forms) if (!catalog.has(form)) missing.push(form);
      }
      for (const key of dynamicKeys()) if (!catalog.has(key)) missing.push(key);
      expect(missing).toEqual([]);
    });
  }

  it('has the same keys in both languages, plural forms aside, and no empty message', () => {
    const base = (lang: 'zh-CN' | 'en') =>
      new Set([...catalogs[lang].keys()].map((k) => k.replace(/_(one|other)$/, '')));
    expect([...base('zh-CN')].sort()).toEqual([...base('en')].sort());
    for (const catalog of Object.values(catalogs))
      for (const [key, text] of catalog) expect(text.trim(), key).not.toBe('');
  });

  it('writes the interpolations of a message the same way in both languages', () => {
    const names = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of catalogs.en) {
      const zhKey = key.replace(/_one$/, '_other');
      const zh = catalogs['zh-CN'].get(zhKey);
      if (zh !== undefined && !key.endsWith('_one')) expect(names(zh), key).toEqual(names(text));
    }
  });
});
