/**
 * Every page of the app. A blob page's tabs depend on its type (pages/blob/tabs.tsx), which is
 * where the workflow editor, the scheduler and the ONNX pages plug in.
 */
import { createBrowserRouter } from 'react-router';
import { Shell } from './pages/shell';
import { HomePage } from './pages/home';
import { SignInPage } from './pages/sign-in';
import { SetupPage } from './pages/setup';
import { InvitePage } from './pages/invite';
import { OrgLayout } from './pages/org/layout';
import { OrgBlobs } from './pages/org/blobs';
import { OrgMembers } from './pages/org/members';
import { OrgApiKeys } from './pages/org/api-keys';
import { OrgCredentials } from './pages/org/credentials';
import { OrgSettings } from './pages/org/settings';
import { OrgAuditLog } from './pages/org/audit-log';
import { BlobLayout } from './pages/blob/layout';
import { BlobRevisions } from './pages/blob/revisions';
import { BlobMetadata } from './pages/blob/metadata';
import { blobTypeRoutes } from './pages/blob/tabs';
import { NotFound } from './pages/not-found';

export const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/signin', element: <SignInPage /> },
      { path: '/setup', element: <SetupPage /> },
      { path: '/invite/:token', element: <InvitePage /> },
      {
        path: '/orgs/:org',
        element: <OrgLayout />,
        children: [
          { index: true, element: <OrgBlobs /> },
          { path: 'members', element: <OrgMembers /> },
          { path: 'keys', element: <OrgApiKeys /> },
          { path: 'credentials', element: <OrgCredentials /> },
          { path: 'settings', element: <OrgSettings /> },
          { path: 'audit', element: <OrgAuditLog /> },
        ],
      },
      {
        path: '/orgs/:org/blobs/:blob',
        element: <BlobLayout />,
        children: [{ index: true, element: <BlobRevisions /> }, { path: 'metadata', element: <BlobMetadata /> }, ...blobTypeRoutes],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
