// Interfaces between the parts of the local cloud, so each part can be built and tested on its own.

/** The outcome of one Lambda invocation, shaped like the Lambda Invoke API's answer. */
export type InvokeOutcome =
  | { ok: true; payload: unknown }
  | { ok: false; errorType: string; errorMessage: string; trace?: string[] };

export interface InvokeOptions {
  /** Overrides the function's own timeout (seconds); used only by tests. */
  timeoutSeconds?: number;
}

/** Runs the bundled Lambda functions of a stack (local/lambda-runtime.ts). */
export interface LambdaInvoker {
  /** Accepts a function name, a function ARN or the function's logical id. Unknown → rejects with ResourceNotFoundException. */
  invoke(functionNameOrArn: string, payload: unknown, options?: InvokeOptions): Promise<InvokeOutcome>;
}

/** One event as EventBridge stores it after PutEvents. */
export interface RecordedEvent {
  id: string;
  eventBusName: string;
  source: string;
  detailType: string;
  detail: unknown;
  resources: string[];
  time: string;
}

export interface PutEventsEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: string | Date;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

/** The local EventBridge stand-in (local/event-bus.ts). */
export interface LocalEventBusPort {
  putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult>;
  /** Events recorded so far, oldest first. */
  recorded(): RecordedEvent[];
}
