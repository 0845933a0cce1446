import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { isPlainObject, NODE_TYPES, validateInputDeclarations, type NodeType } from '@wfp/workflow-graph';

/** Problems of an `inputs` map, each naming the input (`inputs.email: …`). */
export function inputDeclarationProblems(value: unknown): string[] {
  return validateInputDeclarations(value).map((problem) => `${problem.field}: ${problem.message}`);
}

function IsInputDeclarations() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isInputDeclarations',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => inputDeclarationProblems(value).length === 0,
        defaultMessage: (args?: ValidationArguments) => inputDeclarationProblems(args?.value).join('; '),
      },
    });
}

function IsTransitionMap() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTransitionMap',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          isPlainObject(value) && Object.values(value).every((target) => target === null || typeof target === 'string'),
        defaultMessage: () => 'transitions must map each routing event to a node id or null',
      },
    });
}

export class WorkflowNodeDto {
  @ApiProperty({ example: 'screen', maxLength: 64 })
  @IsString()
  @Length(1, 64)
  id!: string;

  @ApiProperty({ enum: NODE_TYPES })
  @IsIn(NODE_TYPES, { message: `type must be one of ${NODE_TYPES.join(', ')}` })
  type!: NodeType;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Per-type settings (DESIGN.md section 5)' })
  @IsObject()
  config!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { onComplete: 'check', onOptOut: null },
  })
  @IsOptional()
  @IsTransitionMap()
  transitions?: Record<string, string | null>;
}

/**
 * The shape a draft must have at once. A draft may still be an unfinished graph; the whole graph
 * (targets, reachability, per-type config) is validated when it is published.
 */
export class WorkflowDefinitionDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { conversationId: { type: 'string', required: true } },
  })
  @IsOptional()
  @IsInputDeclarations()
  inputs?: Record<string, { type: string; required?: boolean; description?: string }>;

  @ApiProperty({ example: 'screen' })
  @IsString()
  @Length(1, 64)
  startNodeId!: string;

  @ApiProperty({ type: [WorkflowNodeDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => WorkflowNodeDto)
  nodes!: WorkflowNodeDto[];
}
