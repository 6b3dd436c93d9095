import { describe, expect, it } from 'vitest';
import { createMemoryEventStore, DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { holdStore, turnstile } from '../support/barrier.js';
import { eventually } from '../support/postgres.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';

/**
 * Two registries on one store; every append of the second waits at a
 * turnstile, and before letting each through the first moves the source on,
 * so each of the second's attempts loses the race. After `lostRaces` lost
 * attempts the turnstile opens for good.
 */
async function loseRaces(conflictRetries: number, lostRaces: number) {
  const memory = createMemoryEventStore();
  const turns = turnstile();
  const first = new DataSourceRegistry({ store: memory });
  const { sourceId } = await first.register(databaseInput());
  const second = new DataSourceRegistry({
    store: holdStore(memory, { beforeAppend: turns.pass }),
    conflictRetries,
  });
  let ended = false;
  const outcome = second.recordConnection(sourceId);
  outcome.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  for (let attempt = 1; attempt <= lostRaces; attempt++) {
    const reached = await eventually(
      async () => (turns.waiting === 1 ? 'held' : ended && 'ended'),
      `attempt ${attempt} of the second registry to reach the store, or the command to end`,
    );
    if (reached === 'ended') break;
    await first.recordConnection(sourceId);
    turns.releaseOne();
  }
  turns.openForGood();
  return { outcome, attempts: () => turns.passes };
}

describe('the conflictRetries option', () => {
  it('fails a command with CONCURRENCY_CONFLICT once it lost one race more than it may retry', async () => {
    const { outcome, attempts } = await loseRaces(2, 3);

    await failsWith(() => outcome, ErrorCode.CONCURRENCY_CONFLICT);
    expect(attempts()).toBe(3);
  });

  it('with 0 gives up on the first lost race', async () => {
    const { outcome, attempts } = await loseRaces(0, 1);

    await failsWith(() => outcome, ErrorCode.CONCURRENCY_CONFLICT);
    expect(attempts()).toBe(1);
  });

  it('lands a command that lost as many races as it may retry', async () => {
    const { outcome, attempts } = await loseRaces(2, 2);

    await expect(outcome).resolves.toMatchObject({ connectionCount: 3 });
    expect(attempts()).toBe(3);
  });
});
