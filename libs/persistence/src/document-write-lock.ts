import { Injectable } from '@nestjs/common';

/**
 * Serializes this process's writes to one document. MongoDB applies each single-document update
 * atomically, but FerretDB v1 (the embedded store) runs an update as a read followed by a write:
 * two concurrent updates of one document can lose one of them, and two version-guarded updates
 * can both "win". Every write path that can race on a document (a run step, its outbox removal,
 * a cancellation) goes through here, so within one instance they never overlap.
 */
@Injectable()
export class DocumentWriteLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(collection: string, id: string, write: () => Promise<T>): Promise<T> {
    const key = `${collection}:${id}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(write, write);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
