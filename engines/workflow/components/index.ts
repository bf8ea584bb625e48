/** The built-in component catalog of docs/spec.md §4. */
import { aiChat } from './ai-chat';
import { emailSend } from './email-send';
import { flowEmitEvent } from './emit-event';
import { flowBranch, flowDelay, flowEnd, flowJoin, flowStart, flowSubworkflow, flowWait } from './flow';
import { graphMutate, graphQueryComponent } from './graph';
import { httpRequest } from './http-request';
import { logicCode } from './logic-code';
import type { ComponentType } from './registry';
import { flowWaitForEvent } from './wait-for-event';
import { sessionReadObject, sessionWriteObject, threadPostItem } from './session';

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
];
