import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { WebhookDelivery } from './webhook-delivery.schema';

/** The organizations' delivery log (one record per event and endpoint); every query names the organization. */
@Injectable()
export class WebhookDeliveryRepository extends TenantRepository<WebhookDelivery> {
  constructor(@InjectModel(WebhookDelivery.name) model: Model<WebhookDelivery>) {
    super(model);
  }
}
