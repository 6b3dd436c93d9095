/**
 * The view applies committed events by position and skips what it has
 * applied already, so catching up twice, or a command's own events arriving
 * after a catch-up read them, changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { applyEvents, createRegistryView, getSource } from '../../src/projections/registry-view.js';
import { draft, envelope, registered } from '../support/given-when-then.js';

const events = envelope([registered(), draft.connectionRecorded, draft.connectionRecorded]);

function viewOf(...batches: (typeof events)[]) {
  const view = createRegistryView();
  for (const batch of batches) applyEvents(view, batch);
  return view;
}

describe('applyEvents', () => {
  it('skips a single event at the position it has reached', () => {
    const view = viewOf(events, events.slice(-1));
    expect(view.position).toBe(3);
    expect(getSource(view, 'src-1')?.connectionCount).toBe(2);
  });

  it('skips the events of a batch up to the position it has reached', () => {
    const view = viewOf(events.slice(0, 2), events);
    expect(view.position).toBe(3);
    expect(getSource(view, 'src-1')?.connectionCount).toBe(2);
  });

  it('ends in the same state however the log is split into batches', () => {
    const whole = viewOf(events);
    const split = viewOf(events.slice(0, 1), events.slice(1, 2), events.slice(0, 3));
    expect(getSource(split, 'src-1')).toEqual(getSource(whole, 'src-1'));
  });
});
