// Scheduled sweep: starts delivery of any notice still pending a minute after it was stored (its first
// start failed after the revocation committed). Starting twice is harmless: executions are named by notice.
import { dispatchPending } from '../partners/notices.js';
import { clock, store } from '../shared/certification.js';
import { noticeDispatcher } from '../shared/notice-dispatcher.js';

export const handler = () =>
  dispatchPending({ certificates: store, dispatcher: noticeDispatcher(), now: clock.now });
