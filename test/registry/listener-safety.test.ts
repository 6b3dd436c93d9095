import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ErrorCode, type RegistryListeners } from '../../src/index.js';
import { eventually } from '../support/postgres.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  PLAINTEXT_PASSWORD,
} from '../support/registry-fixtures.js';

/** The warnings the process was given, as `[message, options]` pairs. */
let warnings: MockInstance<typeof process.emitWarning>;
/** Rejections nobody handled while the test ran: there must be none. */
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(() => {
  warnings.mockRestore();
  process.off('unhandledRejection', onUnhandled);
});

/** The listener warnings given so far: their messages. */
function listenerWarnings(): string[] {
  return warnings.mock.calls
    .filter(
      ([, options]) =>
        (options as { code?: string } | undefined)?.code === 'DATASOURCE_REGISTRY_LISTENER',
    )
    .map(([message]) => String(message));
}

describe('listener failures', () => {
  it('that nobody handles on listenerError become a process warning with the error message', async () => {
    const { registry } = createTestRegistry();
    registry.on('DataSourceRegistered', () => {
      throw new Error('listener bug');
    });

    const source = await registry.register(databaseInput());

    const [warning, ...others] = listenerWarnings();
    expect(others).toEqual([]);
    expect(warning).toContain('listener bug');
    expect(warning).toContain('DataSourceRegistered');
    expect(warning).toContain(source.sourceId);
    expect(warning).not.toContain(PLAINTEXT_PASSWORD);
  });

  it('that reject with nobody on listenerError become a process warning, not an unhandled rejection', async () => {
    const { registry } = createTestRegistry();
    registry.on('*', async () => {
      throw new Error('async listener bug');
    });

    await registry.register(databaseInput());

    await eventually(
      async () => listenerWarnings().some((warning) => warning.includes('async listener bug')),
      'a warning about the rejected listener',
    );
    expect(unhandled).toEqual([]);
  });

  it('handled on listenerError give no warning', async () => {
    const { registry } = createTestRegistry();
    const reported: unknown[] = [];
    registry.on('*', () => {
      throw new Error('handled');
    });
    registry.on('listenerError', ({ error }) => reported.push(error));

    await registry.register(databaseInput());

    expect(reported).toHaveLength(1);
    expect(listenerWarnings()).toEqual([]);
  });

  it('of a listenerError listener that throws become a process warning', async () => {
    const { registry } = createTestRegistry();
    registry.on('*', () => {
      throw new Error('first failure');
    });
    registry.on('listenerError', () => {
      throw new Error('reporter bug');
    });

    await registry.register(databaseInput());

    const warnings = listenerWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('reporter bug');
  });

  it('of an async listenerError listener that rejects are contained and become a process warning', async () => {
    const { registry } = createTestRegistry();
    registry.on('*', () => {
      throw new Error('first failure');
    });
    registry.on('listenerError', async () => {
      throw new Error('async reporter bug');
    });

    await expect(registry.register(databaseInput())).resolves.toMatchObject({ version: 1 });

    await eventually(
      async () => listenerWarnings().some((warning) => warning.includes('async reporter bug')),
      'a warning about the rejected listenerError listener',
    );
    expect(unhandled).toEqual([]);
  });
});

describe('on() and off()', () => {
  it('refuse a listener that is not a function with INVALID_INPUT', async () => {
    const { registry } = createTestRegistry();
    const notAFunction = 'not a function' as unknown as RegistryListeners['*'];

    const error = await failsWith(() => registry.on('*', notAFunction), ErrorCode.INVALID_INPUT);

    expect(error.details.issues).toEqual([{ path: 'listener', message: 'must be a function' }]);
  });

  it('refuse a misspelt event name with INVALID_INPUT that lists the valid names', async () => {
    const { registry } = createTestRegistry();
    const heard = vi.fn();
    const misspelt = 'DataSourceRegisterd' as 'DataSourceRegistered';

    const error = await failsWith(() => registry.on(misspelt, heard), ErrorCode.INVALID_INPUT);
    await registry.register(databaseInput());

    expect(error.details.issues).toMatchObject([{ path: 'name' }]);
    expect(error.message).toContain('DataSourceRegisterd');
    expect(error.message).toContain('DataSourceRegistered');
    expect(error.message).toContain('listenerError');
    expect(heard).not.toHaveBeenCalled();
  });

  it('off() refuses an unknown name and a listener that is not a function', async () => {
    const { registry } = createTestRegistry();
    await failsWith(() => registry.off('everything' as '*'), ErrorCode.INVALID_INPUT);
    await failsWith(
      () => registry.off('*', 42 as unknown as RegistryListeners['*']),
      ErrorCode.INVALID_INPUT,
    );
  });
});
