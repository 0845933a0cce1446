import { IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { OptionalButNotNull } from './node-configs/config-validators';
import type { NodeType } from './node-types';

export const INPUT_TYPES = ['string', 'number', 'boolean', 'object', 'array'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface InputDeclaration {
  type: InputType;
  required?: boolean;
  description?: string;
}

export interface WorkflowNode {
  id: string;
  type: NodeType;
  label?: string;
  /** Shape depends on `type`: see NodeConfigByType. */
  config: Record<string, unknown>;
  /** Transition key (TRANSITION_KEYS) to the next node id; null ends the run normally. */
  transitions?: Record<string, string | null>;
}

/** The `definition` field of a workflow (DESIGN.md section 5). */
export interface WorkflowDefinition {
  inputs?: Record<string, InputDeclaration>;
  startNodeId: string;
  nodes: WorkflowNode[];
}

export const MAX_NODE_LABEL_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 1000;

export class InputDeclarationDto implements InputDeclaration {
  @IsIn(INPUT_TYPES)
  type!: InputType;

  @OptionalButNotNull()
  @IsBoolean()
  required?: boolean;

  @OptionalButNotNull()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;
}
