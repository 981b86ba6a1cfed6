// The certification domain: plain TypeScript, no AWS, no I/O. Time and randomness come in as arguments
// (Date values and seeds); node:crypto is used only for SHA-256 and HMAC, node:zlib only for status lists.

export * from './appeal.js';
export * from './assignment.js';
export * from './calendar.js';
export * from './canonical-json.js';
export * from './certificate-number.js';
export * from './certificate-paper.js';
export * from './certificate-status.js';
export * from './credential.js';
export * from './eligibility.js';
export * from './errors.js';
export * from './exams.js';
export * from './grading.js';
export * from './levels.js';
export * from './marking.js';
export * from './national-id.js';
export * from './occupations.js';
export * from './paper.js';
export * from './policy.js';
export * from './random.js';
export * from './recognition.js';
export * from './review-chains.js';
export * from './saves.js';
export * from './score.js';
export * from './status-index.js';
export * from './status-list.js';
export * from './status-list-cache.js';
export * from './text.js';
export * from './timing.js';
export * from './verification.js';
