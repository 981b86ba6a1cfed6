// The admin console: everything `npm run demo` does through the API — occupations, exams with item bank,
// blueprint and rubric, sessions, people and the assessor pool, partner regions and agreements,
// certificate status, signing keys. Each form shows the API's validation error next to its field.
import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { ApiError, call } from '../api';
import { ownerOf } from '../field-paths';
import { bilingual, formatDate, formatDateTime, t } from '../i18n';
import {
  Alert,
  Field,
  type FieldMessage,
  fieldErrorsOf,
  Loading,
  levelName,
  Notice,
  Page,
  statusName,
  useLoad,
} from '../ui';

const SECTIONS = [
  'occupations',
  'exams',
  'sessions',
  'people',
  'partners',
  'agreements',
  'certificates',
  'attempts',
  'keys',
];

export function AdminPage(props: { section: string }) {
  const section = SECTIONS.includes(props.section) ? props.section : 'occupations';
  const Section = {
    occupations: Occupations,
    exams: Exams,
    sessions: Sessions,
    people: People,
    partners: Partners,
    agreements: Agreements,
    certificates: Certificates,
    attempts: Attempts,
    keys: SigningKeys,
  }[section] as () => JSX.Element;
  return (
    <Page title={t(`admin.${section}.title`)}>
      <nav class="tabs" aria-label={t('admin.sections')}>
        {SECTIONS.map((s) => (
          <a key={s} href={`/admin/${s}`} aria-current={s === section ? 'page' : undefined}>
            {t(`admin.${s}.title`)}
          </a>
        ))}
      </nav>
      <Section />
    </Page>
  );
}

/**
 * One form's state: values by field name, what the API (or the page) said about each field, and a
 * form-level error for what no field owns. Every field the API's `details` names gets its own message;
 * editing a field clears its message; after a refusal the first invalid field takes the focus.
 */
function useForm<T extends Record<string, string>>(initial: T) {
  const values = useSignal<T>(initial);
  const errors = useSignal<Record<string, FieldMessage>>({});
  const formError = useSignal<unknown>(undefined);
  const done = useSignal<string | undefined>(undefined);
  const busy = useSignal(false);
  const set = (name: keyof T & string) => (e: Event) => {
    values.value = { ...values.value, [name]: (e.currentTarget as HTMLInputElement).value };
    if (errors.value[name] !== undefined) {
      const { [name]: _, ...rest } = errors.value;
      errors.value = rest;
    }
  };
  const submit = (send: (v: T) => Promise<string>) => async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    busy.value = true;
    errors.value = {};
    formError.value = undefined;
    done.value = undefined;
    try {
      done.value = await send(values.value);
    } catch (e) {
      if (e instanceof FieldProblem) errors.value = { [e.field]: e.text };
      else {
        const names = Object.keys(values.value);
        const found: Record<string, FieldMessage> = {};
        let unplaced = false;
        for (const { field, message } of fieldErrorsOf(e)) {
          const owner = ownerOf(field, names);
          if (owner) found[owner] ??= message;
          else unplaced = true;
        }
        errors.value = found;
        if (unplaced || Object.keys(found).length === 0) formError.value = e;
      }
      // After the re-render: the first field with a problem takes the focus (keyboard and screen readers).
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    } finally {
      busy.value = false;
    }
  };
  return { values, errors, formError, done, busy, set, submit };
}

/** A problem the page finds in one field before anything is sent: a catalog key, said when shown. */
class FieldProblem extends Error {
  readonly text: FieldMessage;
  constructor(
    readonly field: string,
    key: string,
    params?: Record<string, unknown>,
  ) {
    super(key);
    this.text = params ? { key, params } : { key };
  }
}

type Form<T extends Record<string, string>> = ReturnType<typeof useForm<T>>;

function Input<T extends Record<string, string>>(props: {
  form: Form<T>;
  name: keyof T & string;
  label: string;
  hint?: string;
  type?: 'text' | 'number' | 'url' | 'date' | 'datetime-local';
  required?: boolean;
  multiline?: number;
  options?: [string, string][];
}) {
  const { form, name } = props;
  const value = form.values.value[name] ?? '';
  return (
    <Field
      label={props.label}
      name={name}
      error={form.errors.value[name]}
      {...(props.hint ? { hint: props.hint } : {})}
    >
      {(attrs) =>
        props.options ? (
          <select {...attrs} value={value} onChange={form.set(name)} required={props.required}>
            {props.options.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        ) : props.multiline ? (
          <textarea
            {...attrs}
            rows={props.multiline}
            value={value}
            onInput={form.set(name)}
            required={props.required}
          />
        ) : (
          <input
            {...attrs}
            type={(props.type ?? 'text') as 'text'}
            value={value}
            onInput={form.set(name)}
            required={props.required}
          />
        )
      }
    </Field>
  );
}

function Submit(props: { form: Form<Record<string, string>>; label: string }) {
  return (
    <>
      <Alert error={props.form.formError.value} />
      {props.form.done.value && (
        <p class="notice" role="status">
          {props.form.done.value}
        </p>
      )}
      <button type="submit" class="primary" disabled={props.form.busy.value}>
        {props.form.busy.value ? t('common.working') : props.label}
      </button>
    </>
  );
}

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');
const levelOptions = (): [string, string][] =>
  ['5', '4', '3', '2', '1'].map((l) => [l, levelName(Number(l))]);
const lines = (text: string) =>
  text
    .split(/[\n,，、]/)
    .map((s) => s.trim())
    .filter(Boolean);
/** A datetime-local value (the region's wall clock, Beijing time) as an instant with its offset. */
const beijing = (local: string) => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : '');

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FieldProblem(field, 'admin.badJson');
  }
}

