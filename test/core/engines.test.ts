import { describe, expect, it } from 'vitest';
import { appRouter } from '../../apps/api/router';
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

describe("the engines' routers", () => {
  it("serve each engine's commands as procedures under the engine's name: queries for reads, mutations for changes", () => {
    registerAllEngines();
    const record = appRouter._def.record as Record<string, Record<string, { _def: { type: string } }> | undefined>;
    for (const engine of allEngines()) {
      const procedures = record[engine.name];
      expect(Object.keys(procedures ?? {}), engine.name).toEqual(Object.keys(engine.commands));
      for (const [name, command] of Object.entries(engine.commands)) {
        expect(procedures?.[name]?._def.type, `${engine.name}.${name}`).toBe(command.kind === 'query' ? 'query' : 'mutation');
      }
    }
  });
});
