// Notice delivery workflow step: one attempt to hand a stored revocation notice (signed at the first
// attempt) to its partner's webhook.
// Throws Notice.NotAcknowledged when the partner does not answer 2xx; the workflow retries with backoff.
import { deliverNotice } from '../partners/notices.js';
import { clock, store } from '../shared/certification.js';
import { directory, region, registry } from '../shared/partners.js';
import { certificateSigner } from '../shared/signer.js';

const deps = {
  region,
  signer: certificateSigner(),
  certificates: store,
  registry,
  directory,
  now: clock.now,
};

export const handler = (event: { noticeId: string }) => deliverNotice(deps, event.noticeId);
