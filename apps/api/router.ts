import { onnxEngine } from '../../engines/onnx';
import { schedulerEngine } from '../../engines/scheduler';
import { workflowEngine } from '../../engines/workflow';
import { apiKeysRouter } from './routers/api-keys';
import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { blobByNameRouter, blobsRouter } from './routers/blobs';
import { credentialsRouter } from './routers/credentials';
import { dataRouter } from './routers/data';
import { engineRouter } from './routers/engines';
import { invitationsRouter } from './routers/invitations';
import { membersRouter } from './routers/members';
import { metadataRouter } from './routers/metadata';
import { operationsRouter } from './routers/operations';
import { orgsRouter } from './routers/orgs';
import { revisionsRouter } from './routers/revisions';
import { usersRouter } from './routers/users';
import { router } from './trpc';

/**
 * One router per area, merged here, and one per engine under the engine's name (its data commands
 * as typed procedures; REST reaches them through `data`). REST paths are matched in this order,
 * first match wins: keep routes with catch-all path parameters (blobByName) last.
 */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  orgs: orgsRouter,
  blobs: blobsRouter,
  revisions: revisionsRouter,
  data: dataRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  apiKeys: apiKeysRouter,
  credentials: credentialsRouter,
  metadata: metadataRouter,
  operations: operationsRouter,
  audit: auditRouter,
  blobByName: blobByNameRouter,
  workflow_blobhub: engineRouter(workflowEngine),
  scheduler_blobhub: engineRouter(schedulerEngine),
  onnx_blobhub: engineRouter(onnxEngine),
});

export type AppRouter = typeof appRouter;
