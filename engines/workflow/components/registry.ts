/**
 * The component catalog: per type its config schema, ports, routes, where it runs, and (for
 * activity components) its implementation. Every engine's component types (e.g. the ONNX engine's
 * `ml.onnx`) are registered here with the engines (engines/index.ts).
 */
import type { z } from 'zod';
import type { App } from '../../../core/app';
import type { ValueObject } from '../model';
import type { ComponentRequest, RunsIn } from '../plan';

/** `any`: the component accepts any port or route name (e.g. logic.code). */
export type PortList = string[] | 'any';

export interface ComponentOutput {
  value: ValueObject;
  persist?: boolean;
}

export interface ComponentRunResult {
  route: string;
  terminal?: boolean;
  outputs?: Record<string, ComponentOutput>;
  /** lines posted as processor.output events */
  logs?: string[];
  /** session objects to write (after processor.entered is recorded, so events stay in order) */
  sessionWrites?: Record<string, unknown>;
}

export interface ComponentRunContext<C> {
  app: App;
  request: ComponentRequest;
  config: C;
  /** resolved input values by port */
  inputs: Record<string, ValueObject>;
  attempt: number;
  /** aborted when the execution is cancelled (or the worker loses the activity): stop the work at once */
  signal: AbortSignal;
  /** for components that wait for a shared resource (the sandbox pool) before they run */
  queue: QueueState;
}

/** Makes a wait visible: the execution shows `queued` (and a processor.queued event) until started(). */
export interface QueueState {
  queued(reason: string): Promise<void>;
  started(): Promise<void>;
}

export interface ComponentType<C = unknown> {
  type: string;
  category: string;
  /** one sentence for the editor's catalog */
  description: string;
  config: z.ZodType<C>;
  runsIn: RunsIn;
  routes(config: C): PortList;
  inputs(config: C): PortList;
  outputs(config: C): PortList;
  /** run() records events itself, so processor.entered must be stored before it starts */
  emitsEvents?: boolean;
  /** required for activity components; workflow components are interpreted by the workflow */
  run?(ctx: ComponentRunContext<C>): Promise<ComponentRunResult>;
}

const catalog = new Map<string, ComponentType>();

export function registerComponent<C>(component: ComponentType<C>): void {
  catalog.set(component.type, component);
}

export function findComponentType(type: string): ComponentType | undefined {
  return catalog.get(type);
}

export function allComponentTypes(): ComponentType[] {
  return [...catalog.values()];
}

/** User-facing errors of a component (bad response, bad input): retried only if the component asks. */
export class ComponentError extends Error {
  constructor(
    message: string,
    readonly kind: string = 'error',
    /** what the component logged before it failed */
    readonly logs: string[] = [],
    /** the far side asked to wait this long before the next attempt (HTTP Retry-After) */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ComponentError';
  }
}
