// Partner regions over HTTP: their key sets, their status lists and their notice webhooks. Only URLs the
// trust registry names are fetched: a status list URL taken from a presented credential must lie under
// the partner's registered public URL, so a crafted credential cannot make us fetch anything else.
import type { PartnerRegion, VerificationKey } from '../domain/index.js';
import { DEPLOYED_POLICY } from '../domain/partner-urls.js';
import { maxAgeOf } from '../domain/status-list-cache.js';
import { type PartnerDirectory, PartnerUnreachable } from '../ports.js';
import { type GuardedHttpOptions, type GuardedRequest, guardedRequest } from './guarded-http.js';

/** Each request to a partner region gives up after this long (lib/skillcert-stack.ts sizes the functions by it). */
export const TIMEOUT_MS = 5_000;
/** A status list is ~16 KB before compression; key sets are small. Anything larger is refused. */
const MAX_BYTES = 256 * 1024;

/**
 * A container keeps a partner's key set this long: a flood of requests naming a partner costs one
 * fetch a minute, and a new key (published before it signs, docs/keys.md) is seen within a minute.
 */
const KEYS_TTL_MS = 60_000;

export class HttpPartnerDirectory implements PartnerDirectory {
  private readonly keySets = new Map<string, { at: number; keys: Promise<VerificationKey[]> }>();

  /**
   * Every request goes through guardedRequest: https only, public addresses only (checked after DNS
   * resolution), no redirects (docs/security.md). A deployed region allows no loopback host.
   */
  constructor(private readonly http: GuardedHttpOptions = { policy: DEPLOYED_POLICY }) {}

  private fetchText(url: string, init: Omit<GuardedRequest, 'timeoutMs' | 'maxBytes'> = {}) {
    return guardedRequest(url, { ...init, timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES }, this.http);
  }

  keys(partner: PartnerRegion): Promise<VerificationKey[]> {
    const cached = this.keySets.get(partner.jwksUrl);
    if (cached && Date.now() - cached.at < KEYS_TTL_MS) return cached.keys;
    const keys = this.fetchKeys(partner);
    this.keySets.set(partner.jwksUrl, { at: Date.now(), keys });
    keys.catch(() => this.keySets.delete(partner.jwksUrl));
    return keys;
  }

  private async fetchKeys(partner: PartnerRegion): Promise<VerificationKey[]> {
    try {
      const { status, text } = await this.fetchText(partner.jwksUrl, {
        headers: { accept: 'application/json' },
      });
      if (status !== 200) throw new Error(`HTTP ${status}`);
      const keys = (JSON.parse(text) as { keys?: unknown }).keys;
      if (!Array.isArray(keys)) throw new Error('no keys array');
      return keys.filter((k): k is VerificationKey => typeof (k as VerificationKey)?.kid === 'string');
    } catch (error) {
      throw new PartnerUnreachable({
        en: `The key set of ${partner.nameEn} (${partner.code}) could not be read: ${(error as Error).message}`,
        zh: `无法读取${partner.nameZh}（${partner.code}）的公钥集：${(error as Error).message}`,
      });
    }
  }

  async statusList(partner: PartnerRegion, url: string): Promise<{ jws: string; maxAgeSeconds?: number }> {
    if (!url.startsWith(`${partner.publicUrl}/status/`))
      throw new PartnerUnreachable({
        en: `${url} is not a status list of ${partner.nameEn}`,
        zh: `${url} 不是${partner.nameZh}的状态列表`,
      });
    const location = `${partner.apiUrl}${url.slice(partner.publicUrl.length)}`;
    try {
      const { status, text, headers } = await this.fetchText(location, {
        headers: { accept: 'application/vc+jwt' },
      });
      if (status !== 200) throw new Error(`HTTP ${status}`);
      // How long the partner lets it be reused; the caller bounds it (domain/status-list-cache.ts).
      const maxAgeSeconds = maxAgeOf(headers['cache-control']);
      return { jws: text.trim(), ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) };
    } catch (error) {
      throw new PartnerUnreachable({
        en: `The status list ${url} of ${partner.nameEn} could not be read: ${(error as Error).message}`,
        zh: `无法读取${partner.nameZh}的状态列表 ${url}：${(error as Error).message}`,
      });
    }
  }

  async deliver(webhookUrl: string, jws: string): Promise<{ acknowledged: boolean; detail: string }> {
    try {
      const { status, text } = await this.fetchText(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: jws,
      });
      const acknowledged = status >= 200 && status < 300;
      return { acknowledged, detail: `HTTP ${status}${acknowledged ? '' : `: ${text.slice(0, 200)}`}` };
    } catch (error) {
      return { acknowledged: false, detail: (error as Error).message };
    }
  }
}
