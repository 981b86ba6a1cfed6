// Scheduled: signs every handed-out status list whose stored signature is missing, older than its bits
// or due for renewal (certification/status-publication.ts). The backstop behind signing at change time.
import { renewStatusLists } from '../certification/status-publication.js';
import { logger } from '../shared/logger.js';
import { statusPublication } from '../shared/status-publication.js';

export const handler = async () => {
  const outcome = await renewStatusLists(statusPublication());
  logger.info('Status lists renewed', outcome);
  return outcome;
};
