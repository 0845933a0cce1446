import type { EventOrder } from '@wfp/contracts';

/**
 * Ordered delivery per candidate (`ordering: "candidate"`), as pure state changes. Each endpoint
 * has one lane per candidate: at most one of the candidate's deliveries is in flight to that
 * endpoint, and the next one goes only once it succeeded or was given up (dead-lettered). A
 * run's events come in a known order (EventOrder): a delivery is ready only once the delivery of
 * the run's latest earlier event that this endpoint takes is done, however the broker delivered
 * them. Events of different runs have no order between them; ready ones go in the order they came.
 *
 * An earlier event the endpoint would take may never reach it: the endpoint was made, or its
 * filter changed, after that event was handled. So a delivery waits for a missing predecessor at
 * most `gapWaitMs` (WEBHOOK_ORDER_GAP_WAIT_MS), longer than the broker's retries can hold an event
 * back; then it is ready anyway.
 */

/** A delivery in a lane: where its event stands in its run, as far as this endpoint sees it. */
export interface LaneEntry {
  deliveryId: string;
  /** The run whose events are ordered; null for an event of no run (ready at once). */
  runId: string | null;
  position: number;
  /** Position of the run's latest earlier event this endpoint takes; null: none, ready at once. */
  after: number | null;
  /** When it came to the lane (ms): it waits for a missing predecessor only so long. */
  since: number;
}

/** What readiness depends on besides the lane: the time, and how long a gap is waited for. */
export interface LaneClock {
  nowMs: number;
  gapWaitMs: number;
}

/** Done positions per run: [position, when] (old entries are dropped). */
export type DoneRuns = Record<string, [number, number]>;

export interface LaneState {
  inFlight: string | null;
  /**
   * When the one in flight was handed its turn by another delivery (ms), which queues it; null when
   * it took the turn itself (it was going at once). A turn handed on but never queued is found by it.
   */
  handedOnAt: number | null;
  /** Deliveries waiting for their turn, in the order they came. */
  waiting: LaneEntry[];
  done: DoneRuns;
}

/** A run's done position is kept this long after its last delivery (its later events came long since). */
export const DONE_RUN_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

export const EMPTY_LANE: LaneState = { inFlight: null, handedOnAt: null, waiting: [], done: {} };

export function laneIdOf(endpointId: string, candidateProfileId: string): string {
  return `${endpointId}:${candidateProfileId}`;
}

/**
 * The lane entry of an event for an endpoint that takes the types `takes` says it does: its
 * position in its run, and the position of the run's latest earlier event the endpoint takes.
 */
export function laneEntryOf(
  deliveryId: string,
  order: EventOrder,
  takes: (type: string) => boolean,
  nowMs: number,
): LaneEntry {
  let after: number | null = null;
  for (let index = order.earlier.length - 1; index >= 0; index -= 1) {
    if (takes(order.earlier[index])) {
      after = index;
      break;
    }
  }
  return { deliveryId, runId: order.runId, position: order.earlier.length, after, since: nowMs };
}

export function isReady(entry: LaneEntry, done: DoneRuns, clock: LaneClock): boolean {
  if (entry.after === null || entry.runId === null) return true;
  const finished = done[entry.runId];
  if (finished !== undefined && finished[0] >= entry.after) return true;
  return clock.nowMs - entry.since >= clock.gapWaitMs;
}

function firstReady(waiting: readonly LaneEntry[], done: DoneRuns, clock: LaneClock): LaneEntry | null {
  return waiting.find((entry) => isReady(entry, done, clock)) ?? null;
}

export interface Entered {
  state: LaneState;
  /** The new delivery goes now. */
  go: boolean;
  /**
   * Another delivery was made the one in flight (the lane was idle with a ready delivery waiting,
   * which came first): the caller queues it.
   */
  started: LaneEntry | null;
}

/** A delivery comes to its lane. Repeating it (a redelivered event) changes nothing. */
export function enterLane(state: LaneState, entry: LaneEntry, clock: LaneClock): Entered {
  if (state.inFlight === entry.deliveryId) return { state, go: true, started: null };
  if (state.waiting.some((waiting) => waiting.deliveryId === entry.deliveryId))
    return { state, go: false, started: null };
  if (state.inFlight === null) {
    const earlier = firstReady(state.waiting, state.done, clock);
    if (earlier) {
      const waiting = [...state.waiting.filter((waiting) => waiting !== earlier), entry];
      return {
        state: { ...state, inFlight: earlier.deliveryId, handedOnAt: clock.nowMs, waiting },
        go: false,
        started: earlier,
      };
    }
    if (isReady(entry, state.done, clock))
      return { state: { ...state, inFlight: entry.deliveryId, handedOnAt: null }, go: true, started: null };
  }
  return { state: { ...state, waiting: [...state.waiting, entry] }, go: false, started: null };
}

/**
 * Whether a delivery found due in the delivery queue may go: it is the one in flight, or the lane
 * is idle and it is the first ready one (it becomes the one in flight).
 */
export function claimTurn(state: LaneState, deliveryId: string, clock: LaneClock): { state: LaneState; go: boolean } {
  if (state.inFlight === deliveryId) return { state, go: true };
  if (state.inFlight !== null) return { state, go: false };
  const next = firstReady(state.waiting, state.done, clock);
  if (next?.deliveryId !== deliveryId) return { state, go: false };
  return {
    state: {
      ...state,
      inFlight: deliveryId,
      handedOnAt: null,
      waiting: state.waiting.filter((waiting) => waiting !== next),
    },
    go: true,
  };
}

/** A turn handed on: to which delivery, and when (a repeated finish makes sure it was queued). */
export interface Turn {
  deliveryId: string;
  since: number;
}

/**
 * The delivery in flight is done (succeeded or given up): its run's position moves on and the
 * first ready delivery becomes the one in flight (`next`, which the caller queues). A delivery
 * that is not the one in flight (its finish is being repeated) changes nothing; when it is not
 * waiting either, its finish was recorded, and the lane's current turn, if it was handed on, is
 * `current` (the caller queues it if that was never done: the finish that handed it on may have
 * stopped in between).
 */
export function finishTurn(
  state: LaneState,
  finished: LaneEntry,
  clock: LaneClock,
): { state: LaneState; next: LaneEntry | null; changed: boolean; current: Turn | null } {
  const { nowMs } = clock;
  if (state.inFlight !== finished.deliveryId) {
    const waits = state.waiting.some((entry) => entry.deliveryId === finished.deliveryId);
    const current =
      !waits && state.inFlight !== null && state.handedOnAt !== null
        ? { deliveryId: state.inFlight, since: state.handedOnAt }
        : null;
    return { state, next: null, changed: false, current };
  }
  const done: DoneRuns = {};
  for (const [runId, entry] of Object.entries(state.done)) if (nowMs - entry[1] < DONE_RUN_KEPT_MS) done[runId] = entry;
  if (finished.runId !== null)
    done[finished.runId] = [Math.max(finished.position, done[finished.runId]?.[0] ?? -1), nowMs];
  const next = firstReady(state.waiting, done, clock);
  const waiting = next ? state.waiting.filter((entry) => entry !== next) : state.waiting;
  return {
    state: { inFlight: next?.deliveryId ?? null, handedOnAt: next ? nowMs : null, waiting, done },
    next,
    changed: true,
    current: null,
  };
}
