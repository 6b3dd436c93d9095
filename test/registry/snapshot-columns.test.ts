/**
 * A snapshot holds each field of its sources as a column, repeated values
 * stored once with indexes, and reads back exactly the values written; a
 * column that is not one is refused, never read as far as it goes.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { columnJson, columnsOf, columnValues } from '../../src/registry/snapshot-columns.js';

const refused = expect.objectContaining({ code: ErrorCode.CORRUPT_LOG });

it('stores a column of repeated values once each, with an index per source', async () => {
  const tags = [['prod'], ['prod'], ['eu', 'prod'], ['prod']];
  const json = JSON.parse(await columnJson(tags));
  expect(json).toEqual({ values: [['prod'], ['eu', 'prod']], at: [0, 0, 1, 0] });
});

it('stores a column of mostly distinct values as they are', async () => {
  const names = ['Orders', 'Billing', 'Orders'];
  expect(JSON.parse(await columnJson(names))).toEqual(names);
});

it('reads back the values written, either way a column is stored', async () => {
  const columns = [
    ['acme', 'acme', 'globex', 'acme', null, null],
    ['Orders', 'Billing', 'Leads', 'Ledger', 'Events', 'Audit'],
    [{ team: 'a' }, { team: 'a' }, {}, {}, {}, { team: 'a' }],
  ];
  for (const values of columns) {
    const json: unknown = JSON.parse(await columnJson(values));
    expect(columnValues('c', json, values.length)).toEqual(values);
  }
});

it('gives every source holding a repeated value the same one', () => {
  const [first, second] = columnValues('c', { values: [['prod']], at: [0, 0] }, 2);
  expect(first).toBe(second);
});

it('reads an empty column', async () => {
  expect(columnValues('c', JSON.parse(await columnJson([])), 0)).toEqual([]);
});

it('refuses a column of another length than the sources', () => {
  expect(() => columnValues('c', ['a', 'b'], 3)).toThrow(refused);
  expect(() => columnValues('c', { values: ['a'], at: [0, 0] }, 3)).toThrow(refused);
});

it('refuses an index that points at no value', () => {
  for (const at of [1, -1, 0.5, '0', null]) {
    expect(() => columnValues('c', { values: ['a'], at: [0, at] }, 2)).toThrow(refused);
  }
});

it('refuses what is not a column', () => {
  for (const column of [null, 'a', { values: ['a'] }, { at: [0] }, { values: 'a', at: [0] }]) {
    expect(() => columnValues('c', column, 1)).toThrow(refused);
  }
});

it('refuses an object of columns lacking one or holding one more', () => {
  const names = ['name', 'status'];
  expect(columnsOf('sources', { name: ['a'], status: ['active'] }, names, 1)).toEqual({
    name: ['a'],
    status: ['active'],
  });
  expect(() => columnsOf('sources', { name: ['a'] }, names, 1)).toThrow(refused);
  const extra = { name: ['a'], status: ['active'], planted: ['x'] };
  expect(() => columnsOf('sources', extra, names, 1)).toThrow(refused);
  expect(() => columnsOf('sources', [['a'], ['active']], names, 1)).toThrow(refused);
});
