/**
 * Per-endpoint rate limits across instances, as pure arithmetic. Time is cut into one-second
 * windows; an endpoint limited to L deliveries a second has L send slots in each, slot i of window
 * W at W + i/L seconds. Instances take slots from a shared counter per endpoint (one atomic
 * increment takes a batch), so no slot is given twice and no window has more than L; each instance
 * sends at its slots' times, so the sends of all instances together are spaced 1/L apart.
 */

export const WINDOW_MS = 1000;

/** The window a time falls in (its number: seconds since the epoch). */
export function windowOf(timeMs: number): number {
  return Math.floor(timeMs / WINDOW_MS);
}

/** When slot `index` of `window` may be used, for an endpoint limited to `limit` a second. */
export function slotTime(window: number, index: number, limit: number): number {
  return window * WINDOW_MS + Math.floor((index * WINDOW_MS) / limit);
}

/**
 * The send times of the slots an increment granted: the counter went from `takenBefore` to
 * `takenBefore + requested`, and only indices below `limit` exist. Slots whose window is already
 * over when they are granted are dropped (they cannot be used without sending in the next window).
 */
export function grantedSlots(
  window: number,
  takenBefore: number,
  requested: number,
  limit: number,
  nowMs: number,
): number[] {
  const times: number[] = [];
  const end = Math.min(takenBefore + requested, limit);
  if (nowMs >= (window + 1) * WINDOW_MS) return times;
  for (let index = Math.max(takenBefore, 0); index < end; index += 1) times.push(slotTime(window, index, limit));
  return times;
}

/** A slot handed out later than this after its time is late (the event loop was busy). */
export const LATE_AFTER_MS = 25;
/** A late slot is used only this far from its window's end: a request sent later may land in the next second. */
export const LATE_SLOT_MARGIN_MS = 100;

/**
 * Whether a slot may be used at `nowMs`: in its own window, and, when handed out late, well before
 * that window ends, so that the request is received within the second its slot belongs to. (A
 * slot not used is lost, which errs on the side of sending fewer.)
 */
export function usableAt(slotMs: number, nowMs: number): boolean {
  if (windowOf(slotMs) !== windowOf(nowMs) && nowMs >= slotMs) return false;
  if (nowMs - slotMs <= LATE_AFTER_MS) return true;
  return nowMs < (windowOf(slotMs) + 1) * WINDOW_MS - LATE_SLOT_MARGIN_MS;
}

/**
 * How many slots to take in one increment: enough for the deliveries waiting, at most a tenth of a
 * second's worth (slots taken and not used are lost to everyone, so batches stay small), at least one.
 */
export function batchSize(limit: number, waiting: number): number {
  return Math.max(1, Math.min(waiting, Math.ceil(limit / 10), limit));
}

/**
 * When a delivery put off by the limit should be looked at again: after the deliveries already
 * waiting ahead of it have had their slots, spread so that put-off deliveries do not all come back
 * in the same instant.
 */
export function retryAfterLimit(nowMs: number, limit: number, waitingAhead: number, random: number): number {
  const queueMs = (waitingAhead * WINDOW_MS) / limit;
  return nowMs + Math.max(WINDOW_MS, queueMs) + Math.floor(random * WINDOW_MS);
}
