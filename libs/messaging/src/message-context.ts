import { BaseRpcContext } from '@nestjs/microservices';
import type { MessageEnvelope } from '@wfp/contracts';

export interface MessageDelivery {
  queue: string;
  /** 1 for the first delivery through the retry path, then 2, 3, ... */
  attempt: number;
  maxAttempts: number;
  /** Set by the broker when this delivery follows an unacknowledged one (e.g. a consumer crash). */
  redelivered: boolean;
  envelope: MessageEnvelope;
}

/** Second argument of every message handler: where the message came from and how often it was tried. */
export class MessageContext extends BaseRpcContext<[MessageDelivery]> {
  get delivery(): MessageDelivery {
    return this.args[0];
  }

  get attempt(): number {
    return this.delivery.attempt;
  }

  /** When true, a failure now dead-letters the message: handlers emit their terminal-failure events here. */
  get isFinalAttempt(): boolean {
    return this.delivery.attempt >= this.delivery.maxAttempts;
  }
}
