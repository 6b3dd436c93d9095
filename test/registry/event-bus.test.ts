import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { createEventBus, LISTENER_WARNING_CODE } from '../../src/registry/event-bus.js';
import { envelope } from '../support/given-when-then.js';

/**
 * The bus on its own: who hears an event, and what reaches the process when
 * a listener or a background task fails. The registry-level tests show the
 * same through commands; here each warning's words and code are pinned.
 */

let warnings: MockInstance<typeof process.emitWarning>;

beforeEach(() => {
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});

afterEach(() => {
  warnings.mockRestore();
});

/** The warnings given so far, as message and code. */
function given(): { message: string; code: string | undefined; type: string | undefined }[] {
  return warnings.mock.calls.map(([message, options]) => {
    const { code, type } = (options ?? {}) as { code?: string; type?: string };
    return { message: String(message), code, type };
  });
}

const [tagged] = envelope([{ type: 'TagAdded', data: { tag: 'blue' } }], {
  after: 4,
  sourceId: 'src-9',
}) as [DataSourceEvent];

/** Lets rejected promises reach their handlers. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the event bus', () => {
  it('wants an event type only while a listener of that type or of every event is on', () => {
    const bus = createEventBus();
    const listener = () => {};
    expect(bus.wants('TagAdded')).toBe(false);

    bus.on('TagAdded', listener);
    expect(bus.wants('TagAdded')).toBe(true);
    expect(bus.wants('TagRemoved')).toBe(false);

    bus.off('TagAdded', listener);
    bus.on('*', listener);
    expect(bus.wants('TagRemoved')).toBe(true);
  });

  it('does not want an event for the bus listeners alone', () => {
    const bus = createEventBus();
    bus.on('listenerError', () => {});
    bus.on('followError', () => {});
    expect(bus.wants('TagAdded')).toBe(false);
  });

  it("hands an event to its type's listeners before the listeners of every event", () => {
    const bus = createEventBus();
    const heard: string[] = [];
    bus.on('*', (event) => heard.push(`* ${event.position}`));
    bus.on('TagAdded', (event) => heard.push(`TagAdded ${event.position}`));
    bus.on('TagRemoved', () => heard.push('TagRemoved'));

    bus.publish(tagged);

    expect(heard).toEqual([`TagAdded ${tagged.position}`, `* ${tagged.position}`]);
  });

  it('removes every listener of a name when off() is given no listener', () => {
    const bus = createEventBus();
    const heard: string[] = [];
    bus.on('TagAdded', () => heard.push('a'));
    bus.on('TagAdded', () => heard.push('b'));
    bus.off('TagAdded');
    bus.publish(tagged);
    expect(heard).toEqual([]);
    expect(bus.wants('TagAdded')).toBe(false);
  });

  it('warns of an unhandled listener failure with the event type, position, source and message', () => {
    const bus = createEventBus();
    bus.on('TagAdded', () => {
      throw new Error('listener broke');
    });
    bus.publish(tagged);
    expect(given()).toEqual([
      {
        message: `A listener failed for TagAdded at position ${tagged.position} (source src-9): listener broke`,
        code: LISTENER_WARNING_CODE,
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });

  it('warns with the text of a thrown value that is not an Error', () => {
    const bus = createEventBus();
    bus.on('*', () => {
      throw 'plain words';
    });
    bus.publish(tagged);
    expect(given().map((warning) => warning.message)).toEqual([
      `A listener failed for TagAdded at position ${tagged.position} (source src-9): plain words`,
    ]);
  });

  it('hands a listener failure to every listenerError listener, with the error and the event', () => {
    const bus = createEventBus();
    const broke = new Error('listener broke');
    const reports: unknown[] = [];
    bus.on('TagAdded', () => {
      throw broke;
    });
    bus.on('listenerError', (failure) => reports.push(['first', failure]));
    bus.on('listenerError', (failure) => reports.push(['second', failure]));
    bus.publish(tagged);
    expect(reports).toEqual([
      ['first', { error: broke, event: tagged }],
      ['second', { error: broke, event: tagged }],
    ]);
    expect(given()).toEqual([]);
  });

  it('reports a rejection from a thenable that is a function, not only from promises', async () => {
    const bus = createEventBus();
    const reports: unknown[] = [];
    const thenable = Object.assign(() => {}, {
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the point
      then: (_resolve: unknown, reject: (reason: unknown) => void) => reject(new Error('late')),
    });
    bus.on('TagAdded', () => thenable);
    bus.on('listenerError', (failure) => reports.push((failure.error as Error).message));
    bus.publish(tagged);
    await settle();
    expect(reports).toEqual(['late']);
  });

  it('ignores what a listener returns when it is not a thenable', async () => {
    const bus = createEventBus();
    const reports: unknown[] = [];
    // biome-ignore lint/suspicious/noThenProperty: a `then` that is not a function makes no thenable
    bus.on('TagAdded', () => ({ then: 'not a function' }));
    bus.on('*', () => null);
    bus.on('listenerError', (failure) => reports.push(failure));
    bus.publish(tagged);
    await settle();
    expect(reports).toEqual([]);
    expect(given()).toEqual([]);
  });

  it('warns when a listenerError listener itself fails, and still calls the next one', () => {
    const bus = createEventBus();
    const reports: string[] = [];
    bus.on('TagAdded', () => {
      throw new Error('listener broke');
    });
    bus.on('listenerError', () => {
      throw new Error('reporter broke');
    });
    bus.on('listenerError', () => reports.push('second'));
    bus.publish(tagged);
    expect(reports).toEqual(['second']);
    expect(given()).toEqual([
      {
        message: `A listenerError listener failed for TagAdded at position ${tagged.position} (source src-9): reporter broke`,
        code: LISTENER_WARNING_CODE,
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });
});

describe('follow errors', () => {
  const failure = (attempt: number) => ({
    error: new Error('read failed'),
    attempt,
    retryInMs: 50,
  });

  it('warn once, on the first failure of a run, when nobody listens', () => {
    const bus = createEventBus();
    bus.reportFollowError(failure(1));
    bus.reportFollowError(failure(2));
    bus.reportFollowError(failure(3));
    expect(given()).toEqual([
      {
        message: 'The registry could not read the log, retrying: read failed',
        code: 'DATASOURCE_REGISTRY_FOLLOW_ERROR',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });

  it('go to the followError listeners instead of a warning', () => {
    const bus = createEventBus();
    const heard: unknown[] = [];
    bus.on('followError', (reported) => heard.push(reported));
    const first = failure(1);
    bus.reportFollowError(first);
    expect(heard).toEqual([first]);
    expect(given()).toEqual([]);
  });

  it('warn when a followError listener fails', () => {
    const bus = createEventBus();
    bus.on('followError', () => {
      throw new Error('handler broke');
    });
    bus.reportFollowError(failure(2));
    expect(given()).toEqual([
      {
        message: 'A followError listener failed: handler broke',
        code: 'DATASOURCE_REGISTRY_FOLLOW_ERROR',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });
});

describe('subscription errors', () => {
  const failure = (attempt: number, retryInMs: number | null, event: DataSourceEvent | null) => ({
    name: 'mailer',
    error: new Error('handler failed'),
    event,
    attempt,
    retryInMs,
  });

  it('warn on the first failure of a run and name the event position, when nobody listens', () => {
    const bus = createEventBus();
    bus.reportSubscriptionError(failure(1, 100, tagged));
    bus.reportSubscriptionError(failure(2, 200, tagged));
    expect(given()).toEqual([
      {
        message: `Subscription mailer failed at position ${tagged.position}, retrying: handler failed`,
        code: 'DATASOURCE_REGISTRY_SUBSCRIPTION',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });

  it('warn again when a subscription gives up', () => {
    const bus = createEventBus();
    bus.reportSubscriptionError(failure(5, null, tagged));
    expect(given().map((warning) => warning.message)).toEqual([
      `Subscription mailer failed at position ${tagged.position}, it stopped: handler failed`,
    ]);
  });

  it('leave out the position when the store failed rather than a handler', () => {
    const bus = createEventBus();
    bus.reportSubscriptionError(failure(1, 100, null));
    expect(given().map((warning) => warning.message)).toEqual([
      'Subscription mailer failed, retrying: handler failed',
    ]);
  });

  it('go to the subscriptionError listeners instead of a warning', () => {
    const bus = createEventBus();
    const heard: unknown[] = [];
    bus.on('subscriptionError', (reported) => heard.push(reported));
    const last = failure(5, null, tagged);
    bus.reportSubscriptionError(last);
    expect(heard).toEqual([last]);
    expect(given()).toEqual([]);
  });

  it('warn when a subscriptionError listener fails', () => {
    const bus = createEventBus();
    bus.on('subscriptionError', () => {
      throw new Error('handler broke');
    });
    bus.reportSubscriptionError(failure(2, 100, tagged));
    expect(given()).toEqual([
      {
        message: 'A subscriptionError listener failed: handler broke',
        code: 'DATASOURCE_REGISTRY_SUBSCRIPTION',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });
});

describe('snapshot errors', () => {
  const failure = { error: new Error('disk full'), position: 120 };

  it('warn on every failure when nobody listens', () => {
    const bus = createEventBus();
    bus.reportSnapshotError(failure);
    bus.reportSnapshotError(failure);
    expect(given()).toEqual([
      {
        message: 'The snapshot at position 120 was not written: disk full',
        code: 'DATASOURCE_REGISTRY_SNAPSHOT',
        type: 'DataSourceRegistryWarning',
      },
      {
        message: 'The snapshot at position 120 was not written: disk full',
        code: 'DATASOURCE_REGISTRY_SNAPSHOT',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });

  it('go to the snapshotError listeners instead of a warning', () => {
    const bus = createEventBus();
    const heard: unknown[] = [];
    bus.on('snapshotError', (reported) => heard.push(reported));
    bus.reportSnapshotError(failure);
    expect(heard).toEqual([failure]);
    expect(given()).toEqual([]);
  });

  it('warn when a snapshotError listener fails', () => {
    const bus = createEventBus();
    bus.on('snapshotError', () => {
      throw new Error('handler broke');
    });
    bus.reportSnapshotError(failure);
    expect(given()).toEqual([
      {
        message: 'A snapshotError listener failed: handler broke',
        code: 'DATASOURCE_REGISTRY_SNAPSHOT',
        type: 'DataSourceRegistryWarning',
      },
    ]);
  });
});
