import { Webhook } from 'standardwebhooks';
import type { ReceivedRequest } from './http-receiver';

/** The public envelope as a receiver parses it. */
export interface ReceivedWebhook {
  event: string;
  eventId: string;
  eventTimestamp: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Verifies a received delivery with the independent Standard Webhooks library from npm (not our
 * own signing code), the way a customer's receiver would; throws when it does not verify.
 */
export function verifiedWebhook(request: ReceivedRequest, secret: string): ReceivedWebhook {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as ReceivedWebhook;
}

export function parsedWebhook(request: ReceivedRequest): ReceivedWebhook {
  return JSON.parse(request.body) as ReceivedWebhook;
}
