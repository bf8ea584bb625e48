/**
 * The pages each blob type adds to its blob page. The workflow editor and playground
 * (web app part 2) are added here.
 */
import type { RouteObject } from 'react-router';
import type { Tab } from '../../ui/tabs';
import { OnnxModelPage } from '../onnx/model';
import { SchedulesPage } from '../scheduler/schedules';
import { ExecutionPage } from '../workflow/execution';
import { ExecutionsPage } from '../workflow/executions';
import type { Blob } from './layout';

const typeTabs: Record<Blob['type'], Tab[]> = {
  workflow: [{ to: 'executions', label: 'Executions' }],
  scheduler: [{ to: 'schedules', label: 'Schedules' }],
  onnx: [{ to: 'model', label: 'Model' }],
};

export const tabsOfBlobType = (type: Blob['type']) => typeTabs[type];

/** Children of /orgs/:org/blobs/:blob */
export const blobTypeRoutes: RouteObject[] = [
  { path: 'executions', element: <ExecutionsPage /> },
  { path: 'revisions/:revision/executions/:execution', element: <ExecutionPage /> },
  { path: 'schedules', element: <SchedulesPage /> },
  { path: 'model', element: <OnnxModelPage /> },
];
