import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { IsNullable } from '../message-schema';

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

  @IsNullable()
  @IsString()
  workflowExternalId!: string | null;
}
