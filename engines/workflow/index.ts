/** The workflow engine (`workflow_blobhub`, docs/spec.md §4): definitions, sessions, executions, events. */
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { sha256Hex } from '../../core/crypto';
import type { Engine } from '../../core/engines';
import { newId } from '../../core/ids';
import { definitions } from '../../db/schema';
import { definitionCommands, loadDefinitions } from './commands/definitions';
import { eventCommands } from './commands/events';
import { executionCommands } from './commands/executions';
import { graphCommands } from './commands/graphs';
import type { SubworkflowConfig } from './components/flow';
import { limitCommands } from './commands/limits';
import { sessionEventCommands } from './commands/session-events';
import { sessionFileCommands } from './commands/session-files';
import { sessionCommands } from './commands/sessions';
import { threadCommands } from './commands/threads';
import { triggerCommands } from './triggers/commands';
import { workflowHttpExtension } from './http';
import { configureSandbox } from './sandbox';
import { ALLOWED_MODULES } from './sandbox/python/prelude';
import { startExecutionReconciler } from './reconcile';
import { createWorkflowActivities } from './temporal/activities';
import { compileDefinition, type DefinitionError } from './validate';

export const workflowCommands = {
  ...definitionCommands,
  ...sessionCommands,
  ...executionCommands,
  ...eventCommands,
  ...threadCommands,
  ...graphCommands,
  ...sessionEventCommands,
  ...sessionFileCommands,
  ...triggerCommands,
  ...limitCommands,
};

export const workflowEngine: Engine<typeof workflowCommands> = {
  name: 'workflow_blobhub',
  blobType: 'workflow',
  commands: workflowCommands,
  httpRoutes: workflowHttpExtension,
  // blobhub-cli's allowlist: the modules Python code may import (JavaScript code imports none)
  limits: [{ id: 'workflow.code_imports', value: ALLOWED_MODULES, description: 'modules a Python code component may import' }],
  workflows: fileURLToPath(new URL('./temporal/workflows.ts', import.meta.url)),
  // the worker asks for the activities once per worker: the code components' sandbox pool is sized then
  activities(app) {
    configureSandbox(app.config);
    return createWorkflowActivities(app);
  },

  /** Keeps every execution row in line with how its Temporal workflow ended, and finishes cancels (reconcile.ts). */
  async start(app) {
    return startExecutionReconciler(app);
  },

  async validateForCommit(_app, tx, revision) {
    const rows = await loadDefinitions(tx, revision.id);
    const aliases = new Set(rows.map((r) => r.alias));
    return rows.flatMap((row) => {
      const compiled = compileDefinition(row.definition);
      const errors: DefinitionError[] = compiled.valid ? [] : [...compiled.errors];
      if (compiled.valid) {
        for (const c of Object.values(compiled.plan.components)) {
          // a definition of another blob is looked up when the component runs, under its starter's access
          const runsChild = (c.type === 'flow.subworkflow' || c.type === 'flow.foreach') && !(c.config as SubworkflowConfig).blob;
          const child = runsChild ? (c.config as SubworkflowConfig).alias : null;
          if (child && !aliases.has(child))
            errors.push({ component_id: c.id, message: `${c.type} ${c.id} runs definition ${child}, which is not in this revision` });
        }
      }
      return errors.map((e) => ({ ...e, definition_alias: row.alias, message: `${row.alias}: ${e.message}` }));
    });
  },

  async copyContent(tx, from, to) {
    const rows = await loadDefinitions(tx, from.id);
    if (rows.length === 0) return;
    await tx.insert(definitions).values(rows.map((r) => ({ ...r, id: newId('definition'), revisionId: to.id })));
  },

  async contentHash(tx, revision) {
    const rows = await tx.select({ alias: definitions.alias, hash: definitions.contentHash }).from(definitions).where(eq(definitions.revisionId, revision.id));
    return sha256Hex(
      rows
        .map((r) => `${r.alias}\u0000${r.hash}`)
        .sort()
        .join('\n'),
    );
  },
};
