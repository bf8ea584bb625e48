import { describe, expect, it } from 'vitest';
import { allEngines } from '../../core/engines';
import { registerAllEngines } from '../../engines';
import * as bundle from '../../workflows';

describe('the engine list', () => {
  it("puts every engine's workflows into the worker's bundle", async () => {
    registerAllEngines();
    const withWorkflows = allEngines().filter((engine) => engine.workflows);
    expect(withWorkflows.map((engine) => engine.name).sort()).toEqual(['scheduler_blobhub', 'workflow_blobhub']);
    for (const engine of withWorkflows) {
      const workflows = Object.entries(await import(engine.workflows!)).filter(([, value]) => typeof value === 'function');
      expect(workflows.length).toBeGreaterThan(0);
      for (const [name, workflow] of workflows) expect((bundle as Record<string, unknown>)[name], `${engine.name}: ${name}`).toBe(workflow);
    }
  });
});
