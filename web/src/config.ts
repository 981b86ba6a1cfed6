// The deployment's settings, read at start from /config.json, which the hosting stack writes next to the
// built files (lib/constructs/web-app.ts): one build serves every deployment and the local cloud.
export interface AppConfig {
  /** The HTTP API's base URL, without a trailing slash. */
  apiUrl: string;
  /** The OpenID Provider's issuer: its discovery document is `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Where the provider sends the browser back with the code: this app's /callback. */
  redirectUri: string;
  /** Where the provider sends the browser after signing out: this app's home page. */
  signOutRedirectUri: string;
  /** Scopes asked for at sign-in. */
  scopes: string;
  region: { code: string; nameZh: string; nameEn: string; timeZone: string };
}

let loaded: AppConfig | undefined;

export async function loadConfig(): Promise<AppConfig> {
  if (loaded) return loaded;
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  loaded = (await response.json()) as AppConfig;
  return loaded;
}

export function config(): AppConfig {
  if (!loaded) throw new Error('config.json not loaded yet');
  return loaded;
}
