import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { DoneRuns, LaneEntry } from './candidate-lanes';

/**
 * One candidate's lane at one endpoint that keeps candidates' events in order
 * (`_id` = `<endpointId>:<candidateProfileId>`): the delivery in flight, those waiting, and how far
 * each recent run's events have got. Read and written by `_id` only, each write conditional on the
 * version read, so two instances never both send a candidate's deliveries at once.
 */
@Schema({ collection: 'webhook_candidate_lanes', versionKey: false, minimize: false })
export class CandidateLane {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  endpointId!: string;

  @Prop({ type: String, default: null })
  inFlight!: string | null;

  /** When the one in flight was handed its turn (ms); null when it took it itself, or none is. */
  @Prop({ type: Number, default: null })
  handedOnAt!: number | null;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  waiting!: LaneEntry[];

  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  done!: DoneRuns;

  /** Optimistic concurrency: every write matches on it and increments it. */
  @Prop({ required: true })
  version!: number;
}

export const CandidateLaneSchema = SchemaFactory.createForClass(CandidateLane);
