import { IsInt, IsString, Min, MinLength, ValidateIf } from 'class-validator';

/** The published workflow version a command is about: the fields every such command carries. */
export abstract class WorkflowVersionRef {
  @IsString()
  @MinLength(1)
  workflowId!: string;

  @IsString()
  @MinLength(1)
  workflowVersionId!: string;

  @IsInt()
  @Min(1)
  versionNumber!: number;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  workflowExternalId!: string | null;
}
