import { describe, expect, it } from 'vitest';
import { allEngines } from '../../core/engines';
import { registerAllEngines } from '../../engines';
import * as bundle from '../../workflows';

const workflowsOf = (module: Record<string, unknown>) => Object.fromEntries(Object.entries(module).filter(([, value]) => typeof value === 'function'));

describe('the engine list', () => {
  it("makes the worker's workflow bundle exactly the engines' workflows", async () => {
    registerAllEngines();
    const declared: Record<string, unknown> = {};
    for (const engine of allEngines()) {
      if (engine.workflows) Object.assign(declared, workflowsOf(await import(engine.workflows)));
    }
    expect(Object.keys(declared)).toEqual(expect.arrayContaining(['blobhubExecution', 'scheduleFireWorkflow']));
    // a workflow of an engine missing from the bundle never runs; one in the bundle that no engine declares is not the engine's
    expect(workflowsOf(bundle)).toEqual(declared);
  });
});
