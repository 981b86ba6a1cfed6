// PutEvents entry validation as EventBridge does it, with its per-entry error codes.
import { describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../../../local/contracts.js';
import { busLookup, entryTime, validateEntry } from '../../../local/event-bus.js';

const findBus = busLookup([
  {
    logicalId: 'Bus',
    name: 'skillcert',
    arn: 'arn:aws:events:ap-southeast-1:000000000000:event-bus/skillcert',
  },
]);
const good: PutEventsEntry = {
  Source: 'skillcert.certification',
  DetailType: 'CertificateIssued',
  Detail: '{"certificateNumber":"NJ-1"}',
  EventBusName: 'skillcert',
};

describe('validateEntry', () => {
  it.each([
    ['a good entry', good, { ok: true, busName: 'skillcert' }],
    [
      'the bus by ARN',
      { ...good, EventBusName: 'arn:aws:events:ap-southeast-1:000000000000:event-bus/skillcert' },
      { ok: true, busName: 'skillcert' },
    ],
    ['no bus: default', { ...good, EventBusName: undefined }, { ok: true, busName: 'default' }],
    [
      'no Source',
      { ...good, Source: undefined },
      {
        ok: false,
        errorCode: 'InvalidArgument',
        errorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
    ],
    [
      'an empty DetailType',
      { ...good, DetailType: '' },
      {
        ok: false,
        errorCode: 'InvalidArgument',
        errorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
    ],
    [
      'no Detail',
      { ...good, Detail: undefined },
      {
        ok: false,
        errorCode: 'InvalidArgument',
        errorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
    ],
    [
      'Detail that is not JSON',
      { ...good, Detail: '{oops' },
      { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
    ],
    [
      'Detail that is not an object',
      { ...good, Detail: '[1]' },
      { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
    ],
    [
      'Resources that are not strings',
      { ...good, Resources: [1] as unknown as string[] },
      { ok: false, errorCode: 'InvalidArgument' },
    ],
    [
      'an unknown bus',
      { ...good, EventBusName: 'nowhere' },
      { ok: false, errorCode: 'NotFoundException', errorMessage: 'Event bus nowhere does not exist.' },
    ],
  ])('%s', (_name, entry, expected) => {
    expect(validateEntry(entry, findBus)).toMatchObject(expected);
  });
});

describe('entryTime', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  it.each([
    ['epoch seconds (the JSON protocol)', 1_700_000_000.5, '2023-11-14T22:13:20.500Z'],
    ['an ISO string', '2024-06-01T08:00:00Z', '2024-06-01T08:00:00.000Z'],
    ['a Date', new Date('2024-06-01T08:00:00Z'), '2024-06-01T08:00:00.000Z'],
    ['nothing', undefined, '2025-01-01T00:00:00.000Z'],
    ['nonsense', 'yesterday-ish', '2025-01-01T00:00:00.000Z'],
  ])('%s', (_name, time, expected) => {
    expect(entryTime(time, now).toISOString()).toBe(expected);
  });
});
