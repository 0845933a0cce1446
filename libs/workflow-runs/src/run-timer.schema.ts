import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The timer of a run waiting for a conversation outcome: fires EXECUTOR_TIMEOUT at `wakeAt`.
 * Timers live apart from the runs so the poller reads a collection that holds only the waits in
 * progress, never the history of runs. One per run (`_id` = run id); removed when the wait ends.
 */
@Schema({ collection: 'run_timers', versionKey: false })
export class RunTimer {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  wakeAt!: Date;

  /** Held by the instance firing the timer; the epoch when nobody holds it. */
  @Prop({ required: true })
  leaseUntil!: Date;
}

export const RunTimerSchema = SchemaFactory.createForClass(RunTimer);
RunTimerSchema.index({ wakeAt: 1 });

/**
 * Which run started a conversation (`_id` = conversation id), so an outcome callback, which names
 * only the conversation, finds its run by two reads by `_id` instead of a scan of the runs.
 */
@Schema({ collection: 'run_conversations', versionKey: false })
export class RunConversation {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  runId!: string;

  @Prop({ required: true })
  organizationId!: string;
}

export const RunConversationSchema = SchemaFactory.createForClass(RunConversation);
