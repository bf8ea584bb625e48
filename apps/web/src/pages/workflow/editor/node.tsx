/**
 * One component on the canvas: its name and type, its ports as handles, its errors and its last
 * run; and how a connection between two is drawn.
 */
import { Handle, MarkerType, Position, type Node, type NodeProps } from '@xyflow/react';
import { runBadge, type ComponentRun } from '../components';
import { CONTROL_INPUT, FREE, inputHandle, outputHandle, routeHandle, type ComponentData, type ConnectionEdge, type NodePorts } from './graph';

/** A component an execution has not run: not yet (`waiting`), or it ended without it (`skipped`). */
export type NotRun = 'waiting' | 'skipped';

/** What the editor adds to a node's data for drawing it (never saved). */
export interface NodeView {
  ports: NodePorts;
  errors: string[];
  run?: ComponentRun;
  /** shown by the run view for a component without a run */
  notRun?: NotRun;
}

export type ViewNode = Node<ComponentData & NodeView, 'component'>;

const runLooks: Record<ComponentRun['state'], string> = {
  running: 'ring-4 ring-sky-300 animate-pulse',
  exited: 'ring-4 ring-emerald-300',
  error: 'ring-4 ring-red-400',
  cancelled: 'ring-4 ring-slate-300',
};

const notRunLooks: Record<NotRun, string> = { waiting: 'border-dashed', skipped: 'border-dotted' };

const runLabel = (run: ComponentRun) =>
  ({ running: 'running…', error: 'failed', cancelled: 'cancelled', exited: `done${run.route ? ` → ${run.route}` : ''}` })[run.state];

const controlHandle = '!size-3 !rounded-sm !border-slate-500 !bg-slate-700';
const dataHandle = '!size-3 !rounded-full !border-indigo-400 !bg-indigo-100';

function PortRow({ side, handleId, label, kind }: { side: 'in' | 'out'; handleId: string; label: string; kind: 'control' | 'data' }) {
  const free = label === FREE;
  return (
    <div
      className={`relative flex h-6 items-center px-3 text-xs ${side === 'out' ? 'justify-end' : ''} ${free ? 'text-slate-500' : kind === 'control' ? 'text-slate-700' : 'text-indigo-700'}`}
    >
      <Handle
        id={handleId}
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        className={kind === 'control' ? controlHandle : dataHandle}
        title={free ? `new ${side === 'in' ? 'input' : 'output'}: takes the name of the port it joins` : label}
      />
      {free ? (side === 'in' ? '+ input' : '+ output') : label}
    </div>
  );
}

export function ComponentNodeView({ data, selected }: NodeProps<ViewNode>) {
  const { component, ports, errors, run, notRun } = data;
  const look = run ? runLooks[run.state] : notRun ? notRunLooks[notRun] : '';
  const border = errors.length ? 'border-red-500' : selected ? 'border-indigo-500' : 'border-slate-300';
  return (
    // as wide as its name and ports need (within bounds): a long name wraps, it is not cut off
    <div
      className={`w-max max-w-80 min-w-48 rounded-lg border-2 bg-white shadow-sm ${border} ${look}`}
      data-testid="component-node"
      data-name={component.name}
      data-type={component.type}
      data-run-state={run?.state ?? 'idle'}
      data-state={run ? runBadge(run.state) : (notRun ?? 'idle')}
      data-invalid={errors.length > 0}
    >
      <div className="rounded-t-md border-b border-slate-200 bg-slate-50 px-3 py-1.5">
        <p className="text-sm font-semibold break-words text-slate-800">{component.name || component.id}</p>
        <p className="font-mono text-[10px] text-slate-500">{component.type}</p>
      </div>
      <div className="grid grid-cols-2 py-1">
        <div>
          {ports.controlInput && <PortRow side="in" handleId={CONTROL_INPUT} label="in" kind="control" />}
          {ports.inputs.map((p) => (
            <PortRow key={p} side="in" handleId={inputHandle(p)} label={p} kind="data" />
          ))}
          {ports.freeInputs && <PortRow side="in" handleId={inputHandle(FREE)} label={FREE} kind="data" />}
        </div>
        <div>
          {ports.routes.map((r) => (
            <PortRow key={r} side="out" handleId={routeHandle(r)} label={r} kind="control" />
          ))}
          {ports.outputs.map((p) => (
            <PortRow key={p} side="out" handleId={outputHandle(p)} label={p} kind="data" />
          ))}
          {ports.freeOutputs && <PortRow side="out" handleId={outputHandle(FREE)} label={FREE} kind="data" />}
        </div>
      </div>
      {(run || notRun) && (
        <p className="border-t border-slate-200 px-3 py-1 text-[11px] text-slate-600" data-testid="node-run">
          {run ? runLabel(run) : notRun}
        </p>
      )}
      {errors.length > 0 && (
        <ul className="space-y-0.5 rounded-b-md border-t border-red-200 bg-red-50 px-3 py-1 text-[11px] text-red-800" data-testid="node-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const edgeLooks = {
  control: { style: { stroke: '#334155', strokeWidth: 2 }, markerEnd: { type: MarkerType.ArrowClosed, color: '#334155' } },
  data: { style: { stroke: '#6366f1', strokeWidth: 1.5, strokeDasharray: '6 4' }, markerEnd: { type: MarkerType.Arrow, color: '#6366f1' } },
};

/** A connection as drawn: control solid with its route as label, data dashed. */
export const viewEdge = (e: ConnectionEdge) => ({
  ...e,
  ...edgeLooks[e.data?.kind ?? 'data'],
  label: e.data?.kind === 'control' ? e.sourceHandle?.slice('route:'.length) : undefined,
});
