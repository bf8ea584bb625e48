/** The pages each blob type adds to its blob page. */
import { lazy, Suspense } from 'react';
import type { RouteObject } from 'react-router';
import { fullScreenPage } from '../../ui/full-screen';
import type { Tab } from '../../ui/tabs';
import { OnnxModelPage } from '../onnx/model';
import { SchedulesPage } from '../scheduler/schedules';
import { ExecutionPage } from '../workflow/execution';
import { ExecutionsPage } from '../workflow/executions';
import { TriggersPage } from '../workflow/triggers';
import type { Blob } from './context';

/** The editor (React Flow, CodeMirror) is loaded when it is first opened, not with the app. */
const EditorPage = lazy(() => import('../workflow/editor/editor').then((m) => ({ default: m.EditorPage })));

const typeTabs: Record<Blob['type'], Tab[]> = {
  workflow: [
    { to: 'editor', label: 'Editor' },
    { to: 'executions', label: 'Executions' },
    { to: 'triggers', label: 'Triggers' },
  ],
  scheduler: [{ to: 'schedules', label: 'Schedules' }],
  onnx: [{ to: 'model', label: 'Model' }],
};

export const tabsOfBlobType = (type: Blob['type']) => typeTabs[type];

/** Children of /orgs/:org/blobs/:blob */
export const blobTypeRoutes: RouteObject[] = [
  {
    path: 'editor',
    handle: fullScreenPage,
    element: (
      <Suspense fallback={<p className="text-sm text-slate-500">Loading the editor…</p>}>
        <EditorPage />
      </Suspense>
    ),
  },
  { path: 'executions', element: <ExecutionsPage /> },
  { path: 'revisions/:revision/executions/:execution', element: <ExecutionPage /> },
  { path: 'triggers', element: <TriggersPage /> },
  { path: 'schedules', element: <SchedulesPage /> },
  { path: 'model', element: <OnnxModelPage /> },
];
