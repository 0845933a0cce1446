import { IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

/**
 * Cancel one run (`runId`) or every active run of a workflow (`workflowId`, sent when the
 * workflow is archived). Consumed by workflow-processor, which emits WORKFLOW_RUN_CANCELLED.
 */
export class RunsCancelCommand {
  static readonly type = 'runs.cancel';
  static readonly schemaVersion = 1;

  @ValidateIf((command: RunsCancelCommand) => command.workflowId === undefined)
  @IsString()
  @MinLength(1)
  runId?: string;

  @ValidateIf((command: RunsCancelCommand) => command.runId === undefined)
  @IsString()
  @MinLength(1)
  workflowId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
