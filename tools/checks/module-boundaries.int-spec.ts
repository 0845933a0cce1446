import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The Nx module-boundary rules, exercised on probe files that are linted in memory (never
 * written): apps cannot import apps, a service cannot use another service's feature libs,
 * and lower layers cannot reach up.
 */
const root = path.resolve(__dirname, '../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Runs the real ESLint CLI (its config is ESM, which Jest's module sandbox cannot load). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const running = promisify(execFile)(
    process.execPath,
    [eslintBin, '--stdin', '--stdin-filename', path.join(root, file), '--format', 'json'],
    { cwd: root, env: { ...process.env, NX_DAEMON: 'false' } },
  );
  running.child.stdin?.end(code);
  // ESLint exits 1 when it reports errors; its JSON report is on stdout either way.
  const { stdout } = await running.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }));
  const [result] = JSON.parse(stdout) as Array<{ messages: LintMessage[] }>;
  return result.messages
    .filter((message) => message.ruleId === '@nx/enforce-module-boundaries')
    .map((message) => message.message);
}

describe('Nx module boundaries', () => {
  it('stop an app from importing another app', async () => {
    const errors = await boundaryErrors(
      'apps/workflow-api/src/boundary-probe.ts',
      "import { bootstrap } from '../../workflow-processor/src/bootstrap';\nexport const probe = bootstrap;\n",
    );
    expect(errors).toEqual([expect.stringContaining('cannot be imported by a relative or absolute path')]);
  });

  it("stop a service from using another service's feature lib", async () => {
    const errors = await boundaryErrors(
      'apps/workflow-api/src/boundary-probe.ts',
      "import { RunStarterService } from '@wfp/workflow-runs';\nexport const probe = RunStarterService;\n",
    );
    expect(errors).toEqual([
      'A project tagged with "scope:workflow-api" can only depend on libs tagged with "scope:workflow-api", "scope:shared"',
    ]);
  });

  it('stop pure libs from depending on I/O libs', async () => {
    const errors = await boundaryErrors(
      'libs/workflow-graph/src/boundary-probe.ts',
      "import { MessagePublisherService } from '@wfp/messaging';\nexport const probe = MessagePublisherService;\n",
    );
    expect(errors).toEqual(['A project tagged with "type:util" can only depend on libs tagged with "type:util"']);
  });

  it('let an app use its own feature libs and the shared ones', async () => {
    const errors = await boundaryErrors(
      'apps/workflow-processor/src/boundary-probe.ts',
      "import { RunStarterService } from '@wfp/workflow-runs';\nimport { MessagePublisherService } from '@wfp/messaging';\nexport const probe = [RunStarterService, MessagePublisherService];\n",
    );
    expect(errors).toEqual([]);
  });
});
