import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface CatalogueExample {
  event: string;
  eventId: string;
  eventTimestamp: string;
  data: Record<string, unknown>;
}

/**
 * Test fixture: the example payloads of the normative event catalogue
 * (../shared/seeds/workflow-events.txt), parsed from its text and keyed by event name.
 */
export function catalogueExamples(): Map<string, CatalogueExample> {
  const workspaceRoot = path.resolve(__dirname, '../../../..');
  const text = readFileSync(path.join(workspaceRoot, '../shared/seeds/workflow-events.txt'), 'utf8');
  const examples = new Map<string, CatalogueExample>();
  for (let start = text.indexOf('{\n"event":'); start !== -1; start = text.indexOf('{\n"event":', start + 1)) {
    let depth = 0;
    for (let end = start; end < text.length; end += 1) {
      if (text[end] === '{') depth += 1;
      if (text[end] === '}') depth -= 1;
      if (depth === 0) {
        const example = JSON.parse(text.slice(start, end + 1)) as CatalogueExample;
        examples.set(example.event, example);
        break;
      }
    }
  }
  return examples;
}
