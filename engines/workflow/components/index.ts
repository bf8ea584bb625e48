/** The built-in component catalog of docs/spec.md §4. */
import { aiChat } from './ai-chat';
import { dataTransform } from './data-transform';
import { emailSend } from './email-send';
import { flowEmitEvent } from './emit-event';
import { flowBranch, flowDelay, flowEnd, flowForeach, flowJoin, flowStart, flowSubworkflow, flowWait } from './flow';
import { graphMutate, graphQueryComponent } from './graph';
import { httpRequest } from './http-request';
import { logicCode } from './logic-code';
import type { ComponentType } from './registry';
import { s3GetObject, s3PutObject } from './s3-object';
import { sessionReadObject, sessionWriteObject, threadPostItem } from './session';
import { sqlQuery } from './sql-query';
import { flowWaitForEvent } from './wait-for-event';

export { allComponentTypes, ComponentError } from './registry';
export type { ComponentType, ComponentRunResult, QueueState } from './registry';

/** The workflow engine's own component types; other engines add theirs in engines/index.ts. */
export const builtinComponents: ComponentType[] = [
  flowStart,
  flowEnd,
  flowBranch,
  flowJoin,
  flowDelay,
  flowWait,
  flowSubworkflow,
  flowForeach,
  flowWaitForEvent,
  flowEmitEvent,
  logicCode,
  httpRequest,
  emailSend,
  aiChat,
  sessionReadObject,
  sessionWriteObject,
  threadPostItem,
  graphMutate,
  graphQueryComponent,
  sqlQuery,
  s3GetObject,
  s3PutObject,
  dataTransform,
];
