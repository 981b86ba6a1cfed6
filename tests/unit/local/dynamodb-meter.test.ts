import { describe, expect, it } from 'vitest';
import { itemSize, readUnits, writeUnits } from '../../../local/dynamodb-meter.js';

describe('DynamoDB capacity from item sizes', () => {
  it.each([
    ['a string', { pk: { S: 'ATTEMPT#1' } }, 2 + 9],
    ['UTF-8 bytes, not characters', { name: { S: '张伟' } }, 4 + 6],
    ['a number by its significant digits', { n: { N: '12345' } }, 1 + 4],
    ['booleans and nulls', { a: { BOOL: true }, b: { NULL: true } }, 2 + 2],
    ['a map with its overhead', { m: { M: { k: { S: 'v' } } } }, 1 + 3 + 1 + 1 + 1],
    ['a list with its overhead', { l: { L: [{ S: 'a' }, { S: 'bc' }] } }, 1 + 3 + (1 + 1) + (1 + 2)],
  ])('sizes %s', (_name, item, bytes) => {
    expect(itemSize(item)).toBe(bytes);
  });

  it('bills writes per started KB and reads per started 4 KB, half for eventual consistency', () => {
    expect([writeUnits(1), writeUnits(1024), writeUnits(1025), writeUnits(4500)]).toEqual([1, 1, 2, 5]);
    expect([
      readUnits(0, true),
      readUnits(4096, true),
      readUnits(4097, true),
      readUnits(4097, false),
    ]).toEqual([1, 1, 2, 1]);
  });
});
