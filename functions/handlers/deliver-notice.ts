// Notice delivery workflow step: one attempt to hand a stored revocation notice to its partner's webhook.
// Throws Notice.NotAcknowledged when the partner does not answer 2xx; the workflow retries with backoff.
import { deliverNotice } from '../partners/notices.js';
import { clock, store } from '../shared/certification.js';
import { directory, registry } from '../shared/partners.js';

export const handler = (event: { noticeId: string }) =>
  deliverNotice({ certificates: store, registry, directory, now: clock.now }, event.noticeId);