function Occupations() {
  const form = useForm({ code: '', nameZh: '', nameEn: '' });
  return (
    <form
      class="card"
      onSubmit={form.submit(async (v) => {
        if (!v.code) throw new FieldProblem('code', 'admin.required');
        await call(`/admin/occupations/${path(v.code)}`, {
          method: 'PUT',
          body: { nameZh: v.nameZh, nameEn: v.nameEn },
        });
        return t('admin.saved');
      })}
      noValidate
    >
      <p class="muted">{t('admin.occupations.help')}</p>
      <Input form={form} name="code" label={t('admin.occupations.code')} hint="6-18-01-01" required />
      <Input form={form} name="nameZh" label={t('admin.occupations.nameZh')} required />
      <Input form={form} name="nameEn" label={t('admin.occupations.nameEn')} required />
      <Submit form={form as never} label={t('admin.save')} />
    </form>
  );
}

interface ExamRow {
  examId: string;
  title: { zh: string; en?: string };
  occupation: { code: string; nameZh: string; nameEn?: string };
  level: number;
  items: number;
  policy: { version: string; hash?: string };
}

const EXAMPLE_ITEMS = JSON.stringify(
  [
    {
      id: 'q01',
      kind: 'single',
      topic: 'safety',
      stem: { zh: '操作车床时，下列哪项是正确的？' },
      options: [
        { id: 'a', text: { zh: '戴手套操作' } },
        { id: 'b', text: { zh: '戴防护眼镜' } },
      ],
      answer: 'b',
    },
  ],
  null,
  2,
);

function Exams() {
  const list = useLoad(() => call<{ exams: ExamRow[] }>('/admin/exams?limit=100'));
  const form = useForm({
    examId: '',
    occupationCode: '',
    level: '4',
    titleZh: '',
    titleEn: '',
    timeLimitMinutes: '90',
    policyVersion: '2026.1',
    yearsOfWorkInstead: '',
    validityYears: '',
    items: EXAMPLE_ITEMS,
    sections: 'safety-single,single,safety,1,10',
    rubric: 'setup,装夹与对刀,Setup and tool touch-off,40',
  });
  const rows = (field: string, text: string, width: number) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l, i) => {
        const cells = l.split(',').map((c) => c.trim());
        if (cells.length !== width)
          throw new FieldProblem(field, 'admin.exams.rowShape', { row: i + 1, n: width });
        return cells;
      });
  return (
    <>
      <section class="card" aria-labelledby="exam-list-h">
        <h2 id="exam-list-h">{t('admin.exams.list')}</h2>
        <Alert error={list.error.value} />
        {list.loading.value && !list.data.value && <Loading />}
        <ul>
          {list.data.value?.exams.map((e) => (
            <li key={e.examId}>
              <strong>{bilingual(e.title)}</strong> <span class="mono">{e.examId}</span> ·{' '}
              {levelName(e.level)} · {t('admin.exams.itemCount', { count: e.items })} ·{' '}
              {t('admin.exams.policy', { version: e.policy.version })}
            </li>
          ))}
        </ul>
      </section>
      <form
        class="card"
        noValidate
        onSubmit={form.submit(async (v) => {
          if (!v.examId) throw new FieldProblem('examId', 'admin.required');
          const items = parseJson('items', v.items);
          const sections = rows('sections', v.sections, 5).map(([id, kind, topic, count, points]) => ({
            id,
            kind,
            ...(topic ? { topic } : {}),
            count: Number(count),
            pointsPerItem: Number(points),
          }));
          const rubric = rows('rubric', v.rubric, 4).map(([id, zh, en, max]) => ({
            id,
            description: { zh, ...(en ? { en } : {}) },
            maxPoints: Number(max),
          }));
          const reply = await call<{ items?: number }>(`/admin/exams/${path(v.examId)}`, {
            method: 'PUT',
            body: {
              occupationCode: v.occupationCode,
              level: Number(v.level),
              title: { zh: v.titleZh, ...(v.titleEn ? { en: v.titleEn } : {}) },
              items,
              sections,
              rubric,
              timeLimitMinutes: Number(v.timeLimitMinutes),
              policy: { version: v.policyVersion },
              ...(v.yearsOfWorkInstead ? { yearsOfWorkInstead: Number(v.yearsOfWorkInstead) } : {}),
              ...(v.validityYears ? { validityYears: Number(v.validityYears) } : {}),
            },
          });
          void list.reload();
          return t('admin.exams.saved', { count: reply.items ?? 0 });
        })}
      >
        <h2>{t('admin.exams.edit')}</h2>
        <Input
          form={form}
          name="examId"
          label={t('admin.exams.examId')}
          hint="lathe-operator-level-4"
          required
        />
        <Input form={form} name="occupationCode" label={t('exam.occupation')} hint="6-18-01-01" required />
        <Input form={form} name="level" label={t('exam.level')} options={levelOptions()} />
        <Input form={form} name="titleZh" label={t('admin.exams.titleZh')} required />
        <Input form={form} name="titleEn" label={t('admin.exams.titleEn')} />
        <Input form={form} name="timeLimitMinutes" label={t('exam.timeLimit')} type="number" required />
        <Input form={form} name="policyVersion" label={t('admin.exams.policyVersion')} required />
        <Input form={form} name="yearsOfWorkInstead" label={t('admin.exams.yearsInstead')} type="number" />
        <Input form={form} name="validityYears" label={t('admin.exams.validityYears')} type="number" />
        <Input
          form={form}
          name="items"
          label={t('admin.exams.items')}
          hint={t('admin.exams.itemsHint')}
          multiline={10}
        />
        <Input
          form={form}
          name="sections"
          label={t('admin.exams.sections')}
          hint={t('admin.exams.sectionsHint')}
          multiline={4}
        />
        <Input
          form={form}
          name="rubric"
          label={t('admin.exams.rubric')}
          hint={t('admin.exams.rubricHint')}
          multiline={4}
        />
        <Submit form={form as never} label={t('admin.save')} />
      </form>
    </>
  );
}

