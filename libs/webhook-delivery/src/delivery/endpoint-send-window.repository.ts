import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { EndpointSendWindow } from './endpoint-send-window.schema';

/** Rate-limited endpoints' send counters; every query names the organization. */
@Injectable()
export class EndpointSendWindowRepository extends TenantRepository<EndpointSendWindow> {
  constructor(@InjectModel(EndpointSendWindow.name) model: Model<EndpointSendWindow>) {
    super(model);
  }
}
