/**
 * A handler cannot take the message now (its organization already has its share of work in
 * flight), and nothing was done. The transport moves it to the shortest retry delay queue without
 * spending its retry budget, so the messages behind it (other organizations') go first.
 */
export class DeferMessage extends Error {
  constructor(readonly reason: string) {
    super(`deferred: ${reason}`);
    this.name = 'DeferMessage';
  }
}
