/**
 * The component catalog as the editor sees it (`list_component_types`): per type its ports,
 * where it runs, a description and its config as JSON Schema, all read from the registry so that
 * a client never keeps a copy of its own.
 */
import { z } from 'zod';
import { CONTROL_INPUT, CONTROL_OUTPUT } from '../model';
import { allComponentTypes, type ComponentType, type PortList } from './registry';

/** A type's port list, or `depends_on_config` when its config names the ports (e.g. flow.branch's input). */
export type CatalogPorts = PortList | 'depends_on_config';

export interface CatalogEntry {
  type: string;
  category: string;
  description: string;
  runs_in: ComponentType['runsIn'];
  /** the control ports: `flow_input` unless the type is entered only by the execution itself */
  control_input: string | null;
  control_output: string | null;
  /** routes it can take; every type may also connect `failure` (taken when its run throws) */
  routes: CatalogPorts;
  data_inputs: CatalogPorts;
  /** every type also has the data output `error` on its failure route */
  data_outputs: CatalogPorts;
  /** JSON Schema (draft 2020-12) of what `config` accepts, generated from the zod schema */
  config_schema: unknown;
}

/** Calls the port function with a config that notes every read: one that reads none is static. */
function portsOf(list: (config: unknown) => PortList): CatalogPorts {
  let readsConfig = false;
  const probe = new Proxy({}, { get: () => void (readsConfig = true) });
  try {
    const ports = list(probe);
    return readsConfig ? 'depends_on_config' : ports;
  } catch {
    return 'depends_on_config';
  }
}

export function catalogEntry(type: ComponentType): CatalogEntry {
  const routes = portsOf((c) => type.routes(c));
  return {
    type: type.type,
    category: type.category,
    description: type.description,
    runs_in: type.runsIn,
    control_input: type.type === 'flow.start' ? null : CONTROL_INPUT,
    control_output: Array.isArray(routes) && routes.length === 0 ? null : CONTROL_OUTPUT,
    routes,
    data_inputs: portsOf((c) => type.inputs(c)),
    data_outputs: portsOf((c) => type.outputs(c)),
    // the shape a person writes (defaults make fields optional); refinements are checked by validate_definition
    config_schema: z.toJSONSchema(type.config, { io: 'input', unrepresentable: 'any' }),
  };
}

export const componentCatalog = (): CatalogEntry[] =>
  allComponentTypes()
    .map(catalogEntry)
    .sort((a, b) => a.type.localeCompare(b.type));