function Sessions() {
  const exams = useLoad(() => call<{ exams: ExamRow[] }>('/admin/exams?limit=100'));
  const form = useForm({
    sessionId: '',
    examId: '',
    opensAt: '',
    closesAt: '',
    seatLimit: '40',
    location: '',
  });
  const examOptions: [string, string][] = [
    ['', t('admin.sessions.chooseExam')],
    ...(exams.data.value?.exams ?? []).map((e): [string, string] => [
      e.examId,
      `${bilingual(e.title)} (${e.examId})`,
    ]),
  ];
  return (
    <form
      class="card"
      noValidate
      onSubmit={form.submit(async (v) => {
        if (!v.sessionId) throw new FieldProblem('sessionId', 'admin.required');
        if (!v.examId) throw new FieldProblem('examId', 'admin.required');
        await call(`/admin/sessions/${path(v.sessionId)}`, {
          method: 'PUT',
          body: {
            examId: v.examId,
            opensAt: beijing(v.opensAt),
            closesAt: beijing(v.closesAt),
            seatLimit: Number(v.seatLimit),
            location: v.location,
          },
        });
        return t('admin.saved');
      })}
    >
      <Alert error={exams.error.value} />
      <Input
        form={form}
        name="sessionId"
        label={t('admin.sessions.sessionId')}
        hint="2026-12-lathe-a204"
        required
      />
      <Input form={form} name="examId" label={t('admin.sessions.exam')} options={examOptions} required />
      <Input
        form={form}
        name="opensAt"
        label={t('admin.sessions.opensAt')}
        type="datetime-local"
        hint={t('admin.beijingTime')}
        required
      />
      <Input
        form={form}
        name="closesAt"
        label={t('admin.sessions.closesAt')}
        type="datetime-local"
        hint={t('admin.beijingTime')}
        required
      />
      <Input form={form} name="seatLimit" label={t('admin.sessions.seatLimit')} type="number" required />
      <Input form={form} name="location" label={t('sessions.location')} required />
      <Submit form={form as never} label={t('admin.save')} />
    </form>
  );
}

function People() {
  const form = useForm({
    sub: '',
    name: '',
    employer: '',
    trainingOrg: '',
    roles: 'candidate',
    senior: 'false',
    yearsOfWork: '',
    nationalId: '',
  });
  const found = useSignal<PersonView | undefined>(undefined);
  const lookupError = useSignal<unknown>(undefined);
  const lookup = async () => {
    lookupError.value = undefined;
    try {
      if (!form.values.value.sub) throw new Notice(t('admin.people.subFirst'));
      found.value = await call<PersonView>(`/admin/people/${path(form.values.value.sub)}`);
    } catch (e) {
      found.value = undefined;
      lookupError.value = e;
    }
  };
  const pool = useAssessorPool();
  // "Change" reads the whole record (roles, years of work), which the pool's entries do not carry.
  const change = async (sub: string) => {
    pool.changeError.value = undefined;
    try {
      const p = await call<PersonView>(`/admin/people/${path(sub)}`);
      found.value = p;
      lookupError.value = undefined;
      editIn(
        form,
        {
          sub: p.sub,
          name: p.name ?? '',
          employer: p.employer ?? '',
          trainingOrg: p.trainingOrg ?? '',
          roles: [...(p.roles ?? [])].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b)).join(','),
          senior: String(p.senior === true),
          yearsOfWork: Object.entries(p.yearsOfWork ?? {})
            .map(([code, n]) => `${code}=${n}`)
            .join('\n'),
          nationalId: '',
        },
        'people-form',
      );
    } catch (e) {
      pool.changeError.value = e;
    }
  };
  return (
    <>
      <AssessorPool pool={pool} onChange={(sub) => void change(sub)} />
      <form
        id="people-form"
        class="card"
        aria-labelledby="people-form-h"
        noValidate
        onSubmit={form.submit(async (v) => {
          if (!v.sub) throw new FieldProblem('sub', 'admin.required');
          const years: Record<string, number> = {};
          for (const pair of lines(v.yearsOfWork)) {
            const [code, n] = pair.split(/[=:：]/).map((s) => s.trim());
            if (!code || !n || !Number.isInteger(Number(n)))
              throw new FieldProblem('yearsOfWork', 'admin.people.yearsShape');
            years[code] = Number(n);
          }
          await call(`/admin/people/${path(v.sub)}`, {
            method: 'PUT',
            body: {
              name: v.name,
              employer: v.employer,
              trainingOrg: v.trainingOrg,
              roles: lines(v.roles),
              senior: v.senior === 'true',
              yearsOfWork: years,
              ...(v.nationalId ? { nationalId: v.nationalId } : {}),
            },
          });
          void pool.load();
          return t('admin.saved');
        })}
      >
        <h2 id="people-form-h">{t('admin.people.edit')}</h2>
        <p class="muted">{t('admin.people.help')}</p>
        <Input
          form={form}
          name="sub"
          label={t('admin.people.sub')}
          hint={t('admin.people.subHint')}
          required
        />
        <button type="button" onClick={() => void lookup()}>
          {t('admin.people.lookup')}
        </button>
        <Alert error={lookupError.value} />
        {found.value && <PersonFacts person={found.value} />}
        <Input form={form} name="name" label={t('admin.people.name')} required />
        <Input form={form} name="employer" label={t('admin.people.employer')} />
        <Input form={form} name="trainingOrg" label={t('admin.people.trainingOrg')} />
        <Input
          form={form}
          name="roles"
          label={t('admin.people.roles')}
          options={roleOptions(form.values.value.roles)}
        />
        <Input
          form={form}
          name="senior"
          label={t('admin.people.senior')}
          options={[
            ['false', t('common.no')],
            ['true', t('common.yes')],
          ]}
        />
        <Input form={form} name="yearsOfWork" label={t('admin.people.yearsOfWork')} hint="6-18-01-01=6" />
        <Input
          form={form}
          name="nationalId"
          label={t('admin.people.nationalId')}
          hint={t('admin.people.nationalIdHint')}
        />
        <Submit form={form as never} label={t('admin.save')} />
      </form>
    </>
  );
}

