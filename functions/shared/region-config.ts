// The region's configuration and clock, which every function of a region reads. Apart from the stores,
// so that a function that needs no certification store (verification, recognition) bundles none.
import { minLength, object, optional, refine, string } from 'zod/mini';
import { isTimeZone } from '../domain/calendar.js';
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
    PROOF_KEY_ID: optional(string()),
    STATE_MACHINE_ARN: optional(string()),
    /** The deadline timer (one execution per attempt, named by it) that submits at deadline + grace. */
    DEADLINE_STATE_MACHINE_ARN: optional(string()),
    EVENT_BUS_NAME: optional(string()),
    NOTICE_STATE_MACHINE_ARN: optional(string()),
    /**
     * Set by the local cloud only (local/cloud.ts), never in a template: the loopback hosts partner URLs
     * may name, for the regions it runs itself on this machine (docs/security.md).
     */
    SKILLCERT_LOOPBACK_PARTNER_HOSTS: optional(string()),
  }),
);

export const clock = { now: () => new Date() };
