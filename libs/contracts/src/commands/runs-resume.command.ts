import { IsString, MinLength } from 'class-validator';

/**
 * Continue a run from where it stands (consumed by workflow-processor). Sent by the processor
 * itself after a conversation outcome, so the rest of the run continues durably from the queue.
 */
export class RunsResumeCommand {
  static readonly type = 'runs.resume';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  runId!: string;
}
