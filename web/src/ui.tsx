// Pieces every page shares: the header (region, navigation for the person's groups, language, sign-out),
// a page frame with one h1, form fields with their label and the error that concerns them, and loading.
import { signal, useSignal } from '@preact/signals';
import type { ComponentChildren, JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { ApiError, call, NetworkError } from './api';
import { session, signIn, signOut } from './auth';
import { config } from './config';
import { bilingual, LANGUAGES, type Language, language, serverText, setLanguage, t } from './i18n';

export interface Me {
  sub: string;
  username: string;
  groups: string[];
}

/** Who is signed in, as the API sees it (GET /me): the groups decide which pages the header offers. */
export const me = signal<Me | undefined>(undefined);

export async function loadMe(): Promise<Me | undefined> {
  if (!session.value) {
    me.value = undefined;
    return undefined;
  }
  me.value = await call<Me>('/me');
  return me.value;
}

/** Set while GET /me cannot reach the API (offline, or the API down): the app retries by itself. */
export const meUnreachable = signal(false);

export const has = (group: string) => me.value?.groups.includes(group) ?? false;

export function LanguageSwitch() {
  return (
    <fieldset class="language">
      <legend class="sr-only">{t('language.label')}</legend>
      {LANGUAGES.map((lng: Language) => (
        <button
          type="button"
          key={lng}
          lang={lng}
          aria-pressed={language.value === lng}
          onClick={() => setLanguage(lng)}
        >
          {t(`language.${lng}`)}
        </button>
      ))}
    </fieldset>
  );
}

export function Header() {
  const region = config().region;
  const links: [string, string][] = [];
  if (has('candidates'))
    links.push(
      ['/sessions', 'nav.sessions'],
      ['/me/attempts', 'nav.attempts'],
      ['/me/certificates', 'nav.certificates'],
    );
  if (has('assessors')) links.push(['/assessor', 'nav.assessor']);
  if (has('admins')) links.push(['/admin', 'nav.admin']);
  return (
    <header class="top">
      <a class="brand" href="/">
        <span>{t('app.name')}</span>
        <small>{bilingual({ zh: region.nameZh, en: region.nameEn })}</small>
      </a>
      {links.length > 0 && (
        <nav class="topnav" aria-label={t('nav.label')}>
          {links.map(([href, key]) => (
            <a key={href} href={href} aria-current={location.pathname === href ? 'page' : undefined}>
              {t(key)}
            </a>
          ))}
        </nav>
      )}
      <div class="tools">
        <LanguageSwitch />
        {session.value ? (
          <button type="button" onClick={() => void signOut()}>
            {t('auth.signOut')}
          </button>
        ) : (
          <button type="button" onClick={() => void signIn('/')}>
            {t('auth.signIn')}
          </button>
        )}
      </div>
    </header>
  );
}

export function Page(props: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · ${t('app.name')}`;
  }, [props.title, language.value]);
  return (
    <>
      <Header />
      <main id="main">
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </>
  );
}

/** A failure the app itself explains (its message is already a catalog text in the reader's language). */
export class Notice extends Error {}

/** An API or network error, said in the reader's language. */
export function errorText(error: unknown): string {
  if (error instanceof Notice) return error.message;
  if (error instanceof ApiError) return serverText(error.body);
  if (error instanceof NetworkError) return t('errors.network');
  return t('errors.unknown');
}

export function Alert(props: { error?: unknown; children?: ComponentChildren }) {
  if (props.error === undefined && !props.children) return null;
  return (
    <p class="alert" role="alert">
      {props.error !== undefined ? errorText(props.error) : props.children}
    </p>
  );
}

/** Loads data once (and again when `deps` change); shows progress and errors in a standard way. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const data = useSignal<T | undefined>(undefined);
  const error = useSignal<unknown>(undefined);
  const loading = useSignal(true);
  const reload = async () => {
    loading.value = true;
    try {
      data.value = await load();
      error.value = undefined;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  };
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, loading, reload };
}

export function Loading() {
  return <p aria-live="polite">{t('common.loading')}</p>;
}

let fieldIds = 0;

/**
 * What a field's error says: the API's own words in both languages (a `details` entry), or a catalog key
 * the page chose. Kept unresolved so switching the language re-renders it in the reader's language; a plain
 * string (already resolved) is shown as it is.
 */
export type FieldMessage =
  | string
  | { message?: string; messageZh?: string }
  | { key: string; params?: Record<string, unknown> };

export function fieldText(message: FieldMessage): string {
  if (typeof message === 'string') return message;
  if ('key' in message) return t(message.key, message.params);
  return serverText(message);
}

/**
 * One form field: its label, an optional hint, the control (the `children` slot gets the attributes that
 * tie it to the label, hint and error) and the error that concerns this field, announced and linked by
 * aria-describedby, with aria-invalid on the control.
 */
export function Field(props: {
  label: string;
  name: string;
  error?: FieldMessage | undefined;
  hint?: string;
  children: (attrs: {
    id: string;
    name: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => JSX.Element;
}) {
  const id = useSignal(`f${++fieldIds}`).value;
  const error = props.error === undefined || props.error === '' ? undefined : fieldText(props.error);
  const describedBy = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.children({
        id,
        name: props.name,
        'aria-invalid': Boolean(error),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {error && (
        <small id={`${id}-error`} class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** Splits an API error into the field it concerns and the text to show there (or on the form). */
export function fieldErrorOf(error: unknown): { field?: string; text: string } {
  if (error instanceof ApiError && error.field) {
    const detail = error.fieldMessage;
    return { field: error.field, text: detail?.message ? serverText(detail) : errorText(error) };
  }
  return { text: errorText(error) };
}

/**
 * Every field an API error names, each with what the API says about it in both languages: the strict
 * bodies' `details: [{field, message, messageZh}]`, zod's `details: [{path, message}]`, or a single `field`
 * with the summary message. Empty when the error names no field.
 */
export function fieldErrorsOf(error: unknown): { field: string; message: FieldMessage }[] {
  if (!(error instanceof ApiError)) return [];
  const found: { field: string; message: FieldMessage }[] = [];
  for (const d of error.body.details ?? []) {
    const field = d.field ?? d.path;
    if (field && d.message) found.push({ field: String(field), message: d });
  }
  if (found.length === 0 && error.body.field) found.push({ field: error.body.field, message: error.body });
  return found;
}

export function levelName(level: number): string {
  return t(`levels.${level}`);
}

export function statusName(status: string): string {
  return t(`status.${status}`, { defaultValue: t('status.unknown', { code: status }) });
}

/**
 * What a signed-in person with no role sees: their user id, to give to their evaluation body, which
 * registers people by it (admin, people). Copying is offered because the id is long and exact; where the
 * browser refuses the clipboard (not a secure context, permission denied) the id is selected instead, so
 * the person can copy it themselves.
 */
export function UserIdToGive(props: { sub: string }) {
  const copied = useSignal<'copied' | 'selectIt' | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.sub);
      copied.value = 'copied';
    } catch {
      const id = document.getElementById('my-user-id');
      if (id) window.getSelection()?.selectAllChildren(id);
      copied.value = 'selectIt';
    }
  };
  return (
    <section class="card" aria-labelledby="my-user-id-h">
      <p>{t('welcome.noGroup')}</p>
      <h2 id="my-user-id-h">{t('welcome.userId')}</h2>
      <p>{t('welcome.giveId')}</p>
      <p>
        <code id="my-user-id" class="mono">
          {props.sub}
        </code>
      </p>
      <div class="actions wrap">
        <button type="button" onClick={() => void copy()}>
          {t('welcome.copy')}
        </button>
        <span role="status">{copied.value ? t(`welcome.${copied.value}`) : ''}</span>
      </div>
    </section>
  );
}
