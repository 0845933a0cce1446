import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const workspaceRoot = path.resolve(__dirname, '../..');

export interface SourceFile {
  /** Relative to the workspace root. */
  file: string;
  text: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [full] : [];
  });
}

/** Every TypeScript file of libs/ and apps/ that is not a test, with its text (for checks that scan the code). */
export function workspaceSources(): SourceFile[] {
  return ['libs', 'apps']
    .flatMap((top) => sourceFiles(path.join(workspaceRoot, top)))
    .map((file) => ({ file: path.relative(workspaceRoot, file), text: readFileSync(file, 'utf8') }));
}