const ROLE_ORDER = ['candidate', 'assessor', 'admin'];
const roleLabel = (roles: string) =>
  lines(roles)
    .map((r) => t(`roles.${r}`, { defaultValue: r }))
    .join(' + ');

/**
 * The usual roles and pairs, and the person's own combination when it is another (an assessor who is
 * also an admin): "change" must show what they hold, not silently offer something else.
 */
function roleOptions(current: string): [string, string][] {
  const usual = ['candidate', 'assessor', 'admin', 'candidate,assessor'];
  return [...usual, ...(current && !usual.includes(current) ? [current] : [])].map((v) => [v, roleLabel(v)]);
}

interface AssessorRow {
  sub: string;
  name: string;
  employer: string;
  trainingOrg: string;
  senior: boolean;
  openReviews: number;
}

/** The assessor pool a page at a time (GET /admin/people?role=assessor), more on request. */
function useAssessorPool() {
  const items = useSignal<AssessorRow[] | undefined>(undefined);
  const next = useSignal<string | undefined>(undefined);
  const loading = useSignal(false);
  const error = useSignal<unknown>(undefined);
  const changeError = useSignal<unknown>(undefined);
  const load = async (from?: string) => {
    loading.value = true;
    error.value = undefined;
    try {
      const query = from ? `&nextToken=${encodeURIComponent(from)}` : '';
      const page = await call<{ assessors: AssessorRow[]; nextToken?: string }>(
        `/admin/people?role=assessor&limit=50${query}`,
      );
      items.value = from ? [...(items.value ?? []), ...page.assessors] : page.assessors;
      next.value = page.nextToken;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  };
  useEffect(() => {
    void load();
  }, []);
  return { items, next, loading, error, changeError, load };
}

function AssessorPool(props: { pool: ReturnType<typeof useAssessorPool>; onChange: (sub: string) => void }) {
  const { items, next, loading, error, changeError, load } = props.pool;
  return (
    <section class="card" aria-labelledby="pool-h">
      <h2 id="pool-h">{t('admin.people.pool')}</h2>
      <Alert error={error.value} />
      <Alert error={changeError.value} />
      {!items.value && !error.value && <Loading />}
      {items.value?.length === 0 && <p>{t('admin.people.poolEmpty')}</p>}
      <ul class="records" aria-labelledby="pool-h">
        {items.value?.map((a) => (
          <li key={a.sub} data-assessor={a.sub}>
            <h3>{a.name}</h3>
            <Facts
              rows={[
                [t('admin.people.employer'), a.employer],
                [t('admin.people.trainingOrg'), a.trainingOrg],
                [t('admin.people.senior'), t(a.senior ? 'common.yes' : 'common.no')],
                [t('admin.people.openReviews'), String(a.openReviews)],
                [t('admin.people.sub'), <span class="mono">{a.sub}</span>],
              ]}
            />
            <button type="button" onClick={() => props.onChange(a.sub)}>
              {t('admin.change', { what: a.name })}
            </button>
          </li>
        ))}
      </ul>
      {next.value && (
        <div class="actions wrap">
          <button type="button" disabled={loading.value} onClick={() => void load(next.value)}>
            {t('admin.people.more')}
          </button>
        </div>
      )}
    </section>
  );
}

interface PersonView {
  sub: string;
  name?: string;
  employer?: string;
  trainingOrg?: string;
  roles?: string[];
  senior?: boolean;
  yearsOfWork?: Record<string, number>;
  maskedNationalId?: string;
  identityRegistered?: boolean;
}

/** A registered person as the API holds them (never the ID number itself, only its masked form). */
function PersonFacts(props: { person: PersonView }) {
  const p = props.person;
  const sep = t('common.listSeparator');
  return (
    <Facts
      rows={[
        [t('admin.people.sub'), <span class="mono">{p.sub}</span>],
        [t('admin.people.name'), p.name],
        [t('admin.people.employer'), p.employer],
        [t('admin.people.trainingOrg'), p.trainingOrg],
        [t('admin.people.roles'), p.roles?.map((r) => t(`roles.${r}`, { defaultValue: r })).join(sep)],
        [
          t('admin.people.senior'),
          p.senior === undefined ? undefined : t(p.senior ? 'common.yes' : 'common.no'),
        ],
        [
          t('admin.people.yearsOfWorkShort'),
          p.yearsOfWork
            ? Object.entries(p.yearsOfWork)
                .map(([code, n]) => t('admin.people.yearsIn', { code, count: n }))
                .join(sep)
            : undefined,
        ],
        [t('admin.people.nationalIdShort'), p.maskedNationalId ?? (p.identityRegistered ? '✓' : undefined)],
      ]}
    />
  );
}

/** Labelled facts about one record, in the reader's language; long identifiers wrap rather than widen the page. */
function Facts(props: { rows: [string, JSX.Element | string | undefined][] }) {
  return (
    <dl class="record">
      {props.rows
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([label, v]) => (
          <>
            <dt key={`${label}-t`}>{label}</dt>
            <dd key={`${label}-d`}>{v}</dd>
          </>
        ))}
    </dl>
  );
}

