// The notice dispatcher from the environment, in its own module so only the functions that start
// deliveries bundle the Step Functions client.
import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsNoticeDispatcher } from '../adapters/step-functions.js';
import type { NoticeDispatcher } from '../ports.js';
import { config } from './region-config.js';

let dispatcher: NoticeDispatcher | undefined;
export function noticeDispatcher(): NoticeDispatcher {
  if (!config.NOTICE_STATE_MACHINE_ARN)
    throw new Error('NOTICE_STATE_MACHINE_ARN is not set for this function');
  dispatcher ??= new StepFunctionsNoticeDispatcher(new SFNClient({}), config.NOTICE_STATE_MACHINE_ARN);
  return dispatcher;
}
