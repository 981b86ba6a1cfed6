// The HTTP API as the app calls it: the same routes the tests and `npm run demo` use, with the signed-in
// person's access token. Errors keep the API's own message (both languages) and the field it concerns.
import { accessToken, refresh, signIn } from './auth';
import { config } from './config';
import { inBothLanguages } from './i18n';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: {
      error?: string;
      message?: string;
      messageZh?: string;
      field?: string;
      /** zod's issues ({path}) or, with strict bodies, one per field ({field, message, messageZh}). */
      details?: { path?: string; field?: string; message: string; messageZh?: string }[];
    },
  ) {
    super(body.message ?? `HTTP ${status}`);
  }

  /** The request field the API says is wrong: `field` (h/11's style) or the first detail's path. */
  get field(): string | undefined {
    const first = this.body.details?.[0];
    return this.body.field ?? first?.field ?? first?.path;
  }

  /** What the API says about the field itself (the first detail), when it says more than the summary. */
  get fieldMessage(): { message?: string; messageZh?: string } | undefined {
    return this.body.details?.[0];
  }
}

/** The request never reached the API (offline, DNS, CORS refused): nothing was saved. */
export class NetworkError extends Error {}

export interface CallOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

export async function call<T = Record<string, unknown>>(path: string, options: CallOptions = {}): Promise<T> {
  const send = async (token: string | undefined) => {
    try {
      return await fetch(`${config().apiUrl}${path}`, {
        method: options.method ?? 'GET',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        cache: 'no-store',
      });
    } catch (error) {
      throw new NetworkError((error as Error).message);
    }
  };
  let response = await send(await accessToken());
  if (response.status === 401) {
    // The token may have expired in between: one refresh, then sign in again.
    const renewed = await refresh();
    if (renewed) response = await send(renewed.accessToken);
    if (response.status === 401) {
      await signIn();
      throw new ApiError(401, inBothLanguages('auth.signInAgain'));
    }
  }
  const text = await response.text();
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, body as ApiError['body']);
  return body as T;
}
