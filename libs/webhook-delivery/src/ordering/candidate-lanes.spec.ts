import {
  claimTurn,
  DONE_RUN_KEPT_MS,
  EMPTY_LANE,
  enterLane,
  finishTurn,
  laneEntryOf,
  type LaneClock,
  type LaneEntry,
  type LaneState,
} from './candidate-lanes';

const clock: LaneClock = { nowMs: 1_000_000, gapWaitMs: 60_000 };
const RUN_EVENTS = [
  'WORKFLOW_CONTACT_RESOLVED',
  'WORKFLOW_RUN_STARTED',
  'WORKFLOW_NODE_COMPLETED',
  'WORKFLOW_NODE_COMPLETED',
  'WORKFLOW_RUN_COMPLETED',
];

/** The entry of the run's event at `position`, for an endpoint that takes every type. */
function event(position: number, runId: string | null = 'run_1', since = clock.nowMs): LaneEntry {
  const order = { candidateProfileId: 'cp_1', runId, earlier: RUN_EVENTS.slice(0, position) };
  return laneEntryOf(`d${position}:${runId}`, order, () => true, since);
}

/** Enters each entry in turn; returns the state and which went at once. */
function enterAll(entries: LaneEntry[], state: LaneState = EMPTY_LANE): { state: LaneState; went: string[] } {
  const went: string[] = [];
  for (const entry of entries) {
    const entered = enterLane(state, entry, clock);
    state = entered.state;
    if (entered.go) went.push(entry.deliveryId);
  }
  return { state, went };
}

describe('candidate lanes', () => {
  it('place an event after the latest earlier event of its run the endpoint takes', () => {
    const order = { candidateProfileId: 'cp_1', runId: 'run_1', earlier: RUN_EVENTS.slice(0, 4) };
    expect(laneEntryOf('d', order, () => true, 5)).toEqual({
      deliveryId: 'd',
      runId: 'run_1',
      position: 4,
      after: 3,
      since: 5,
    });
    // An endpoint taking only run starts and ends: the terminal event waits for the start.
    const startsAndEnds = (type: string) => type === 'WORKFLOW_RUN_STARTED' || type === 'WORKFLOW_RUN_COMPLETED';
    expect(laneEntryOf('d', order, startsAndEnds, 5).after).toBe(1);
    // One taking nothing earlier: nothing to wait for.
    expect(laneEntryOf('d', order, (type) => type === 'WORKFLOW_RUN_COMPLETED', 5).after).toBeNull();
  });

  it('send a run’s events in their order whatever order they came in, one at a time', () => {
    const { state, went } = enterAll([event(2), event(1), event(0)]);
    expect(went).toEqual(['d0:run_1']);
    const first = finishTurn(state, event(0), clock);
    expect(first.next?.deliveryId).toBe('d1:run_1');
    const second = finishTurn(first.state, event(1), clock);
    expect(second.next?.deliveryId).toBe('d2:run_1');
    const third = finishTurn(second.state, event(2), clock);
    expect(third.next).toBeNull();
    expect(third.state).toMatchObject({ inFlight: null, waiting: [] });
  });

  it('hold a ready delivery while another of the candidate is in flight, then send it', () => {
    const { state, went } = enterAll([event(0, 'run_a'), event(0, 'run_b'), event(1, null)]);
    expect(went).toEqual(['d0:run_a']);
    const next = finishTurn(state, event(0, 'run_a'), clock);
    expect(next.next?.deliveryId).toBe('d0:run_b');
    expect(finishTurn(next.state, event(0, 'run_b'), clock).next?.deliveryId).toBe('d1:null');
  });

  it('treat a repeated arrival or a repeated finish as nothing new', () => {
    const { state } = enterAll([event(0), event(1)]);
    expect(enterLane(state, event(0), clock)).toEqual({ state, go: true, started: null });
    expect(enterLane(state, event(1), clock)).toEqual({ state, go: false, started: null });
    const finished = finishTurn(state, event(0), clock);
    expect(finishTurn(finished.state, event(0), clock)).toMatchObject({
      state: finished.state,
      next: null,
      changed: false,
    });
  });

  it('remember when a turn was handed on, so a repeated finish can queue a turn the first one never did', () => {
    const { state } = enterAll([event(1), event(0)]);
    // The first delivery took its turn itself (it went at once): nothing was handed to it.
    expect(state).toMatchObject({ inFlight: 'd0:run_1', handedOnAt: null });
    const later = { ...clock, nowMs: clock.nowMs + 5 };
    const finished = finishTurn(state, event(0), later);
    expect(finished.state).toMatchObject({ inFlight: 'd1:run_1', handedOnAt: later.nowMs });
    // The finish again (its first run may have stopped before queuing d1): the turn it handed on.
    expect(finishTurn(finished.state, event(0), clock).current).toEqual({ deliveryId: 'd1:run_1', since: later.nowMs });
    // Not for a delivery still waiting, nor for one in flight that took its turn itself.
    const waitingFinish = finishTurn(enterAll([event(0), event(2)]).state, event(2), clock);
    expect(waitingFinish).toMatchObject({ changed: false, current: null });
    const claimed = claimTurn(
      { inFlight: null, handedOnAt: null, waiting: [event(0, 'run_b')], done: {} },
      'd0:run_b',
      clock,
    );
    expect(finishTurn(claimed.state, event(0, 'run_z'), clock).current).toBeNull();
  });

  it('wait for a missing predecessor only so long', () => {
    const late = event(3, 'run_1', clock.nowMs - clock.gapWaitMs + 1000);
    const { state, went } = enterAll([late]);
    expect(went).toEqual([]);
    // Found due in the queue once the wait is over: it goes.
    const later = { ...clock, nowMs: clock.nowMs + 1000 };
    expect(claimTurn(state, late.deliveryId, clock).go).toBe(false);
    expect(claimTurn(state, late.deliveryId, later)).toMatchObject({ go: true, state: { inFlight: late.deliveryId } });
  });

  it('let a queued delivery claim an idle lane only when it is the first ready one', () => {
    const waiting: LaneState = {
      inFlight: null,
      handedOnAt: null,
      waiting: [event(1, 'run_a'), event(0, 'run_b')],
      done: {},
    };
    expect(claimTurn(waiting, 'd1:run_a', clock).go).toBe(false);
    expect(claimTurn(waiting, 'd0:run_b', clock)).toMatchObject({ go: true, state: { inFlight: 'd0:run_b' } });
    const busy: LaneState = { ...waiting, inFlight: 'd9:run_c' };
    expect(claimTurn(busy, 'd0:run_b', clock).go).toBe(false);
  });

  it('start a ready delivery left waiting in an idle lane before a newcomer', () => {
    const idle: LaneState = {
      inFlight: null,
      handedOnAt: null,
      waiting: [event(0, 'run_a')],
      done: {},
    };
    const entered = enterLane(idle, event(0, 'run_b'), clock);
    expect(entered).toMatchObject({ go: false, started: { deliveryId: 'd0:run_a' } });
    expect(entered.state.waiting.map((entry) => entry.deliveryId)).toEqual(['d0:run_b']);
  });

  it('forget runs finished long ago', () => {
    const state: LaneState = {
      inFlight: 'd0:run_new',
      handedOnAt: null,
      waiting: [],
      done: { run_old: [4, clock.nowMs - DONE_RUN_KEPT_MS - 1], run_recent: [2, clock.nowMs - 1000] },
    };
    expect(Object.keys(finishTurn(state, event(0, 'run_new'), clock).state.done).sort()).toEqual([
      'run_new',
      'run_recent',
    ]);
  });
});
