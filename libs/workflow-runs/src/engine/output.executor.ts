import { renderTemplate, type ConfiguredNodeOf, type RunScope } from '@wfp/workflow-graph';
import type { NodeResult } from './node-result';

/** Renders the output value; reaching it completes the run with that output (callable workflows). */
export function executeOutput(node: ConfiguredNodeOf<'output'>, scope: RunScope): NodeResult {
  const value = renderTemplate(node.config.value, scope) ?? null;
  return { type: 'routed', routingEvent: 'onComplete', outcome: { kind: 'empty' }, step: { value }, output: value };
}
