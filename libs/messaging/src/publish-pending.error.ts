/**
 * A handler stored its state change but the broker has not confirmed the messages it causes (the
 * broker is unreachable, or nothing is bound for them yet). The change is kept; the message is
 * tried again, at the longest retry delay and without spending its retry budget, and the repeat
 * publishes what was stored. It never dead-letters: nothing about the message itself is wrong.
 */
export class PublishPendingError extends Error {
  constructor(cause: unknown) {
    super(`stored, but its messages are not published yet: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'PublishPendingError';
  }
}
