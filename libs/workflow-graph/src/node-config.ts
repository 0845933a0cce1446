import { plainToInstance, type ClassConstructor, type TargetMap } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { conditionProblems } from './condition';
import { joinField, type FieldProblem } from './field-problem';
import { MAX_JSON_DEPTH, findJsonShapeProblem, isPlainObject } from './json-value';
import { ConditionBranchDto, ConditionConfigDto, type ConditionConfig } from './node-configs/condition-config';
import { IS_CONDITION } from './node-configs/config-validators';
import { OutputConfigDto, type OutputConfig } from './node-configs/output-config';
import { OutreachConfigDto, OutreachQuestionDto, type OutreachConfig } from './node-configs/outreach-config';
import { WebhookConfigDto, WebhookVariableMappingDto, type WebhookConfig } from './node-configs/webhook-config';
import type { NodeType } from './node-types';
import type { WorkflowNode } from './workflow-definition';

export interface NodeConfigByType {
  screeningOutreach: OutreachConfig;
  engagementOutreach: OutreachConfig;
  condition: ConditionConfig;
  webhook: WebhookConfig;
  output: OutputConfig;
}

/** A node whose config was checked against its type: its `config` is typed by `type`. */
export type ConfiguredNode = {
  [T in NodeType]: Omit<WorkflowNode, 'type' | 'config'> & { type: T; config: NodeConfigByType[T] };
}[NodeType];

/** The configured nodes of the given types. */
export type ConfiguredNodeOf<T extends NodeType> = Extract<ConfiguredNode, { type: T }>;

/**
 * The node typed by its config when the config is valid for its type, else null: the one place a
 * stored config becomes typed, so executors read it without casts.
 */
export function configuredNode(node: WorkflowNode): ConfiguredNode | null {
  return validateNodeConfig(node.type, node.config).length === 0 ? (node as unknown as ConfiguredNode) : null;
}

export const NODE_CONFIG_CLASSES: Record<NodeType, ClassConstructor<object>> = {
  screeningOutreach: OutreachConfigDto,
  engagementOutreach: OutreachConfigDto,
  condition: ConditionConfigDto,
  webhook: WebhookConfigDto,
  output: OutputConfigDto,
};

/**
 * Classes of nested arrays, given to class-transformer as targetMaps: @Type() would call
 * Reflect.getMetadata when this module loads, and this library must not need reflect-metadata.
 */
const NESTED_CLASSES: TargetMap[] = [
  { target: OutreachConfigDto, properties: { questions: OutreachQuestionDto } },
  { target: ConditionConfigDto, properties: { branches: ConditionBranchDto } },
  { target: WebhookConfigDto, properties: { setVariables: WebhookVariableMappingDto } },
];

/** The config fields whose strings are rendered as templates when the node runs. */
export const TEMPLATED_CONFIG_FIELDS: Record<NodeType, readonly string[]> = {
  screeningOutreach: [],
  engagementOutreach: [],
  condition: [],
  webhook: ['url', 'headers', 'body'],
  output: ['value'],
};

/**
 * Validates a node's config against its type. Fields are relative to the config
 * ('' is the config itself). Also the processor's check before running a node
 * (a problem there is INVALID_NODE_CONFIG).
 */
export function validateNodeConfig(type: NodeType, config: unknown): FieldProblem[] {
  return validateAgainst(NODE_CONFIG_CLASSES[type], config, 'config');
}

/**
 * Runs class-validator on a plain object with unknown fields forbidden. Hostile shapes
 * (too deep, `__proto__` keys) are refused before class-transformer walks them.
 */
export function validateAgainst(schema: ClassConstructor<object>, plain: unknown, label: string): FieldProblem[] {
  if (!isPlainObject(plain)) return [{ field: '', message: `${label} must be an object` }];
  const shapeProblem = findJsonShapeProblem(plain);
  if (shapeProblem === 'too-deep') {
    return [{ field: '', message: `${label} must not be nested more than ${MAX_JSON_DEPTH} levels deep` }];
  }
  if (shapeProblem === 'proto-key') return [{ field: '', message: `${label} must not contain a __proto__ key` }];
  const instance = plainToInstance(schema, plain, { targetMaps: NESTED_CLASSES });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return flatten(errors, '');
}

function flatten(errors: ValidationError[], parent: string): FieldProblem[] {
  return errors.flatMap((error) => {
    // Errors for array elements have the array as target and the index as property.
    const field = Array.isArray(error.target)
      ? joinField(parent, Number(error.property))
      : joinField(parent, error.property);
    // Decorators register bottom-up, so the last failed constraint is the top-most declared
    // one (the type check); one message per field avoids "null must be ≥ 60 and ≤ 2592000".
    const failed = Object.entries(error.constraints ?? {}).at(-1);
    const own: FieldProblem[] =
      failed === undefined
        ? []
        : failed[0] === IS_CONDITION
          ? conditionProblems(error.value, field)
          : [{ field, message: failed[1] }];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
