// The app's shell: reads config.json, finishes a sign-in when the provider sends the browser back, and
// routes to the pages of the person's groups. Candidate, assessor and admin pages are separate bundles
// loaded on first use, so a candidate's phone never downloads the admin console.
import './styles.css';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from 'preact-iso';
import { NetworkError } from './api';
import { completeSignIn, session, signIn } from './auth';
import { loadConfig } from './config';
import { t } from './i18n';
import { Alert, has, Loading, loadMe, me, meUnreachable, Page, UserIdToGive, useLoad } from './ui';

const Sessions = lazy(() => import('./pages/candidate').then((m) => m.Sessions));
const ExamRunner = lazy(() => import('./pages/candidate').then((m) => m.ExamRunner));
const MyAttempts = lazy(() => import('./pages/candidate').then((m) => m.MyAttempts));
const MyCertificates = lazy(() => import('./pages/candidate').then((m) => m.MyCertificates));
const AssessorQueue = lazy(() => import('./pages/assessor').then((m) => m.AssessorQueue));
const ReviewPage = lazy(() => import('./pages/assessor').then((m) => m.ReviewPage));
const AdminPage = lazy(() => import('./pages/admin').then((m) => m.AdminPage));

function Callback() {
  const { route } = useLocation();
  const result = useLoad(async () => {
    const next = await completeSignIn();
    await loadMe();
    route(next, true);
    return next;
  });
  return (
    <Page title={t('auth.signingIn')}>
      {result.error.value ? <Alert error={result.error.value} /> : <Loading />}
      {result.error.value !== undefined && (
        <button type="button" onClick={() => void signIn('/')}>
          {t('auth.signIn')}
        </button>
      )}
    </Page>
  );
}

function Welcome() {
  return (
    <Page title={t('welcome.title')}>
      <p>{t('welcome.lead')}</p>
      <ul class="roles">
        <li>{t('welcome.candidate')}</li>
        <li>{t('welcome.assessor')}</li>
        <li>{t('welcome.admin')}</li>
      </ul>
      <button type="button" class="primary" onClick={() => void signIn('/')}>
        {t('auth.signIn')}
      </button>
    </Page>
  );
}

/** The home page: sign in, or go to the first thing the person's groups may do. */
function Home() {
  const { route } = useLocation();
  useEffect(() => {
    if (!me.value) return;
    if (has('candidates')) route('/sessions', true);
    else if (has('assessors')) route('/assessor', true);
    else if (has('admins')) route('/admin', true);
  }, [me.value]);
  if (!session.value) return <Welcome />;
  if (me.value && me.value.groups.length === 0)
    return (
      <Page title={t('welcome.title')}>
        <UserIdToGive sub={me.value.sub} />
      </Page>
    );
  return (
    <Page title={t('welcome.title')}>
      <Loading />
    </Page>
  );
}

/** A page only for one group: others are sent to sign in, or told plainly that it is not theirs. */
function Only(props: { group: string; children: preact.ComponentChildren }) {
  if (!session.value) {
    void signIn();
    return <Loading />;
  }
  if (!me.value && meUnreachable.value)
    return (
      <Page title={t('errors.unreachableTitle')}>
        <p class="alert offline" role="alert" data-testid="me-retrying">
          {t('errors.unreachable')}
        </p>
      </Page>
    );
  if (!me.value) return <Loading />;
  if (!has(props.group))
    return (
      <Page title={t('errors.forbiddenTitle')}>
        <p>{t('errors.forbidden')}</p>
      </Page>
    );
  return <>{props.children}</>;
}

function NotFound() {
  return (
    <Page title={t('errors.notFoundTitle')}>
      <p>
        <a href="/">{t('errors.backHome')}</a>
      </p>
    </Page>
  );
}

function App() {
  useEffect(() => {
    if (!session.value || location.pathname === '/callback') return;
    // Opened or reloaded without a connection (an exam on a train): keep asking, at once when the
    // browser is back online, so the page comes back by itself and a queued answer is not stranded.
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      clearTimeout(retry);
      loadMe()
        .then(() => {
          meUnreachable.value = false;
        })
        .catch((error) => {
          if (!(error instanceof NetworkError) || me.value) return;
          meUnreachable.value = true;
          retry = setTimeout(load, 3000);
        });
    };
    load();
    addEventListener('online', load);
    return () => {
      clearTimeout(retry);
      removeEventListener('online', load);
    };
  }, [session.value?.accessToken]);
  return (
    <LocationProvider>
      <a class="skip" href="#main">
        {t('common.skip')}
      </a>
      <ErrorBoundary>
        <Router>
          <Route path="/" component={Home} />
          <Route path="/callback" component={Callback} />
          <Route
            path="/sessions"
            component={() => (
              <Only group="candidates">
                <Sessions />
              </Only>
            )}
          />
          <Route
            path="/attempts/:attemptId"
            component={(p: { attemptId: string }) => (
              <Only group="candidates">
                <ExamRunner attemptId={p.attemptId} />
              </Only>
            )}
          />
          <Route
            path="/me/attempts"
            component={() => (
              <Only group="candidates">
                <MyAttempts />
              </Only>
            )}
          />
          <Route
            path="/me/certificates"
            component={() => (
              <Only group="candidates">
                <MyCertificates />
              </Only>
            )}
          />
          <Route
            path="/assessor"
            component={() => (
              <Only group="assessors">
                <AssessorQueue />
              </Only>
            )}
          />
          <Route
            path="/assessor/reviews/:attemptId/:slot"
            component={(p: { attemptId: string; slot: string }) => (
              <Only group="assessors">
                <ReviewPage attemptId={p.attemptId} slot={p.slot} />
              </Only>
            )}
          />
          <Route
            path="/admin/:section?"
            component={(p: { section?: string }) => (
              <Only group="admins">
                <AdminPage section={p.section ?? 'occupations'} />
              </Only>
            )}
          />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </LocationProvider>
  );
}

const root = document.getElementById('app') as HTMLElement;
loadConfig()
  .then(() => render(<App />, root))
  .catch(() => {
    root.textContent = t('errors.config');
  });
