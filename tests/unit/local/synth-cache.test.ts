// The synthesis cache reuses an assembly only for the very same options and sources.
import { afterEach, describe, expect, it } from 'vitest';
import { synthesisKey } from '../../../local/synth.js';

const saved = process.env.CDK_CONTEXT_JSON;
afterEach(() => {
  if (saved === undefined) delete process.env.CDK_CONTEXT_JSON;
  else process.env.CDK_CONTEXT_JSON = saved;
});

describe('synthesisKey', () => {
  it('treats spelled-out defaults as the same synthesis', () => {
    expect(synthesisKey({})).toBe(
      synthesisKey({ region: 'neijiang', signingKeyGeneration: 1, markingTimeoutSeconds: 0 }),
    );
  });

  it('changes with every option that changes the template', () => {
    const keys = [
      synthesisKey({}),
      synthesisKey({ region: 'zigong' }),
      synthesisKey({ markingTimeoutSeconds: 4 }),
      synthesisKey({ noticeRetrySeconds: 1 }),
      synthesisKey({ signingKeyGeneration: 2 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('changes with the CDK context the app reads', () => {
    const plain = synthesisKey({});
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ alarmEmail: 'ops@example.cn' });
    expect(synthesisKey({})).not.toBe(plain);
  });
});
