// The region's configuration and clock, which every function of a region reads. Apart from the stores,
// so that a function that needs no certification store (verification, recognition) bundles none.
import { enum as enumOf, minLength, object, optional, refine, regex, string } from 'zod/mini';
import { isTimeZone } from '../domain/calendar.js';
import { PROOF_SUITES } from '../domain/credential.js';
import { loadConfig } from './config.js';

export const config = loadConfig(
  object({
    TABLE_NAME: string().check(minLength(1)),
    REGION_CODE: string().check(minLength(1)),
    REGION_PREFIX: string().check(minLength(2)),
    REGION_NAME_ZH: string(),
    REGION_NAME_EN: string(),
    ISSUER_DID: string().check(minLength(1)),
    PUBLIC_URL: string().check(minLength(1)),
    /** The region's calendar (lib/regions.ts), an IANA zone such as Asia/Shanghai. */
    REGION_TIME_ZONE: string().check(refine(isTimeZone, 'not a time zone Intl knows')),
    SIGNING_KEY_ID: optional(string()),
    /** The private bucket certificate PDFs are kept in (lib/constructs/paper.ts). */
    DOCUMENTS_BUCKET: optional(string()),
    PROOF_KEY_ID: optional(string()),
    /** The Data Integrity cryptosuite this deployment embeds (eddsa-rdfc-2022 when absent). */
    PROOF_SUITE: optional(enumOf(PROOF_SUITES)),
    STATE_MACHINE_ARN: optional(string()),
    /** The deadline timer (one execution per attempt, named by it) that submits at deadline + grace. */
    DEADLINE_STATE_MACHINE_ARN: optional(string()),
    EVENT_BUS_NAME: optional(string()),
    NOTICE_STATE_MACHINE_ARN: optional(string()),
    /**
     * How long a partner's status list may be reused at most (domain/status-list-cache.ts; 300 when
     * absent). Tests shorten it to see a partner's change arrive within the bound.
     */
    PARTNER_STATUS_LIST_CACHE_SECONDS: optional(string().check(regex(/^\d{1,4}$/))),
    /**
     * Set by the local cloud only (local/cloud.ts), never in a template: the loopback hosts partner URLs
     * may name, for the regions it runs itself on this machine (docs/security.md).
     */
    SKILLCERT_LOOPBACK_PARTNER_HOSTS: optional(string()),
  }),
);

export const clock = { now: () => new Date() };
