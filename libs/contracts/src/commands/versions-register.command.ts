import { IsInt, IsObject, IsString, Min, MinLength, ValidateIf } from 'class-validator';

/**
 * A workflow version was published: workflow-processor stores its own immutable copy of the graph,
 * so runs can be pinned to it and executed without reading the gateway's database.
 */
export class VersionsRegisterCommand {
  static readonly type = 'versions.register';
  static readonly schemaVersion = 1;

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

  /** The published definition (DESIGN.md section 5), validated by the gateway before publishing. */
  @IsObject()
  definition!: Record<string, unknown>;
}
