import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A workflow archived at the gateway. Remembered so that a run request accepted just before the
 * archive, whose `runs.start` arrives after the cancel, is cancelled on arrival too.
 */
@Schema({ collection: 'archived_workflows', versionKey: false })
export class ArchivedWorkflow {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  reason!: string;

  @Prop({ required: true })
  archivedAt!: Date;
}

export const ArchivedWorkflowSchema = SchemaFactory.createForClass(ArchivedWorkflow);
