// The candidate's pages: open sessions, the exam runner, my attempts and my certificates.
import { useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { call, NetworkError } from '../api';
import { accessToken } from '../auth';
import { config } from '../config';
import { clockOffsetMs, measure, serverNow, warningFor } from '../exam/clock';
import { type Answer, AnswerQueue, type ItemState, type ServerItem } from '../exam/queue';
import { holdAttempt } from '../exam/tab';
import { bilingual, formatDate, formatDateTime, formatNumber, serverText, t } from '../i18n';
import { Alert, Loading, levelName, Notice, Page, statusName, useLoad } from '../ui';

type Text = { zh: string; en?: string };

interface ExamSummary {
  examId: string;
  title: Text;
  occupation: { code: string; nameZh: string; nameEn?: string };
  level: number;
  timeLimitMinutes: number;
  hasPractical: boolean;
}

interface OpenSession {
  sessionId: string;
  opensAt: string;
  closesAt: string;
  location: string;
  seatsLeft: number;
  exam: ExamSummary;
  eligible: boolean;
  reason?: string;
  reasonZh?: string;
}

export function Sessions() {
  const { route } = useLocation();
  const sessions = useLoad(() => call<{ sessions: OpenSession[] }>('/sessions?limit=50'));
  const attempts = useLoad(() => call<{ attempts: AttemptRow[] }>('/me/attempts'));
  const starting = useSignal<string | undefined>(undefined);
  const error = useSignal<unknown>(undefined);
  const live = (attempts.data.value?.attempts ?? []).filter((a) => a.status === 'in-progress');
  const start = async (sessionId: string) => {
    starting.value = sessionId;
    error.value = undefined;
    try {
      const attempt = await call<{ attemptId: string }>(
        `/sessions/${encodeURIComponent(sessionId)}/attempts`,
        {
          method: 'POST',
        },
      );
      route(`/attempts/${attempt.attemptId}`);
    } catch (e) {
      error.value = e;
    } finally {
      starting.value = undefined;
    }
  };
  return (
    <Page title={t('sessions.title')}>
      {live.length > 0 && (
        <section class="card resume" aria-labelledby="resume-h">
          <h2 id="resume-h">{t('sessions.resumeTitle')}</h2>
          {live.map((a) => (
            <a key={a.attemptId} class="button primary" href={`/attempts/${a.attemptId}`}>
              {t('sessions.resume', { started: formatDateTime(a.startedAt) })}
            </a>
          ))}
        </section>
      )}
      <Alert error={error.value} />
      {sessions.error.value !== undefined && <Alert error={sessions.error.value} />}
      {sessions.loading.value && !sessions.data.value && <Loading />}
      {sessions.data.value?.sessions.length === 0 && <p>{t('sessions.none')}</p>}
      <ul class="cards">
        {sessions.data.value?.sessions.map((s) => (
          <li key={s.sessionId} class="card">
            <h2>{bilingual(s.exam.title)}</h2>
            <dl>
              <dt>{t('exam.occupation')}</dt>
              <dd>
                {s.exam.occupation.code}{' '}
                {bilingual({ zh: s.exam.occupation.nameZh, en: s.exam.occupation.nameEn })}
              </dd>
              <dt>{t('exam.level')}</dt>
              <dd>{levelName(s.exam.level)}</dd>
              <dt>{t('sessions.window')}</dt>
              <dd>
                {formatDateTime(s.opensAt)} – {formatDateTime(s.closesAt)}
              </dd>
              <dt>{t('sessions.location')}</dt>
              <dd>{s.location}</dd>
              <dt>{t('exam.timeLimit')}</dt>
              <dd>{t('exam.minutes', { count: s.exam.timeLimitMinutes })}</dd>
              <dt>{t('sessions.seatsLeft')}</dt>
              <dd>{formatNumber(s.seatsLeft)}</dd>
            </dl>
            {s.eligible ? (
              <button
                type="button"
                class="primary"
                disabled={starting.value !== undefined}
                onClick={() => void start(s.sessionId)}
              >
                {starting.value === s.sessionId ? t('common.working') : t('sessions.start')}
              </button>
            ) : (
              <p class="muted">
                {t('sessions.notEligible')}{' '}
                {s.reason ? serverText({ message: s.reason, messageZh: s.reasonZh }) : ''}
              </p>
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}

interface PaperItem {
  id: string;
  kind: 'single' | 'multiple' | 'true-false' | 'fill-in';
  stem: Text;
  options?: { id: string; text: Text }[];
  points: number;
}

interface AttemptView {
  attemptId: string;
  status: string;
  exam: ExamSummary;
  startedAt: string;
  deadline: string;
  closesAt?: string;
  graceSeconds?: number;
  serverTime?: string;
  paper?: PaperItem[];
  answers?: Record<string, Answer>;
  /** Per item: the kept answer, flag and version. */
  saved?: Record<string, ServerItem>;
  practicalEvidence?: string | null;
  evidenceVersion?: number;
  submittedAt?: string;
  result?: { passed: boolean; components: { component: string; score: number; passMark: number }[] };
  certificateNumber?: string;
}

async function fetchAttempt(attemptId: string): Promise<AttemptView> {
  const sentAt = Date.now();
  const view = await call<AttemptView>(`/attempts/${encodeURIComponent(attemptId)}`);
  measure(sentAt, Date.now(), view.serverTime);
  return view;
}

/** What the server holds per item: per-item versions where the API gives them, else the saved answers. */
function serverItems(view: AttemptView): Record<string, ServerItem> {
  if (view.saved) return view.saved;
  return Object.fromEntries(
    Object.entries(view.answers ?? {}).map(([id, answer]) => [id, { answer, version: 0 }]),
  );
}

const isAnswered = (s: ItemState | undefined) =>
  s !== undefined &&
  s.answer !== null &&
  !(typeof s.answer === 'string' && s.answer.trim() === '') &&
  !(Array.isArray(s.answer) && s.answer.length === 0);

function clockText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

type View = 'item' | 'practical' | 'review' | 'confirm';

export function ExamRunner(props: { attemptId: string }) {
  const { route } = useLocation();
  const tab = useMemo(() => holdAttempt(props.attemptId), [props.attemptId]);
  const queue = useMemo(() => new AnswerQueue(props.attemptId, () => tab.readOnly.value), [props.attemptId]);
  useEffect(
    () => () => {
      queue.dispose();
      tab.release();
    },
    [queue],
  );
  const attempt = useLoad(async () => {
    const view = await fetchAttempt(props.attemptId);
    if (view.status === 'in-progress') {
      await queue.adoptServer(
        serverItems(view),
        view.evidenceVersion !== undefined
          ? { text: view.practicalEvidence ?? '', version: view.evidenceVersion }
          : undefined,
      );
      void queue.flush();
    }
    return view;
  }, [props.attemptId]);
  const view = useSignal<View>('item');
  const now = useSignal(serverNow());
  const warned = useSignal<number | undefined>(undefined);
  const submitError = useSignal<unknown>(undefined);
  const submitting = useSignal(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const tick = setInterval(() => {
      now.value = serverNow();
    }, 1000);
    // Back from another app or a locked screen: measure the clock again and send what waits.
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      void fetchAttempt(props.attemptId)
        .then((v) => {
          if (v.status !== 'in-progress') attempt.data.value = v;
          now.value = serverNow();
        })
        .catch(() => undefined);
      void queue.flush();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [queue]);

  const data = attempt.data.value;
  const deadlineMs = data ? Date.parse(data.deadline) : Number.POSITIVE_INFINITY;
  const msLeft = deadlineMs - now.value;
  const timeUp = msLeft <= 0 || queue.closed.value;

  // The latest warning passed; none again once a re-measured clock shows more time than the first one.
  useSignalEffect(() => {
    const left = deadlineMs - now.value;
    const due = left > 0 ? warningFor(left) : undefined;
    if (due !== warned.value) warned.value = due;
  });

  // Opened (or reloaded) without a connection: the queue is safe on the device; keep trying to load the
  // attempt, at once when the browser says it is back online.
  useEffect(() => {
    if (!(attempt.error.value instanceof NetworkError)) return;
    const retry = setTimeout(() => void attempt.reload(), 3000);
    const onOnline = () => void attempt.reload();
    addEventListener('online', onOnline);
    return () => {
      clearTimeout(retry);
      removeEventListener('online', onOnline);
    };
  }, [attempt.error.value]);

  // The attempt is over (submitted here, by the deadline, or in another tab): its queue can go.
  useEffect(() => {
    if (data && data.status !== 'in-progress') void queue.forget();
  }, [data?.status]);

  // Once time is up the server submits what it acknowledged; follow the attempt until it has.
  useEffect(() => {
    if (!timeUp || !data || data.status !== 'in-progress') return;
    const poll = setInterval(() => {
      void fetchAttempt(props.attemptId)
        .then((v) => {
          if (v.status !== 'in-progress') attempt.data.value = v;
        })
        .catch(() => undefined);
    }, 3000);
    return () => clearInterval(poll);
  }, [timeUp, data?.status]);

  if (!data)
    return (
      <Page title={t('runner.title')}>
        {attempt.error.value instanceof NetworkError ? (
          <p class="alert offline" role="alert" data-testid="load-retrying">
            {t('runner.loadRetrying', { count: queue.pending() })}
          </p>
        ) : attempt.error.value ? (
          <Alert error={attempt.error.value} />
        ) : (
          <Loading />
        )}
      </Page>
    );
  if (data.status !== 'in-progress' || !data.paper) return <AttemptDone view={data} />;

  const paper = data.paper;
  const state = queue.state.value;
  const position = Math.min(state.position, paper.length - 1);
  const item = paper[position] as PaperItem;
  const itemState = state.items[item.id];
  const pending = queue.pending();
  const readOnly = tab.readOnly.value;
  const disabled = readOnly || timeUp;
  const empties = paper.map((p, i) => ({ p, i })).filter(({ p }) => !isAnswered(state.items[p.id]));
  const go = (next: number) => {
    queue.setPosition(next);
    view.value = 'item';
    requestAnimationFrame(() => heading.current?.focus());
  };
  const submit = async () => {
    submitting.value = true;
    submitError.value = undefined;
    try {
      // Nothing leaves for grading while a change is still only on this phone.
      if (!(await queue.flush()) || queue.pending() > 0) throw new Notice(t('runner.unsavedBeforeSubmit'));
      const evidence = queue.state.value.evidence?.text;
      await call(`/attempts/${encodeURIComponent(props.attemptId)}/submit`, {
        method: 'POST',
        body: queue.evidenceWithSubmit && evidence ? { practicalEvidence: evidence } : {},
      });
      route(`/me/attempts?submitted=${encodeURIComponent(props.attemptId)}`);
    } catch (e) {
      submitError.value = e;
    } finally {
      submitting.value = false;
    }
  };

  const evidenceRequired = data.exam.hasPractical;
  const evidenceMissing = evidenceRequired && !(state.evidence?.text ?? '').trim();

  return (
    <Page title={bilingual(data.exam.title)}>
      <section class="runner-status" aria-label={t('runner.statusLabel')}>
        <p
          class={`timer${msLeft < 5 * 60_000 ? ' urgent' : ''}`}
          role="timer"
          aria-label={t('runner.timeLeft')}
        >
          <span>{t('runner.timeLeft')}</span> <strong>{timeUp ? '00:00' : clockText(msLeft)}</strong>
        </p>
        <p class={`save-state${pending > 0 ? ' pending' : ''}`} aria-live="polite" data-testid="save-state">
          {pending > 0 ? t('runner.pending', { count: pending }) : t('runner.allSaved')}
        </p>
      </section>
      {Math.abs(clockOffsetMs.value) > 60_000 && <p class="notice">{t('runner.clockOff')}</p>}
      <div aria-live="assertive" class="live">
        {warned.value !== undefined && !timeUp && (
          <p class="alert warn" data-testid="time-warning">
            {t('runner.warning', { count: warned.value })}
          </p>
        )}
      </div>
      {queue.connection.value === 'offline' && (
        <p class="alert offline" role="alert" data-testid="offline-banner">
          {t('runner.offline', { count: pending })}
        </p>
      )}
      {readOnly && (
        <p class="alert" role="alert" data-testid="read-only">
          {t('runner.readOnly')}
        </p>
      )}
      {timeUp && (
        <p class="alert" role="alert" data-testid="time-up">
          {t('runner.timeUp')}
        </p>
      )}

      <nav class="navigator" aria-label={t('runner.navigator')}>
        <ol>
          {paper.map((p, i) => {
            const s = state.items[p.id];
            const answered = isAnswered(s);
            const flagged = s?.flagged ?? false;
            const label = t('runner.itemLabel', {
              n: i + 1,
              state: answered ? t('runner.answered') : t('runner.empty'),
            });
            return (
              <li key={p.id}>
                <button
                  type="button"
                  class={`nav-item${answered ? ' answered' : ''}${flagged ? ' flagged' : ''}`}
                  aria-current={view.value === 'item' && i === position ? 'step' : undefined}
                  aria-label={flagged ? `${label}, ${t('runner.flagged')}` : label}
                  onClick={() => go(i)}
                >
                  {i + 1}
                  {flagged && <span aria-hidden="true">⚑</span>}
                </button>
              </li>
            );
          })}
          {evidenceRequired && (
            <li>
              <button
                type="button"
                class={`nav-item wide${evidenceMissing ? '' : ' answered'}`}
                aria-current={view.value === 'practical' ? 'step' : undefined}
                onClick={() => {
                  view.value = 'practical';
                }}
              >
                {t('runner.practical')}
              </button>
            </li>
          )}
          <li>
            <button
              type="button"
              class="nav-item wide"
              aria-current={view.value === 'review' ? 'step' : undefined}
              onClick={() => {
                view.value = 'review';
              }}
            >
              {t('runner.review')}
            </button>
          </li>
        </ol>
      </nav>

      {view.value === 'item' && (
        <section class="card item" aria-labelledby="item-h">
          <h2 id="item-h" tabIndex={-1} ref={heading}>
            {t('runner.itemHeading', { n: position + 1, total: paper.length })}{' '}
            <small>
              {t(`itemKinds.${item.kind}`)} · {t('runner.points', { count: item.points })}
            </small>
          </h2>
          <ItemInput
            item={item}
            state={itemState}
            disabled={disabled}
            onAnswer={(a) => queue.setAnswer(item.id, a)}
          />
          <p class="item-saved" aria-live="polite">
            {itemState && !itemState.acked ? t('runner.itemPending') : itemState ? t('runner.itemSaved') : ''}
          </p>
          <label class="check">
            <input
              type="checkbox"
              checked={itemState?.flagged ?? false}
              disabled={disabled}
              onChange={(e) => queue.setFlag(item.id, (e.currentTarget as HTMLInputElement).checked)}
            />
            {t('runner.flag')}
          </label>
          <div class="actions">
            <button type="button" disabled={position === 0} onClick={() => go(position - 1)}>
              {t('runner.previous')}
            </button>
            {position < paper.length - 1 ? (
              <button type="button" class="primary" onClick={() => go(position + 1)}>
                {t('runner.next')}
              </button>
            ) : (
              <button
                type="button"
                class="primary"
                onClick={() => {
                  view.value = evidenceRequired ? 'practical' : 'review';
                }}
              >
                {evidenceRequired ? t('runner.practical') : t('runner.review')}
              </button>
            )}
          </div>
        </section>
      )}

      {view.value === 'practical' && (
        <section class="card" aria-labelledby="practical-h">
          <h2 id="practical-h">{t('runner.practical')}</h2>
          <p>{t('runner.practicalHelp')}</p>
          <label for="evidence">{t('runner.evidenceLabel')}</label>
          <textarea
            id="evidence"
            rows={8}
            maxLength={10000}
            disabled={disabled}
            value={state.evidence?.text ?? ''}
            onInput={(e) => queue.setEvidence((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <p aria-live="polite">
            {state.evidence && !state.evidence.acked
              ? t('runner.itemPending')
              : state.evidence
                ? t('runner.itemSaved')
                : ''}
          </p>
          <div class="actions">
            <button type="button" class="primary" onClick={() => (view.value = 'review')}>
              {t('runner.review')}
            </button>
          </div>
        </section>
      )}

      {(view.value === 'review' || view.value === 'confirm') && (
        <section class="card" aria-labelledby="review-h">
          <h2 id="review-h">{t('runner.review')}</h2>
          <table class="review">
            <thead>
              <tr>
                <th scope="col">{t('runner.itemColumn')}</th>
                <th scope="col">{t('runner.stateColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {paper.map((p, i) => {
                const s = state.items[p.id];
                return (
                  <tr key={p.id}>
                    <td>
                      <button type="button" class="link" onClick={() => go(i)}>
                        {t('runner.itemHeading', { n: i + 1, total: paper.length })}
                      </button>
                    </td>
                    <td>
                      {isAnswered(s) ? t('runner.answered') : t('runner.empty')}
                      {s?.flagged ? ` · ${t('runner.flagged')}` : ''}
                      {s && !s.acked ? ` · ${t('runner.itemPending')}` : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {view.value === 'review' && (
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={disabled}
                onClick={() => {
                  view.value = 'confirm';
                }}
              >
                {t('runner.submit')}
              </button>
            </div>
          )}
          {view.value === 'confirm' && (
            <div class="confirm" role="alertdialog" aria-labelledby="confirm-h" aria-describedby="confirm-d">
              <h3 id="confirm-h">{t('runner.confirmTitle')}</h3>
              <div id="confirm-d">
                {empties.length > 0 ? (
                  <p data-testid="empties">
                    {t('runner.confirmEmpties', {
                      count: empties.length,
                      items: empties.map(({ i }) => i + 1).join(language_sep()),
                    })}
                  </p>
                ) : (
                  <p>{t('runner.confirmAllAnswered')}</p>
                )}
                {evidenceMissing && <p class="field-error">{t('runner.evidenceMissing')}</p>}
                {pending > 0 && <p>{t('runner.pending', { count: pending })}</p>}
                <p>{t('runner.confirmFinal')}</p>
              </div>
              <Alert error={submitError.value} />
              <div class="actions">
                <button type="button" onClick={() => (view.value = 'review')}>
                  {t('common.cancel')}
                </button>
                <button
                  type="button"
                  class="primary"
                  disabled={disabled || submitting.value || evidenceMissing}
                  onClick={() => void submit()}
                >
                  {submitting.value ? t('common.working') : t('runner.confirmSubmit')}
                </button>
              </div>
            </div>
          )}
        </section>
      )}
    </Page>
  );
}

const language_sep = () => t('common.listSeparator');

function ItemInput(props: {
  item: PaperItem;
  state: ItemState | undefined;
  disabled: boolean;
  onAnswer: (answer: Answer) => void;
}) {
  const { item, state, disabled } = props;
  const name = `answer-${item.id}`;
  const stemId = `stem-${item.id}`;
  const stem = (
    <p id={stemId} class="stem">
      {bilingual(item.stem)}
    </p>
  );
  if (item.kind === 'fill-in')
    return (
      <>
        {stem}
        <label for={name}>{t('runner.yourAnswer')}</label>
        <input
          id={name}
          name={name}
          type="text"
          maxLength={500}
          autoComplete="off"
          disabled={disabled}
          value={typeof state?.answer === 'string' ? state.answer : ''}
          onInput={(e) => props.onAnswer((e.currentTarget as HTMLInputElement).value)}
        />
      </>
    );
  if (item.kind === 'true-false')
    return (
      <fieldset aria-describedby={stemId}>
        <legend>{stem}</legend>
        {[true, false].map((value) => (
          <label key={String(value)} class="choice">
            <input
              type="radio"
              name={name}
              checked={state?.answer === value}
              disabled={disabled}
              onChange={() => props.onAnswer(value)}
            />
            {value ? t('runner.true') : t('runner.false')}
          </label>
        ))}
      </fieldset>
    );
  const multiple = item.kind === 'multiple';
  const chosen = Array.isArray(state?.answer) ? state.answer : [];
  return (
    <fieldset>
      <legend>{stem}</legend>
      {multiple && <p class="hint">{t('runner.chooseAll')}</p>}
      {item.options?.map((o) => (
        <label key={o.id} class="choice">
          <input
            type={multiple ? 'checkbox' : 'radio'}
            name={name}
            value={o.id}
            checked={multiple ? chosen.includes(o.id) : state?.answer === o.id}
            disabled={disabled}
            onChange={(e) => {
              if (!multiple) return props.onAnswer(o.id);
              const on = (e.currentTarget as HTMLInputElement).checked;
              const next = on ? [...chosen, o.id].sort() : chosen.filter((c) => c !== o.id);
              props.onAnswer(next);
            }}
          />
          <span class="option-id">{o.id.toUpperCase()}.</span> {bilingual(o.text)}
        </label>
      ))}
    </fieldset>
  );
}

function AttemptDone(props: { view: AttemptView }) {
  const v = props.view;
  return (
    <Page title={bilingual(v.exam.title)}>
      <section class="card">
        <h2>{statusName(v.status)}</h2>
        {v.submittedAt && <p>{t('attempts.submittedAt', { at: formatDateTime(v.submittedAt) })}</p>}
        <p>{t(`attempts.next.${v.status}`, { defaultValue: t('attempts.next.other') })}</p>
        {v.result && <ResultTable result={v.result} />}
        {v.certificateNumber && (
          <p>
            <a href="/me/certificates">{t('attempts.certificate', { number: v.certificateNumber })}</a>
          </p>
        )}
        <p>
          <a href="/me/attempts">{t('nav.attempts')}</a>
        </p>
      </section>
    </Page>
  );
}

function ResultTable(props: { result: NonNullable<AttemptView['result']> }) {
  return (
    <table>
      <caption>{props.result.passed ? t('attempts.passed') : t('attempts.failed')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('attempts.component')}</th>
          <th scope="col">{t('attempts.score')}</th>
          <th scope="col">{t('attempts.passMark')}</th>
        </tr>
      </thead>
      <tbody>
        {props.result.components.map((c) => (
          <tr key={c.component}>
            <td>
              {t(`components.${c.component}`, {
                defaultValue: t('components.unknown', { code: c.component }),
              })}
            </td>
            <td>{formatNumber(c.score)}</td>
            <td>{formatNumber(c.passMark)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface AttemptRow {
  attemptId: string;
  sessionId: string;
  examId: string;
  /** Absent only if the exam was deleted since. */
  exam?: ExamSummary;
  status: string;
  startedAt: string;
  passed?: boolean;
  certificateNumber?: string;
}

export function MyAttempts() {
  const list = useLoad(() => call<{ attempts: AttemptRow[] }>('/me/attempts'));
  const submitted = new URLSearchParams(location.search).get('submitted');
  const open = useSignal<string | undefined>(undefined);
  const detail = useLoad(async () => (open.value ? fetchAttempt(open.value) : undefined), [open.value]);
  return (
    <Page title={t('attempts.title')}>
      {submitted && (
        <p class="notice" role="status">
          {t('attempts.justSubmitted')}
        </p>
      )}
      <Alert error={list.error.value} />
      {list.loading.value && !list.data.value && <Loading />}
      {list.data.value?.attempts.length === 0 && <p>{t('attempts.none')}</p>}
      <ul class="cards">
        {list.data.value?.attempts.map((a) => (
          <li key={a.attemptId} class="card">
            <h2>{a.exam ? bilingual(a.exam.title) : a.examId}</h2>
            {a.exam && (
              <p class="muted">
                {a.exam.occupation.code}{' '}
                {bilingual({ zh: a.exam.occupation.nameZh, en: a.exam.occupation.nameEn })} ·{' '}
                {levelName(a.exam.level)}
              </p>
            )}
            <p>
              {t('attempts.started', { at: formatDateTime(a.startedAt) })} ·{' '}
              <strong>{statusName(a.status)}</strong>
            </p>
            <p>{t(`attempts.next.${a.status}`, { defaultValue: t('attempts.next.other') })}</p>
            {a.status === 'in-progress' ? (
              <a class="button primary" href={`/attempts/${a.attemptId}`}>
                {t('attempts.continue')}
              </a>
            ) : (
              <button
                type="button"
                onClick={() => (open.value = open.value === a.attemptId ? undefined : a.attemptId)}
              >
                {open.value === a.attemptId ? t('attempts.hideResult') : t('attempts.showResult')}
              </button>
            )}
            {open.value === a.attemptId && detail.data.value?.result && (
              <ResultTable result={detail.data.value.result} />
            )}
            {a.certificateNumber && (
              <p>
                <a href="/me/certificates">{t('attempts.certificate', { number: a.certificateNumber })}</a>
              </p>
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}

interface CertificateRow {
  number: string;
  status: string;
  issuedAt: string;
  occupationCode: string;
  level: number;
  jws: string;
  credential: Record<string, unknown>;
}

function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface ActivityItem {
  at: string;
  kind: 'verification' | 'recognition';
  /** The region's code: the API says where it happened, never who did it. */
  region: string;
  /** The region's name from the region's own registry (absent for a region no longer in it). */
  regionName?: { zh: string; en: string };
}

/** The region by its name in the reader's language, as the API gives it; else ours by name, else the code. */
function regionLabel(item: ActivityItem): string {
  if (item.regionName) return bilingual(item.regionName);
  const own = config().region;
  return item.region === own.code ? bilingual({ zh: own.nameZh, en: own.nameEn }) : item.region;
}

/** Who has checked or recognised this certificate: when, what and which region, newest first, paged. */
function Activity(props: { number: string }) {
  const items = useSignal<ActivityItem[]>([]);
  const next = useSignal<string | undefined>(undefined);
  const loading = useSignal(true);
  const error = useSignal<unknown>(undefined);
  const load = async (from?: string) => {
    loading.value = true;
    error.value = undefined;
    try {
      const query = from ? `?nextToken=${encodeURIComponent(from)}` : '';
      const page = await call<{ items: ActivityItem[]; nextToken?: string }>(
        `/me/certificates/${encodeURIComponent(props.number)}/activity${query}`,
      );
      items.value = from ? [...items.value, ...page.items] : page.items;
      next.value = page.nextToken;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  };
  useEffect(() => {
    void load();
  }, [props.number]);
  const headingId = `activity-${props.number}`;
  return (
    <section class="activity" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('certificates.activity.title')}</h3>
      <Alert error={error.value} />
      {loading.value && items.value.length === 0 && <Loading />}
      {!loading.value && !error.value && items.value.length === 0 && (
        <p class="muted">{t('certificates.activity.none')}</p>
      )}
      {items.value.length > 0 && (
        <ul class="activity-list">
          {items.value.map((item) => (
            <li key={`${item.at}-${item.kind}-${item.region}`} data-kind={item.kind}>
              <strong>{t(`certificates.activity.${item.kind}`)}</strong>{' '}
              <span>{t('certificates.activity.region', { region: regionLabel(item) })}</span>
              <br />
              <time class="muted" dateTime={item.at}>
                {formatDateTime(item.at)}
              </time>
            </li>
          ))}
        </ul>
      )}
      <div class="actions wrap">
        {next.value && (
          <button type="button" disabled={loading.value} onClick={() => void load(next.value)}>
            {t('certificates.activity.more')}
          </button>
        )}
        <button type="button" disabled={loading.value} onClick={() => void load()}>
          {t('certificates.activity.refresh')}
        </button>
      </div>
    </section>
  );
}

export function MyCertificates() {
  const list = useLoad(() => call<{ certificates: CertificateRow[] }>('/me/certificates'));
  const shared = useSignal<Record<string, string>>({});
  const error = useSignal<unknown>(undefined);
  const share = async (number: string) => {
    error.value = undefined;
    try {
      const reply = await call<{ url: string }>(`/me/certificates/${encodeURIComponent(number)}/share`, {
        method: 'POST',
      });
      shared.value = { ...shared.value, [number]: reply.url };
    } catch (e) {
      error.value = e;
    }
  };
  const pdf = async (number: string) => {
    error.value = undefined;
    try {
      const response = await fetch(
        `${config().apiUrl}/me/certificates/${encodeURIComponent(number)}/certificate.pdf`,
        {
          headers: { authorization: `Bearer ${await accessToken()}` },
        },
      );
      if (!response.ok) throw new Notice(t('certificates.pdfUnavailable'));
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${number}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      error.value = e;
    }
  };
  const occupationName = (c: CertificateRow) => {
    const subject = (c.credential.credentialSubject ?? {}) as { achievement?: { name?: string } };
    return subject.achievement?.name ?? c.occupationCode;
  };
  return (
    <Page title={t('certificates.title')}>
      <Alert error={list.error.value} />
      <Alert error={error.value} />
      {list.loading.value && !list.data.value && <Loading />}
      {list.data.value?.certificates.length === 0 && <p>{t('certificates.none')}</p>}
      <ul class="cards">
        {list.data.value?.certificates.map((c) => (
          <li key={c.number} class="card">
            <h2>{occupationName(c)}</h2>
            <dl>
              <dt>{t('certificates.number')}</dt>
              <dd class="mono">{c.number}</dd>
              <dt>{t('exam.level')}</dt>
              <dd>{levelName(c.level)}</dd>
              <dt>{t('certificates.issuedAt')}</dt>
              <dd>{formatDate(c.issuedAt)}</dd>
              <dt>{t('certificates.status')}</dt>
              <dd>{statusName(c.status)}</dd>
            </dl>
            <div class="actions wrap">
              <button type="button" onClick={() => download(`${c.number}.jwt`, 'application/jwt', c.jws)}>
                {t('certificates.downloadJws')}
              </button>
              <button
                type="button"
                onClick={() =>
                  download(
                    `${c.number}.json`,
                    'application/vc+ld+json',
                    `${JSON.stringify(c.credential, null, 2)}\n`,
                  )
                }
              >
                {t('certificates.downloadJson')}
              </button>
              <button type="button" onClick={() => void pdf(c.number)}>
                {t('certificates.downloadPdf')}
              </button>
              <button type="button" onClick={() => void share(c.number)}>
                {t('certificates.share')}
              </button>
            </div>
            {shared.value[c.number] && (
              <p>
                {t('certificates.shareLink')} <a href={shared.value[c.number]}>{shared.value[c.number]}</a>
              </p>
            )}
            <Activity number={c.number} />
          </li>
        ))}
      </ul>
    </Page>
  );
}
