// Stands in for @smithy/core/event-streams inside Lambda bundles (SkillcertFunction aliases it here at
// bundle time). The SDK's protocol layer imports it on demand for operations that stream events
// (S3 Select, Bedrock, Transcribe…); none of the clients these functions use (DynamoDB, KMS, Step
// Functions, EventBridge) has such an operation, yet a bundle without splitting carries it: about
// 10 KB per function. Reaching it would be a bundling mistake, so it says so.
function unavailable(): never {
  throw new Error(
    'Event streams are not bundled into skillcert functions (see functions/shared/no-event-streams.ts)',
  );
}

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}

export const eventStreamSerdeProvider = unavailable;

/**
 * The S3 client resolves its event-stream configuration when it is made (for SelectObjectContent, which
 * we never call): pass the configuration through without an event-stream marshaller.
 */
export function resolveEventStreamSerdeConfig<T>(config: T): T {
  return config;
}
