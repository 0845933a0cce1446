import type { MessageEnvelope } from '@wfp/contracts';
import { type PublishTarget } from '@wfp/messaging';

/**
 * A message waiting to be published, stored inside the document whose change caused it, so the
 * change and its messages are written in one atomic single-document update (DESIGN.md section 3).
 * `body` is the serialized envelope: re-publishing after a crash sends the same bytes and the same
 * id, and the exact value lets `$pullAll` remove it (FerretDB v1 has no conditional `$pull`).
 *
 * `cause` names the operation that wrote the entry (the id of the message being handled, or a
 * stable key such as `timer:<runId>:<visit>`): when that operation is repeated, because its
 * message came again after a crash, it publishes its own stored entries again.
 */
export interface OutboxEntry {
  id: string;
  kind: PublishTarget;
  body: string;
  cause?: string;
  /** When the entry was written; entries of other operations are carried at most OUTBOX_CARRY_MS. */
  at?: Date;
}

export function toOutboxEntry(kind: PublishTarget, envelope: MessageEnvelope, cause?: string): OutboxEntry {
  const entry: OutboxEntry = { id: envelope.id, kind, body: JSON.stringify(envelope) };
  return cause === undefined ? entry : { ...entry, cause, at: new Date() };
}

/** Fields a document needs to carry an outbox; `updatedAt` lets the sweeper skip fresh writes. */
export interface OutboxDocument {
  _id: string;
  outbox: OutboxEntry[];
  updatedAt: Date;
}

/**
 * How long a document keeps another operation's entries that this process has not seen published.
 * Their own operation publishes them, or publishes them again when its message comes back, long
 * before this; the entries are then only kept in case, not needed.
 */
export const OUTBOX_CARRY_MS = 60 * 60 * 1000;

/**
 * The outbox a document's next write stores: the entries it adds, after the stored entries that
 * may still be unpublished. Entries this process published (known by id) are dropped, which is how
 * a document's outbox is emptied without a write of its own. Entries of another operation that this
 * process did not publish are kept (that operation may not have published them yet, and repeats
 * itself when its message comes again) until they are older than OUTBOX_CARRY_MS.
 */
export function carriedOutbox(
  stored: readonly OutboxEntry[] | undefined,
  added: readonly OutboxEntry[],
  isPublished: (entryId: string) => boolean,
  now: Date = new Date(),
): OutboxEntry[] {
  const kept = (stored ?? []).filter(
    (entry) =>
      !isPublished(entry.id) &&
      (entry.at === undefined || now.getTime() - new Date(entry.at).getTime() < OUTBOX_CARRY_MS),
  );
  return [...kept, ...added];
}

/** The stored entries an operation wrote itself: what it publishes again when it is repeated. */
export function ownEntries(stored: readonly OutboxEntry[] | undefined, cause: string): OutboxEntry[] {
  return (stored ?? []).filter((entry) => entry.cause === cause);
}
