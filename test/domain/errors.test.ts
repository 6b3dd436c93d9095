import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataSourceType } from '../../src/domain/enums.js';
import { DataSourceError, ErrorCode, parseInput } from '../../src/domain/errors.js';
import { caught } from '../support/given-when-then.js';

describe('DataSourceError', () => {
  it('defaults to the generic code, no source and no details', () => {
    const error = new DataSourceError('something failed');
    expect(error).toMatchObject({
      message: 'something failed',
      code: ErrorCode.DATASOURCE_ERROR,
      sourceId: null,
      sourceType: null,
      details: undefined,
    });
  });

  it('reports no source when the id it was given is not a string', () => {
    const error = new DataSourceError('bad id', { sourceId: 42 as unknown as string });
    expect(error.sourceId).toBeNull();
    expect(error.toDict().source_id).toBeNull();
  });

  it('is an Error named DataSourceError', () => {
    const error = new DataSourceError('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DataSourceError');
  });

  it('carries the code, source, details and cause it is given', () => {
    const cause = new Error('driver failed');
    const error = new DataSourceError('append failed', {
      code: ErrorCode.STORE_ERROR,
      sourceId: 'src-1',
      sourceType: DataSourceType.STREAM,
      details: { attempt: 3 },
      cause,
    });
    expect(error).toMatchObject({
      code: ErrorCode.STORE_ERROR,
      sourceId: 'src-1',
      sourceType: 'stream',
      details: { attempt: 3 },
      cause,
    });
  });

  it('has no cause when none is given', () => {
    expect(new DataSourceError('x')).not.toHaveProperty('cause');
  });

  it('toDict has the Python shape plus the code, and no details key without details', () => {
    expect(new DataSourceError('gone', { sourceId: 'src-1' }).toDict()).toEqual({
      error: 'gone',
      code: ErrorCode.DATASOURCE_ERROR,
      source_id: 'src-1',
      source_type: null,
    });
  });

  it('toDict includes the details when there are some', () => {
    const error = new DataSourceError('bad', {
      code: ErrorCode.INVALID_INPUT,
      sourceType: DataSourceType.API,
      details: { issues: [] },
    });
    expect(error.toDict()).toEqual({
      error: 'bad',
      code: ErrorCode.INVALID_INPUT,
      source_id: null,
      source_type: 'api',
      details: { issues: [] },
    });
  });
});

describe('parseInput', () => {
  const schema = z.strictObject({ name: z.string().min(1), nested: z.object({ n: z.number() }) });

  it('returns the parsed value when the input is valid', () => {
    expect(parseInput(schema, { name: 'a', nested: { n: 1 } }, 'thing')).toEqual({
      name: 'a',
      nested: { n: 1 },
    });
  });

  it('throws INVALID_INPUT listing each issue with a dotted path', () => {
    const error = caught(() => parseInput(schema, { name: '', nested: { n: 'x' } }, 'thing'));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.details).toEqual({
      issues: [
        { path: 'name', message: expect.any(String) },
        { path: 'nested.n', message: expect.any(String) },
      ],
    });
  });

  it('names what was invalid and each failed path in the message', () => {
    const error = caught(() => parseInput(schema, { name: '', nested: { n: 1 } }, 'thing'));
    expect(error.message).toMatch(/^Invalid thing: name: /);
  });

  it('gives an empty path to an issue with the whole value', () => {
    const error = caught(() => parseInput(schema, 'not an object', 'thing'));
    expect(error.details).toEqual({ issues: [{ path: '', message: expect.any(String) }] });
  });

  it('passes the source it is told about on to the error', () => {
    const error = caught(() => parseInput(schema, null, 'thing', { sourceId: 'src-9' }));
    expect(error.sourceId).toBe('src-9');
  });
});
