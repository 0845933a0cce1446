import { IsObject } from 'class-validator';
import { WorkflowVersionRef } from './workflow-version-ref';

/**
 * A workflow version was published: workflow-processor stores its own immutable copy of the graph,
 * so runs can be pinned to it and executed without reading the gateway's database.
 */
export class VersionsRegisterCommand extends WorkflowVersionRef {
  static readonly type = 'versions.register';
  static readonly schemaVersion = 1;

  /** The published definition (DESIGN.md section 5), validated by the gateway before publishing. */
  @IsObject()
  definition!: Record<string, unknown>;
}
