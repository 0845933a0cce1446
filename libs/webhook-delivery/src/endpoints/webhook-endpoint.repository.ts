import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { WebhookEndpoint } from './webhook-endpoint.schema';

/** The organizations' webhook endpoints and call-results senders; every query names the organization. */
@Injectable()
export class WebhookEndpointRepository extends TenantRepository<WebhookEndpoint> {
  constructor(@InjectModel(WebhookEndpoint.name) model: Model<WebhookEndpoint>) {
    super(model);
  }
}