/** Puts a record's values into a form to change it, and brings the form into view with its first field focused. */
function editIn<T extends Record<string, string>>(form: Form<T>, values: T, formId: string) {
  form.values.value = values;
  form.errors.value = {};
  form.done.value = undefined;
  const element = document.getElementById(formId);
  element?.scrollIntoView({ block: 'start' });
  element?.querySelector<HTMLElement>('input, select, textarea')?.focus();
}

interface PartnerRow {
  code: string;
  nameZh: string;
  nameEn: string;
  did: string;
  publicUrl: string;
  apiUrl: string;
  jwksUrl: string;
  webhookUrl?: string;
  status: string;
}

function Partners() {
  const list = useLoad(() => call<{ partners: PartnerRow[] }>('/admin/partners?limit=100'));
  const form = useForm({
    code: '',
    nameZh: '',
    nameEn: '',
    did: '',
    publicUrl: '',
    apiUrl: '',
    jwksUrl: '',
    webhookUrl: '',
    status: 'active',
  });
  const partners = list.data.value?.partners;
  return (
    <>
      <section class="card" aria-labelledby="partner-list-h">
        <h2 id="partner-list-h">{t('admin.partners.list')}</h2>
        <Alert error={list.error.value} />
        {!partners && !list.error.value && <Loading />}
        {partners?.length === 0 && <p>{t('admin.none')}</p>}
        <ul class="records" aria-labelledby="partner-list-h">
          {partners?.map((p) => (
            <li key={p.code} data-partner={p.code}>
              <h3>{bilingual({ zh: p.nameZh, en: p.nameEn })}</h3>
              <Facts
                rows={[
                  [t('admin.partners.code'), <span class="mono">{p.code}</span>],
                  ['DID', <span class="mono">{p.did}</span>],
                  [t('admin.partners.apiUrl'), <span class="mono">{p.apiUrl}</span>],
                  [
                    t('admin.partners.webhookUrl'),
                    p.webhookUrl ? <span class="mono">{p.webhookUrl}</span> : t('admin.partners.noWebhook'),
                  ],
                  [t('certificates.status'), statusName(p.status)],
                ]}
              />
              <button
                type="button"
                onClick={() =>
                  editIn(
                    form,
                    {
                      code: p.code,
                      nameZh: p.nameZh,
                      nameEn: p.nameEn,
                      did: p.did,
                      publicUrl: p.publicUrl,
                      apiUrl: p.apiUrl,
                      jwksUrl: p.jwksUrl,
                      webhookUrl: p.webhookUrl ?? '',
                      status: p.status,
                    },
                    'partner-form',
                  )
                }
              >
                {t('admin.change', { what: p.code })}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <form
        id="partner-form"
        class="card"
        aria-labelledby="partner-form-h"
        noValidate
        onSubmit={form.submit(async (v) => {
          if (!v.code) throw new FieldProblem('code', 'admin.required');
          const { code, webhookUrl, ...rest } = v;
          await call(`/admin/partners/${path(code)}`, {
            method: 'PUT',
            body: { ...rest, ...(webhookUrl ? { webhookUrl } : {}) },
          });
          void list.reload();
          return t('admin.saved');
        })}
      >
        <h2 id="partner-form-h">{t('admin.partners.edit')}</h2>
        <p class="muted">{t('admin.partners.help')}</p>
        <Input form={form} name="code" label={t('admin.partners.code')} hint="zigong" required />
        <Input form={form} name="nameZh" label={t('admin.partners.nameZh')} required />
        <Input form={form} name="nameEn" label={t('admin.partners.nameEn')} required />
        <Input form={form} name="did" label="DID" hint="did:web:skillcert.zigong.example" required />
        <Input form={form} name="publicUrl" label={t('admin.partners.publicUrl')} type="url" required />
        <Input form={form} name="apiUrl" label={t('admin.partners.apiUrl')} type="url" required />
        <Input form={form} name="jwksUrl" label={t('admin.partners.jwksUrl')} type="url" required />
        <Input form={form} name="webhookUrl" label={t('admin.partners.webhookUrl')} type="url" />
        <Input
          form={form}
          name="status"
          label={t('certificates.status')}
          options={[
            ['active', statusName('active')],
            ['suspended', statusName('suspended')],
          ]}
        />
        <Submit form={form as never} label={t('admin.save')} />
      </form>
    </>
  );
}

interface AgreementRow {
  id: string;
  parties: [string, string];
  occupationCodes: string[];
  levels: number[];
  validFrom: string;
  validUntil: string;
  status: string;
}

/** A day or an instant from the API as the date input's value (the region's calendar day). */
const dayOf = (value: string) => (value.length === 10 ? value : formatDay(value));
const formatDay = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(iso));

function Agreements() {
  const list = useLoad(() => call<{ agreements: AgreementRow[] }>('/admin/agreements?limit=100'));
  const form = useForm({
    agreementId: '',
    partnerCode: '',
    occupationCodes: '',
    levels: '5,4,3',
    validFrom: '',
    validUntil: '',
    status: 'active',
  });
  const agreements = list.data.value?.agreements;
  const partnerOf = (a: AgreementRow) => a.parties[1];
  return (
    <>
      <section class="card" aria-labelledby="agreement-list-h">
        <h2 id="agreement-list-h">{t('admin.agreements.list')}</h2>
        <Alert error={list.error.value} />
        {!agreements && !list.error.value && <Loading />}
        {agreements?.length === 0 && <p>{t('admin.none')}</p>}
        <ul class="records" aria-labelledby="agreement-list-h">
          {agreements?.map((a) => (
            <li key={a.id} data-agreement={a.id}>
              <h3 class="mono">{a.id}</h3>
              <Facts
                rows={[
                  [t('admin.agreements.partner'), <span class="mono">{partnerOf(a)}</span>],
                  [t('admin.agreements.occupations'), a.occupationCodes.join(t('common.listSeparator'))],
                  [t('admin.agreements.levels'), a.levels.map(levelName).join(t('common.listSeparator'))],
                  [
                    t('admin.agreements.validity'),
                    t('admin.agreements.fromUntil', {
                      from: formatDate(a.validFrom),
                      until: formatDate(a.validUntil),
                    }),
                  ],
                  [t('certificates.status'), statusName(a.status)],
                ]}
              />
              <button
                type="button"
                onClick={() =>
                  editIn(
                    form,
                    {
                      agreementId: a.id,
                      partnerCode: partnerOf(a),
                      occupationCodes: a.occupationCodes.join(', '),
                      levels: a.levels.join(','),
                      validFrom: dayOf(a.validFrom),
                      validUntil: dayOf(a.validUntil),
                      status: a.status,
                    },
                    'agreement-form',
                  )
                }
              >
                {t('admin.change', { what: a.id })}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <form
        id="agreement-form"
        class="card"
        aria-labelledby="agreement-form-h"
        noValidate
        onSubmit={form.submit(async (v) => {
          if (!v.agreementId) throw new FieldProblem('agreementId', 'admin.required');
          await call(`/admin/agreements/${path(v.agreementId)}`, {
            method: 'PUT',
            body: {
              partnerCode: v.partnerCode,
              occupationCodes: lines(v.occupationCodes),
              levels: lines(v.levels).map(Number),
              validFrom: v.validFrom,
              validUntil: v.validUntil,
              status: v.status,
            },
          });
          void list.reload();
          return t('admin.saved');
        })}
      >
        <h2 id="agreement-form-h">{t('admin.agreements.edit')}</h2>
        <Input
          form={form}
          name="agreementId"
          label={t('admin.agreements.agreementId')}
          hint="nj-zg-2026"
          required
        />
        <Input form={form} name="partnerCode" label={t('admin.agreements.partner')} hint="zigong" required />
        <Input
          form={form}
          name="occupationCodes"
          label={t('admin.agreements.occupations')}
          hint="6-18-01-01, 6-18-01-07"
          required
        />
        <Input
          form={form}
          name="levels"
          label={t('admin.agreements.levels')}
          hint={t('admin.agreements.levelsHint')}
          required
        />
        <Input form={form} name="validFrom" label={t('admin.agreements.validFrom')} type="date" required />
        <Input form={form} name="validUntil" label={t('admin.agreements.validUntil')} type="date" required />
        <Input
          form={form}
          name="status"
          label={t('certificates.status')}
          options={[
            ['active', statusName('active')],
            ['suspended', statusName('suspended')],
            ['terminated', statusName('terminated')],
          ]}
        />
        <Submit form={form as never} label={t('admin.save')} />
      </form>
    </>
  );
}

interface CertificateView {
  number: string;
  examId: string;
  occupationCode: string;
  level: number;
  status: string;
  issuedAt: string;
  statusHistory?: { status: string; reason: string; at: string }[];
}

interface NoticeRow {
  partnerCode: string;
  state: string;
  why?: { en: string; zh: string };
}

function Certificates() {
  const lookup = useForm({ number: '' });
  const found = useSignal<CertificateView | undefined>(undefined);
  const notices = useSignal<NoticeRow[] | undefined>(undefined);
  const change = useForm({ action: 'suspend', reason: '' });
  const load = async (number: string) => {
    try {
      found.value = await call<CertificateView>(`/admin/certificates/${path(number)}`);
    } catch (e) {
      found.value = undefined;
      if (e instanceof ApiError && e.status === 404)
        throw new FieldProblem('number', 'admin.certificates.notFound');
      throw e;
    }
    // What each partner region was told of a revocation (GET …/notices answers one row per partner).
    notices.value = (
      await call<{ partners?: NoticeRow[] }>(`/admin/certificates/${path(number)}/notices`).catch(() => ({
        partners: undefined,
      }))
    ).partners;
  };
  const c = found.value;
  return (
    <>
      <form
        class="card"
        noValidate
        onSubmit={lookup.submit(async (v) => {
          if (!v.number.trim()) throw new FieldProblem('number', 'admin.required');
          await load(v.number.trim());
          return '';
        })}
      >
        <Input form={lookup} name="number" label={t('certificates.number')} required />
        <Submit form={lookup as never} label={t('admin.certificates.find')} />
      </form>
      {c && (
        <section class="card" aria-labelledby="certificate-h">
          <h2 id="certificate-h">{t('admin.certificates.found')}</h2>
          <Facts
            rows={[
              [t('certificates.number'), <span class="mono">{c.number}</span>],
              [t('admin.exams.examId'), <span class="mono">{c.examId}</span>],
              [t('exam.occupation'), <span class="mono">{c.occupationCode}</span>],
              [t('exam.level'), levelName(c.level)],
              [t('certificates.status'), statusName(c.status)],
              [t('admin.certificates.issuedAt'), formatDateTime(c.issuedAt)],
            ]}
          />
          {c.statusHistory && c.statusHistory.length > 0 && (
            <>
              <h3>{t('admin.certificates.history')}</h3>
              <ul class="records" data-testid="status-history">
                {c.statusHistory.map((h) => (
                  <li key={h.at}>
                    <Facts
                      rows={[
                        [t('certificates.status'), statusName(h.status)],
                        [t('admin.certificates.at'), formatDateTime(h.at)],
                        [t('admin.certificates.reason'), h.reason],
                      ]}
                    />
                  </li>
                ))}
              </ul>
            </>
          )}
          {notices.value && notices.value.length > 0 && (
            <>
              <h3>{t('admin.certificates.notices')}</h3>
              <ul class="records" data-testid="notices">
                {notices.value.map((n) => (
                  <li key={n.partnerCode}>
                    <Facts
                      rows={[
                        [t('admin.partners.code'), <span class="mono">{n.partnerCode}</span>],
                        [
                          t('certificates.status'),
                          t(`admin.certificates.noticeState.${n.state}`, { defaultValue: n.state }),
                        ],
                        [t('admin.certificates.detail'), n.why ? bilingual(n.why) : undefined],
                      ]}
                    />
                  </li>
                ))}
              </ul>
            </>
          )}
          <form
            noValidate
            onSubmit={change.submit(async (v) => {
              const number = lookup.values.value.number.trim();
              await call(`/admin/certificates/${path(number)}/status`, {
                method: 'POST',
                body: { action: v.action, reason: v.reason },
              });
              await load(number);
              return t('admin.certificates.changed');
            })}
          >
            <Input
              form={change}
              name="action"
              label={t('admin.certificates.action')}
              options={[
                ['suspend', t('admin.certificates.suspend')],
                ['reinstate', t('admin.certificates.reinstate')],
                ['revoke', t('admin.certificates.revoke')],
              ]}
            />
            <Input
              form={change}
              name="reason"
              label={t('admin.certificates.reason')}
              multiline={3}
              required
            />
            <p class="muted">{t('admin.certificates.revokeNote')}</p>
            <Submit form={change as never} label={t('admin.certificates.apply')} />
          </form>
        </section>
      )}
    </>
  );
}

interface AttemptView {
  attemptId: string;
  candidateSub: string;
  sessionId: string;
  examId: string;
  status: string;
  submittedAt?: string;
  passed?: boolean;
  practicalScore?: number;
  certificateNumber?: string;
  error?: { error: string; cause: string; at: string };
  resumes: { by: string; at: string }[];
  reviews: { slot: string; status: string; score?: number; returnReason?: string; waiting: boolean }[];
  execution?: { status: string; redriveCount: number };
}

/** Executions that ended without a decision: the workflow can be redriven from where it stopped. */
const STOPPED = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * One attempt as the evaluation body sees it (status, workflow, reviews, errors, resumes) and, when its
 * workflow stopped on an error or was ended, the one action that helps: resume it where it stopped.
 */
function Attempts() {
  const lookup = useForm({ attemptId: '' });
  const found = useSignal<AttemptView | undefined>(undefined);
  const resume = useForm({});
  const load = async (attemptId: string) => {
    try {
      found.value = await call<AttemptView>(`/admin/attempts/${path(attemptId)}`);
    } catch (e) {
      found.value = undefined;
      if (e instanceof ApiError && e.status === 404)
        throw new FieldProblem('attemptId', 'admin.attempts.notFound');
      throw e;
    }
  };
  const a = found.value;
  const stopped = a !== undefined && (a.error !== undefined || STOPPED.includes(a.execution?.status ?? ''));
  return (
    <>
      <form
        class="card"
        noValidate
        onSubmit={lookup.submit(async (v) => {
          if (!v.attemptId.trim()) throw new FieldProblem('attemptId', 'admin.required');
          await load(v.attemptId.trim());
          return '';
        })}
      >
        <p class="muted">{t('admin.attempts.help')}</p>
        <Input form={lookup} name="attemptId" label={t('admin.attempts.attemptId')} required />
        <Submit form={lookup as never} label={t('admin.attempts.find')} />
      </form>
      {a && (
        <section class="card" aria-labelledby="attempt-h" data-attempt={a.attemptId}>
          <h2 id="attempt-h">{t('admin.attempts.found')}</h2>
          <Facts
            rows={[
              [t('admin.attempts.attemptId'), <span class="mono">{a.attemptId}</span>],
              [t('admin.exams.examId'), <span class="mono">{a.examId}</span>],
              [t('admin.sessions.sessionId'), <span class="mono">{a.sessionId}</span>],
              [t('admin.attempts.candidate'), <span class="mono">{a.candidateSub}</span>],
              [t('certificates.status'), statusName(a.status)],
              [t('admin.attempts.submittedAt'), a.submittedAt ? formatDateTime(a.submittedAt) : undefined],
              [
                t('admin.attempts.workflow'),
                a.execution
                  ? t(`admin.attempts.execution.${a.execution.status}`, { defaultValue: a.execution.status })
                  : t('admin.attempts.noWorkflow'),
              ],
              [
                t('admin.attempts.practicalScore'),
                a.practicalScore === undefined ? undefined : String(a.practicalScore),
              ],
              [t('certificates.number'), a.certificateNumber],
              [
                t('admin.attempts.error'),
                a.error ? `${a.error.error}: ${a.error.cause} (${formatDateTime(a.error.at)})` : undefined,
              ],
              [
                t('admin.attempts.resumes'),
                a.resumes.length > 0
                  ? a.resumes.map((r) => formatDateTime(r.at)).join(t('common.listSeparator'))
                  : undefined,
              ],
            ]}
          />
          {a.reviews.length > 0 && (
            <>
              <h3>{t('admin.attempts.reviews')}</h3>
              <ul class="records">
                {a.reviews.map((r) => (
                  <li key={r.slot}>
                    <Facts
                      rows={[
                        [t('admin.attempts.slot'), r.slot],
                        [
                          t('certificates.status'),
                          t(`admin.attempts.review.${r.status}`, { defaultValue: r.status }),
                        ],
                        [t('admin.attempts.score'), r.score === undefined ? undefined : String(r.score)],
                        [t('admin.certificates.reason'), r.returnReason],
                      ]}
                    />
                  </li>
                ))}
              </ul>
            </>
          )}
          {stopped ? (
            <form
              noValidate
              onSubmit={resume.submit(async () => {
                await call(`/admin/attempts/${path(a.attemptId)}/resume`, { method: 'POST' });
                await load(a.attemptId);
                return t('admin.attempts.resumed');
              })}
            >
              <p>{t('admin.attempts.stoppedNote')}</p>
              <Submit form={resume as never} label={t('admin.attempts.resume')} />
            </form>
          ) : (
            // After a resume the form goes (nothing is stopped any more); what happened stays said.
            resume.done.value && (
              <p class="notice" role="status">
                {resume.done.value}
              </p>
            )
          )}
        </section>
      )}
    </>
  );
}

interface KeyRow {
  thumbprint: string;
  kid: string;
  status: 'active' | 'retired' | 'compromised';
  recorded: boolean;
  alg: string;
  generation?: number;
  signsFrom?: string;
  signsUntil?: string;
  compromisedAt?: string;
  compromiseReason?: string;
}

/** The region's wall clock now, as a datetime-local value (Beijing time, to the minute). */
const beijingNow = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 16);

/**
 * The key ledger: every key the region ever signed with, its window and status. Rotation itself is a
 * deployment (a new key generation, docs/keys.md), so the page offers what an admin may do here: see the
 * keys, and declare one compromised as of a time (what it signed from then on stops verifying).
 */
function SigningKeys() {
  const list = useLoad(() => call<{ keys: KeyRow[] }>('/admin/signing-keys'));
  const form = useForm({ thumbprint: '', compromisedAt: '', reason: '' });
  const keys = list.data.value?.keys;
  const purpose = (alg: string) => t(alg === 'EdDSA' ? 'admin.keys.proofKey' : 'admin.keys.jwsKey');
  return (
    <>
      <section class="card" aria-labelledby="key-list-h">
        <h2 id="key-list-h">{t('admin.keys.list')}</h2>
        <p class="muted">{t('admin.keys.help')}</p>
        <Alert error={list.error.value} />
        {!keys && !list.error.value && <Loading />}
        <ul class="records" aria-labelledby="key-list-h">
          {keys?.map((k) => (
            <li key={k.thumbprint} data-thumbprint={k.thumbprint} data-status={k.status}>
              <h3>
                {purpose(k.alg)} · {t(`admin.keys.status.${k.status}`)}
              </h3>
              <Facts
                rows={[
                  [t('admin.keys.thumbprint'), <span class="mono">{k.thumbprint}</span>],
                  [t('admin.keys.algorithm'), k.alg],
                  [t('admin.keys.generation'), k.generation === undefined ? undefined : String(k.generation)],
                  [
                    t('admin.keys.signsFrom'),
                    k.signsFrom
                      ? formatDateTime(k.signsFrom)
                      : // Recorded without a start: the region's first key, which may have signed before the ledger.
                        t(k.recorded ? 'admin.keys.fromFirst' : 'admin.keys.notYet'),
                  ],
                  [t('admin.keys.signsUntil'), k.signsUntil ? formatDateTime(k.signsUntil) : undefined],
                  [
                    t('admin.keys.compromisedAt'),
                    k.compromisedAt ? formatDateTime(k.compromisedAt) : undefined,
                  ],
                  [t('admin.certificates.reason'), k.compromiseReason],
                ]}
              />
              {k.status !== 'compromised' && (
                <button
                  type="button"
                  onClick={() =>
                    editIn(
                      form,
                      { thumbprint: k.thumbprint, compromisedAt: beijingNow(), reason: '' },
                      'key-form',
                    )
                  }
                >
                  {t('admin.keys.declareThis')}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <form
        id="key-form"
        class="card"
        aria-labelledby="key-form-h"
        noValidate
        onSubmit={form.submit(async (v) => {
          if (!v.thumbprint) throw new FieldProblem('thumbprint', 'admin.required');
          if (!v.compromisedAt) throw new FieldProblem('compromisedAt', 'admin.required');
          await call(`/admin/signing-keys/${path(v.thumbprint.trim())}/compromise`, {
            method: 'POST',
            body: { compromisedAt: beijing(v.compromisedAt), reason: v.reason },
          });
          void list.reload();
          return t('admin.keys.declared');
        })}
      >
        <h2 id="key-form-h">{t('admin.keys.compromise')}</h2>
        <p class="muted">{t('admin.keys.compromiseNote')}</p>
        <Input form={form} name="thumbprint" label={t('admin.keys.thumbprint')} required />
        <Input
          form={form}
          name="compromisedAt"
          label={t('admin.keys.compromisedAt')}
          type="datetime-local"
          hint={t('admin.beijingTime')}
          required
        />
        <Input form={form} name="reason" label={t('admin.certificates.reason')} multiline={3} required />
        <Submit form={form as never} label={t('admin.keys.declare')} />
      </form>
    </>
  );
}
