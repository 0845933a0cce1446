import { type ServiceName } from './topology/service-queues';

export interface MessagingOptions {
  url: string;
  /** Prefix of every exchange and queue name. */
  namespace: string;
  queueType: 'classic' | 'quorum';
  prefetch: number;
  /** Deliveries of one message before it is dead-lettered (first try included). */
  maxAttempts: number;
  /** Delay before each retry; the last one repeats. */
  retryDelaysMs: number[];
  /** The service that owns this connection: it declares this service's queues. */
  service: ServiceName;
  /** How long a publish may wait for the broker's confirm before it fails. */
  publishTimeoutMs?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
