// The assessor console: an anonymised queue (the API never names the candidate, and neither do we), the
// rubric beside the evidence, marks per criterion within the rubric's limits, or a return with a reason.
import { useSignal } from '@preact/signals';
import { useLocation } from 'preact-iso';
import { call } from '../api';
import { bilingual, formatDateTime, formatNumber, t } from '../i18n';
import { Alert, Field, fieldErrorOf, Loading, levelName, Page, useLoad } from '../ui';

type Text = { zh: string; en?: string };
interface ExamHeader {
  examId: string;
  title: Text;
  occupation: { code: string; nameZh: string; nameEn?: string };
  level: number;
}
interface QueueRow {
  attemptId: string;
  slot: string;
  moderation?: boolean;
  assignedAt: string;
  exam: ExamHeader;
}

/** A short, meaningless reference for a review, so assessors can talk about it without an identity. */
const reference = (attemptId: string, slot: string) => `${attemptId.slice(0, 8).toUpperCase()}-${slot}`;

export function AssessorQueue() {
  const queue = useLoad(() => call<{ reviews: QueueRow[] }>('/assessor/reviews'));
  const done = new URLSearchParams(location.search).get('done');
  return (
    <Page title={t('assessor.title')}>
      {done && (
        <p class="notice" role="status">
          {t(`assessor.done.${done}`, { defaultValue: t('assessor.done.marked') })}
        </p>
      )}
      <p>{t('assessor.blind')}</p>
      <Alert error={queue.error.value} />
      {queue.loading.value && !queue.data.value && <Loading />}
      {queue.data.value?.reviews.length === 0 && <p>{t('assessor.empty')}</p>}
      <ul class="cards">
        {queue.data.value?.reviews.map((r) => (
          <li key={`${r.attemptId}/${r.slot}`} class="card">
            <h2>{bilingual(r.exam.title)}</h2>
            <dl>
              <dt>{t('assessor.reference')}</dt>
              <dd class="mono">{reference(r.attemptId, r.slot)}</dd>
              <dt>{t('exam.level')}</dt>
              <dd>{levelName(r.exam.level)}</dd>
              <dt>{t('assessor.assignedAt')}</dt>
              <dd>{formatDateTime(r.assignedAt)}</dd>
              {r.moderation && (
                <>
                  <dt>{t('assessor.kind')}</dt>
                  <dd>{t('assessor.moderation')}</dd>
                </>
              )}
            </dl>
            <a class="button primary" href={`/assessor/reviews/${r.attemptId}/${r.slot}`}>
              {t('assessor.open')}
            </a>
          </li>
        ))}
      </ul>
    </Page>
  );
}

interface Criterion {
  id: string;
  description: Text;
  maxPoints: number;
}
interface Review {
  attemptId: string;
  slot: string;
  status: string;
  moderation?: boolean;
  exam: ExamHeader;
  rubric: Criterion[];
  practicalEvidence: string | null;
}

