/**
 * The engines' own types a client works with beyond command results (workflow definitions, the
 * component catalog's ports, validation errors, schedule settings), type-only: no server code is bundled.
 */
import type { overlapPolicies, ScheduleSpec } from '../engines/scheduler/model';

export type { CatalogPorts } from '../engines/workflow/components/catalog';
export type { Component, Connection, WorkflowDefinition } from '../engines/workflow/model';
export type { DefinitionError } from '../engines/workflow/validate';
export type OverlapPolicy = (typeof overlapPolicies)[number];
export type InvocationTarget = ScheduleSpec['invocation_target'];
