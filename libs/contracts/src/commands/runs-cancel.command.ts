import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { RequiredUnless } from '../message-schema';

/**
 * Cancel one run (`runId`) or every active run of a workflow (`workflowId`, sent when the
 * workflow is archived). Consumed by workflow-processor, which emits WORKFLOW_RUN_CANCELLED.
 */
export class RunsCancelCommand {
  static readonly type = 'runs.cancel';
  static readonly schemaVersion = 1;

  @RequiredUnless<RunsCancelCommand>('workflowId')
  @IsString()
  @MinLength(1)
  runId?: string;

  @RequiredUnless<RunsCancelCommand>('runId')
  @IsString()
  @MinLength(1)
  workflowId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