export function ReviewPage(props: { attemptId: string; slot: string }) {
  const { route } = useLocation();
  const review = useLoad(() =>
    call<Review>(
      `/assessor/reviews/${encodeURIComponent(props.attemptId)}/${encodeURIComponent(props.slot)}`,
    ),
  );
  const points = useSignal<Record<string, string>>({});
  const comments = useSignal<Record<string, string>>({});
  const errors = useSignal<Record<string, string>>({});
  const formError = useSignal<unknown>(undefined);
  const reason = useSignal('');
  const busy = useSignal(false);
  const r = review.data.value;
  const base = `/assessor/reviews/${encodeURIComponent(props.attemptId)}/${encodeURIComponent(props.slot)}`;

  const submitMarks = async (event: Event) => {
    event.preventDefault();
    if (!r) return;
    // The rubric's limits, checked here so the assessor sees them at once; the API checks them again.
    const found: Record<string, string> = {};
    for (const c of r.rubric) {
      const raw = (points.value[c.id] ?? '').trim();
      const value = Number(raw);
      if (raw === '') found[c.id] = t('assessor.required');
      else if (!Number.isFinite(value) || value < 0 || value > c.maxPoints)
        found[c.id] = t('assessor.outOfRange', { max: c.maxPoints });
    }
    errors.value = found;
    if (Object.keys(found).length > 0) return;
    busy.value = true;
    formError.value = undefined;
    try {
      await call(`${base}/marks`, {
        method: 'POST',
        body: {
          criteria: r.rubric.map((c) => ({
            criterionId: c.id,
            points: Number(points.value[c.id]),
            ...(comments.value[c.id]?.trim() ? { comment: comments.value[c.id]?.trim() } : {}),
          })),
        },
      });
      route('/assessor?done=marked');
    } catch (e) {
      const { field, text } = fieldErrorOf(e);
      const criterion = field?.match(/criteria\.(\d+)/)?.[1];
      const id = criterion !== undefined ? r.rubric[Number(criterion)]?.id : undefined;
      if (id) errors.value = { [id]: text };
      else formError.value = e;
    } finally {
      busy.value = false;
    }
  };

  const returnReview = async (event: Event) => {
    event.preventDefault();
    if (reason.value.trim().length < 5) {
      errors.value = { reason: t('assessor.reasonTooShort') };
      return;
    }
    busy.value = true;
    formError.value = undefined;
    try {
      await call(`${base}/return`, { method: 'POST', body: { reason: reason.value.trim() } });
      route('/assessor?done=returned');
    } catch (e) {
      const { field, text } = fieldErrorOf(e);
      if (field === 'reason') errors.value = { reason: text };
      else formError.value = e;
    } finally {
      busy.value = false;
    }
  };

  const total = r?.rubric.reduce((sum, c) => sum + (Number(points.value[c.id]) || 0), 0) ?? 0;
  const max = r?.rubric.reduce((sum, c) => sum + c.maxPoints, 0) ?? 0;

  return (
    <Page title={t('assessor.reviewTitle', { reference: reference(props.attemptId, props.slot) })}>
      <Alert error={review.error.value} />
      {!r && !review.error.value && <Loading />}
      {r && (
        <div class="split">
          <section class="card" aria-labelledby="evidence-h">
            <h2 id="evidence-h">{t('assessor.evidence')}</h2>
            <p class="muted">
              {bilingual(r.exam.title)} · {levelName(r.exam.level)}
            </p>
            {r.practicalEvidence ? (
              <pre class="evidence">{r.practicalEvidence}</pre>
            ) : (
              <p>{t('assessor.noEvidence')}</p>
            )}
          </section>
          <form class="card" onSubmit={(e) => void submitMarks(e)} aria-labelledby="rubric-h" noValidate>
            <h2 id="rubric-h">{t('assessor.rubric')}</h2>
            {r.rubric.map((c) => (
              <fieldset key={c.id} class="criterion">
                <legend>{bilingual(c.description)}</legend>
                <Field
                  label={t('assessor.points', { max: c.maxPoints })}
                  name={`points-${c.id}`}
                  error={errors.value[c.id]}
                >
                  {(attrs) => (
                    <input
                      {...attrs}
                      type="number"
                      inputMode="decimal"
                      min={0}
                      max={c.maxPoints}
                      step="0.5"
                      required
                      value={points.value[c.id] ?? ''}
                      onInput={(e) => {
                        points.value = {
                          ...points.value,
                          [c.id]: (e.currentTarget as HTMLInputElement).value,
                        };
                      }}
                    />
                  )}
                </Field>
                <Field label={t('assessor.comment')} name={`comment-${c.id}`}>
                  {(attrs) => (
                    <input
                      {...attrs}
                      type="text"
                      maxLength={2000}
                      value={comments.value[c.id] ?? ''}
                      onInput={(e) => {
                        comments.value = {
                          ...comments.value,
                          [c.id]: (e.currentTarget as HTMLInputElement).value,
                        };
                      }}
                    />
                  )}
                </Field>
              </fieldset>
            ))}
            <p>{t('assessor.total', { total: formatNumber(total), max: formatNumber(max) })}</p>
            <p class="muted">{r.moderation ? t('assessor.nextModeration') : t('assessor.next')}</p>
            <Alert error={formError.value} />
            <button type="submit" class="primary" disabled={busy.value}>
              {t('assessor.submitMarks')}
            </button>
          </form>
          <form class="card" onSubmit={(e) => void returnReview(e)} aria-labelledby="return-h" noValidate>
            <h2 id="return-h">{t('assessor.returnTitle')}</h2>
            <p class="muted">{t('assessor.returnHelp')}</p>
            <Field label={t('assessor.reason')} name="reason" error={errors.value.reason}>
              {(attrs) => (
                <textarea
                  {...attrs}
                  rows={3}
                  maxLength={2000}
                  value={reason.value}
                  onInput={(e) => {
                    reason.value = (e.currentTarget as HTMLTextAreaElement).value;
                  }}
                />
              )}
            </Field>
            <button type="submit" disabled={busy.value}>
              {t('assessor.return')}
            </button>
          </form>
        </div>
      )}
    </Page>
  );
}
