import type { MessageEnvelope, PublishTarget } from '@wfp/contracts';

/**
 * A message waiting to be published, stored inside the document whose change caused it, so the
 * change and its messages are written in one atomic single-document update (DESIGN.md section 3).
 * `body` is the serialized envelope: re-publishing after a crash sends the same bytes and the same
 * id, and the exact value lets `$pullAll` remove it (FerretDB v1 has no conditional `$pull`).
 */
export interface OutboxEntry {
  id: string;
  kind: PublishTarget;
  body: string;
}

export function toOutboxEntry(kind: PublishTarget, envelope: MessageEnvelope): OutboxEntry {
  return { id: envelope.id, kind, body: JSON.stringify(envelope) };
}

/** Fields a document needs to carry an outbox; `updatedAt` lets the sweeper skip fresh writes. */
export interface OutboxDocument {
  _id: string;
  outbox: OutboxEntry[];
  updatedAt: Date;
}
