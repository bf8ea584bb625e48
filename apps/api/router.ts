import { apiKeysRouter } from './routers/api-keys';
import { authRouter } from './routers/auth';
import { blobByNameRouter, blobsRouter } from './routers/blobs';
import { credentialsRouter } from './routers/credentials';
import { dataRouter } from './routers/data';
import { membersRouter } from './routers/members';
import { metadataRouter } from './routers/metadata';
import { operationsRouter } from './routers/operations';
import { orgsRouter } from './routers/orgs';
import { revisionsRouter } from './routers/revisions';
import { usersRouter } from './routers/users';
import { router } from './trpc';

/**
 * One router per area, merged here. REST paths are matched in this order, first match wins:
 * keep routes with catch-all path parameters (blobByName) last.
 */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  orgs: orgsRouter,
  blobs: blobsRouter,
  revisions: revisionsRouter,
  data: dataRouter,
  members: membersRouter,
  apiKeys: apiKeysRouter,
  credentials: credentialsRouter,
  metadata: metadataRouter,
  operations: operationsRouter,
  blobByName: blobByNameRouter,
});

export type AppRouter = typeof appRouter;
