// Message catalogs (zh-CN, the default, and English) through i18next; the chosen language is a signal so
// every component that shows text re-renders when it changes, and it is remembered in localStorage.
import { signal } from '@preact/signals';
import i18next, { type TOptions } from 'i18next';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'skillcert.language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(stored ?? '') ? (stored as Language) : 'zh-CN';
}

export const language = signal<Language>(initialLanguage());

void i18next.init({
  lng: language.value,
  fallbackLng: false,
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  interpolation: { escapeValue: false }, // Preact escapes text itself
  initAsync: false,
  returnNull: false,
});
document.documentElement.lang = language.value;

export function setLanguage(next: Language): void {
  localStorage.setItem(STORAGE_KEY, next);
  void i18next.changeLanguage(next);
  document.documentElement.lang = next;
  language.value = next;
}

/** A catalog message; reading the language signal subscribes the calling component to changes. */
export function t(key: string, options?: TOptions): string {
  const lng = language.value;
  return i18next.t(key, { ...options, lng }) as string;
}

/** A server message in the reader's language: the API sends `message` (English) and `messageZh`. */
export function serverText(body: { message?: string; messageZh?: string } | undefined): string {
  if (!body) return t('errors.unknown');
  if (language.value === 'zh-CN') {
    if (body.messageZh) return body.messageZh;
    // An API message only in English: said so in Chinese rather than passed off as a translation.
    if (body.message) return t('errors.englishOnly', { message: body.message });
  }
  return body.message ?? t('errors.unknown');
}

/** A catalog message as the API writes its own ({message, messageZh}), for errors the app raises itself. */
export function inBothLanguages(key: string): { message: string; messageZh: string } {
  return { message: i18next.t(key, { lng: 'en' }), messageZh: i18next.t(key, { lng: 'zh-CN' }) };
}

/** Text the data holds in both languages (occupation names, exam titles): shown as written. */
export function bilingual(value: { zh?: string; en?: string } | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return (language.value === 'zh-CN' ? value.zh : value.en) ?? value.zh ?? value.en ?? '';
}

const REGION_TIME_ZONE = 'Asia/Shanghai';

export function formatDateTime(iso: string | undefined, timeZone = REGION_TIME_ZONE): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(language.value, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  }).format(new Date(iso));
}

export function formatDate(iso: string | undefined, timeZone = REGION_TIME_ZONE): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(language.value, { dateStyle: 'long', timeZone }).format(new Date(iso));
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(language.value, { maximumFractionDigits: 1 }).format(value);
}
