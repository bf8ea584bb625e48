/**
 * The workflow editor tab: a definition of a revision on a React Flow canvas, the engine's
 * component catalog to drag from, an inspector with the config form of the selected component,
 * validation as you edit (pinned on the components), Save to the draft, and the playground.
 * A committed revision is shown read-only, with a way to open a new draft.
 */
import '@xyflow/react/dist/style.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
  type OnConnect,
} from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useBeforeUnload, useBlocker } from 'react-router';
import { TRPCClientError } from '@trpc/client';
import { api, queries, type ApiOutputs } from '../../../api/trpc';
import type { DefinitionError, WorkflowDefinition } from '../../../../../../sdk/browser';
import { Button, Card, ErrorNotice } from '../../../ui/kit';
import { useIsDark } from '../../../ui/theme';
import { useBlob } from '../../blob/context';
import { RevisionOptions, useChosenRevision } from '../../blob/revisions';
import {
  definitionToGraph,
  edgeFromHandles,
  errorsByComponent,
  graphToDefinition,
  newComponentNode,
  nodePorts,
  type CatalogEntry,
  type ComponentData,
  type ComponentNode,
  type ConnectionEdge,
} from './graph';
import { Inspector } from './inspector';
import { ComponentNodeView, type ViewNode } from './node';
import { PlaygroundCard, RunOutputs, usePlayground } from './playground';

const VALIDATE_AFTER_MS = 400;
const DRAG_TYPE = 'application/x-blobhub-component';
const NEW_ALIAS = 'main';
const nodeTypes = { component: ComponentNodeView };
const emptyDefinition: WorkflowDefinition = { type: 'workflow_definition', version: '1.0.1', components: [], connections: [] };
/**
 * The stored document as the editor takes it. Its type as it travels makes every `unknown` field
 * optional (JSON drops undefined values); a stored document was compiled before it was saved, so
 * its fields are all there.
 */
const documentOf = (stored: ApiOutputs['workflow_blobhub']['get_definition']) => stored.definition.definition as WorkflowDefinition;

export function EditorPage() {
  const { blob } = useBlob();
  const { revisions, revisionId, params, setParams } = useChosenRevision(blob);
  const revision = useQuery({
    ...queries.revisions.get.queryOptions({ revision_id: revisionId! }),
    enabled: Boolean(revisionId),
  });
  const definitions = useQuery({ ...queries.workflow_blobhub.list_definitions.queryOptions({ revision_id: revisionId! }), enabled: Boolean(revisionId) });
  const catalog = useQuery({
    ...queries.workflow_blobhub.list_component_types.queryOptions({ revision_id: revisionId! }),
    enabled: Boolean(revisionId),
    staleTime: Infinity,
  });
  const aliases = definitions.data?.definitions.map((d) => d.alias).sort() ?? [];
  const alias = params.get('definition') ?? aliases[0] ?? NEW_ALIAS;
  const stored = aliases.includes(alias);
  const definition = useQuery({
    ...queries.workflow_blobhub.get_definition.queryOptions({ revision_id: revisionId!, alias }),
    enabled: Boolean(revisionId) && stored,
  });
  const open = (next: { revision?: string; definition?: string }) =>
    setParams({ revision: next.revision ?? revisionId ?? '', definition: next.definition ?? alias });
  const ready = revision.data && catalog.data && definitions.data && (!stored || definition.data);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="label">Revision</span>
          <select className="input w-48" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => setParams({ revision: e.target.value })}>
            <RevisionOptions revisions={revisions.data?.revisions} />
          </select>
        </label>
        <label className="text-sm">
          <span className="label">Definition</span>
          <select className="input w-48" aria-label="Definition" value={alias} onChange={(e) => open({ definition: e.target.value })}>
            {[...new Set([...aliases, alias])].map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        {revision.data?.revision.phase === 'draft' && <NewDefinition taken={aliases} onCreate={(a) => open({ definition: a })} />}
      </div>
      <ErrorNotice error={revisions.error ?? revision.error ?? catalog.error ?? definitions.error ?? definition.error} />
      {ready && (
        <ReactFlowProvider key={`${revisionId}/${alias}`}>
          <DefinitionEditor
            revisionId={revisionId!}
            revisionNumber={revision.data.revision.number}
            readOnly={revision.data.revision.phase !== 'draft'}
            alias={alias}
            stored={stored}
            initial={definition.data ? documentOf(definition.data) : emptyDefinition}
            catalog={catalog.data.component_types}
            onOpenRevision={(id) => open({ revision: id })}
          />
        </ReactFlowProvider>
      )}
    </div>
  );
}

function NewDefinition({ taken, onCreate }: { taken: string[]; onCreate: (alias: string) => void }) {
  const [name, setName] = useState('');
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name) && !taken.includes(name);
  return (
    <form
      className="flex items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onCreate(name);
        setName('');
      }}
    >
      <label className="text-sm">
        <span className="label">New definition</span>
        <input className="input w-40" aria-label="New definition alias" placeholder="alias" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <Button type="submit" disabled={!valid}>
        New
      </Button>
    </form>
  );
}

/** The errors a refused upload_definition names (the same shape validate_definition answers). */
function refusalErrors(error: unknown): DefinitionError[] | undefined {
  const details = error instanceof TRPCClientError ? (error.data as { blobhub?: { details?: unknown } } | undefined)?.blobhub?.details : undefined;
  return Array.isArray(details) ? (details as DefinitionError[]) : undefined;
}

const edgeLooks = {
  control: { style: { stroke: '#334155', strokeWidth: 2 }, markerEnd: { type: MarkerType.ArrowClosed, color: '#334155' } },
  data: { style: { stroke: '#6366f1', strokeWidth: 1.5, strokeDasharray: '6 4' }, markerEnd: { type: MarkerType.Arrow, color: '#6366f1' } },
};

/**
 * The server's verdict on the definition, asked again a moment after each edit; a verdict that
 * arrives after a newer edit is dropped. A refused save may replace it until the next edit.
 */
function useValidation(revisionId: string, definition: WorkflowDefinition, onFailure: (message: string) => void) {
  const [errors, setErrors] = useState<DefinitionError[]>([]);
  // the text, not the object, decides when to ask again: a new object with the same content does not
  const documentText = JSON.stringify(definition);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.workflow_blobhub.validate_definition
        .query({ revision_id: revisionId, definition: JSON.parse(documentText) })
        .then((result) => current && setErrors(result.errors))
        .catch((e: unknown) => current && onFailure(`validation failed: ${(e as Error).message}`));
    }, VALIDATE_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // onFailure (a state setter) is stable, so only the revision and the content ask again
  }, [revisionId, documentText]);
  return [errors, setErrors] as const;
}

interface DefinitionEditorProps {
  revisionId: string;
  revisionNumber: number;
  readOnly: boolean;
  alias: string;
  stored: boolean;
  initial: WorkflowDefinition;
  catalog: CatalogEntry[];
  onOpenRevision: (revisionId: string) => void;
}

function DefinitionEditor({ revisionId, revisionNumber, readOnly, alias, stored, initial, catalog, onOpenRevision }: DefinitionEditorProps) {
  const { base } = useBlob();
  const queryClient = useQueryClient();
  const flow = useReactFlow();
  const byType = useMemo(() => new Map(catalog.map((c) => [c.type, c])), [catalog]);
  const [graph] = useState(() => definitionToGraph(initial));
  const [nodes, setNodes] = useState<ComponentNode[]>(graph.nodes);
  const [edges, setEdges] = useState<ConnectionEdge[]>(graph.edges);
  const [dirty, setDirty] = useState(false);
  // a new definition exists only once it is saved (a run saves it first)
  const [saved, setSaved] = useState(stored);
  const [notice, setNotice] = useState<string>();
  const definition = useMemo(() => graphToDefinition(nodes, edges), [nodes, edges]);
  const [errors, setErrors] = useValidation(revisionId, definition, setNotice);
  const playground = usePlayground(revisionId);
  const isDark = useIsDark();
  const canvas = useRef<HTMLDivElement>(null);
  // the last deletion, until another change: one click puts it back
  const [deleted, setDeleted] = useState<{ names: string[]; nodes: ComponentNode[]; edges: ConnectionEdge[] }>();
  const keepForUndo = (removedIds: string[]) => {
    const names = nodes.filter((n) => removedIds.includes(n.id)).map((n) => n.data.component.name || n.id);
    if (names.length > 0) setDeleted({ names, nodes, edges });
  };
  const undoDelete = () => {
    if (!deleted) return;
    setNodes(deleted.nodes);
    setEdges(deleted.edges);
    change();
  };

  const save = useMutation({
    meta: { success: 'Definition saved' },
    mutationFn: () => api.workflow_blobhub.upload_definition.mutate({ revision_id: revisionId, alias, definition }),
    onSuccess: ({ definition: row }) => {
      setDirty(false);
      setSaved(true);
      // The page's read of this definition, filled in: a new definition's first save (e.g. by its
      // first run) then keeps this editor, and the run it starts, on screen instead of reloading it.
      queryClient.setQueryData(queries.workflow_blobhub.get_definition.queryKey({ revision_id: revisionId, alias }), { definition: { ...row, definition } });
      void queryClient.invalidateQueries({ queryKey: queries.workflow_blobhub.list_definitions.queryKey({ revision_id: revisionId }) });
    },
    onError: (e) => setErrors(refusalErrors(e) ?? errors),
  });

  const edit = () => {
    setDirty(true);
    save.reset();
  };
  /** An edit that is not a deletion: the last deletion can no longer be undone on its own. */
  const change = () => {
    setDeleted(undefined);
    edit();
  };
  const onNodesChange = (changes: NodeChange<ComponentNode>[]) => {
    keepForUndo(changes.flatMap((c) => (c.type === 'remove' ? [c.id] : [])));
    if (changes.some((c) => c.type === 'position' || c.type === 'remove')) edit();
    setNodes((ns) => applyNodeChanges(changes, ns));
  };
  const onEdgesChange = (changes: EdgeChange<ConnectionEdge>[]) => {
    if (changes.some((c) => c.type === 'remove')) edit();
    setEdges((es) => applyEdgeChanges(changes, es));
  };
  const onConnect: OnConnect = (pair) => {
    const edge = edgeFromHandles(pair, crypto.randomUUID());
    if ('refused' in edge) return setNotice(edge.refused);
    setNotice(undefined);
    const same = (e: ConnectionEdge) =>
      e.source === edge.source && e.target === edge.target && e.sourceHandle === edge.sourceHandle && e.targetHandle === edge.targetHandle;
    setEdges((es) => (es.some(same) ? es : [...es, edge]));
    change();
  };
  const isValidConnection: IsValidConnection = (pair) => !('refused' in edgeFromHandles(pair, ''));
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const entry = byType.get(e.dataTransfer.getData(DRAG_TYPE));
    if (entry) add(entry, { x: e.clientX, y: e.clientY });
  };
  /** Adds a component at a point of the screen; from the keyboard (no drop point), at the canvas' middle. */
  const add = (entry: CatalogEntry, at?: { x: number; y: number }) => {
    if (readOnly) return;
    const box = canvas.current?.getBoundingClientRect();
    const point = at ?? (box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : { x: 0, y: 0 });
    const position = flow.screenToFlowPosition(point);
    const node = newComponentNode(
      entry,
      crypto.randomUUID(),
      position,
      nodes.map((n) => n.data.component.name),
    );
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), { ...node, selected: true }]);
    change();
  };
  const updateData = (id: string, data: ComponentData) => {
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data } : n)));
    change();
  };
  const remove = (id: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== id));
    setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
    keepForUndo([id]);
    edit();
  };
  const prepare = async () => {
    if (!readOnly && (dirty || !saved)) await save.mutateAsync();
  };

  const nameOf = (id: string) => nodes.find((n) => n.id === id)?.data.component.name || id;
  const { pinned, general } = errorsByComponent(errors, nameOf);
  const portsOf = (n: ComponentNode) => nodePorts(byType.get(n.data.component.type), n.id, edges, n.data.added);
  const viewNodes: ViewNode[] = nodes.map((n) => ({
    ...n,
    data: { ...n.data, ports: portsOf(n), errors: pinned.get(n.id) ?? [], run: playground.runs.get(n.id) },
  }));
  const viewEdges = edges.map((e) => ({
    ...e,
    ...edgeLooks[e.data?.kind ?? 'data'],
    label: e.data?.kind === 'control' ? e.sourceHandle?.slice('route:'.length) : undefined,
  }));
  const selected = nodes.find((n) => n.selected);
  const start = nodes.find((n) => n.data.component.type === 'flow.start');

  return (
    <div className="space-y-4">
      <LeaveGuard dirty={dirty} />
      {readOnly && <ReadOnlyBanner revisionId={revisionId} revisionNumber={revisionNumber} onOpenRevision={onOpenRevision} />}
      <div className="flex items-center gap-3">
        <ValidationState valid={errors.length === 0} count={errors.length} />
        {!readOnly && (
          <>
            <span className="text-sm text-slate-500" data-testid="save-state">
              {save.isPending ? 'Saving…' : dirty ? 'Unsaved changes' : saved ? 'Saved' : 'Not saved yet'}
            </span>
            <Button kind="primary" busy={save.isPending} disabled={!dirty && saved} onClick={() => save.mutate()}>
              Save
            </Button>
          </>
        )}
      </div>
      <ErrorNotice error={save.error} />
      {notice && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="editor-notice">
          {notice}
        </p>
      )}
      {deleted && !readOnly && (
        <p role="status" className="flex items-center gap-3 rounded-md border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="deleted-notice">
          Deleted {deleted.names.join(', ')}.<Button onClick={undoDelete}>Undo</Button>
        </p>
      )}
      <div className="grid gap-4 md:grid-cols-[10rem_1fr]">
        <Catalog catalog={catalog} disabled={readOnly} onAdd={add} />
        <div
          ref={canvas}
          className="h-[520px] min-w-0 rounded-lg border border-slate-200 bg-white"
          data-testid="canvas"
          onDragOver={(e) => e.preventDefault()}
          onDrop={onDrop}
        >
          <ReactFlow
            nodes={viewNodes}
            edges={viewEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
            fitView={graph.nodes.length > 0}
            fitViewOptions={{ maxZoom: 1 }}
            proOptions={{ hideAttribution: true }}
            colorMode={isDark ? 'dark' : 'light'}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
      </div>
      <div className="grid items-start gap-4 lg:grid-cols-2">
        <Card title={selected ? selected.data.component.name || 'Component' : 'Inspector'}>
          {selected ? (
            <Inspector
              key={selected.id}
              data={selected.data}
              ports={portsOf(selected)}
              entry={byType.get(selected.data.component.type)}
              readOnly={readOnly}
              onChange={(data) => updateData(selected.id, data)}
              onDelete={() => remove(selected.id)}
            >
              <RunOutputs
                run={playground.runs.get(selected.id)}
                revisionId={revisionId}
                executionId={playground.executionId}
                outputData={selected.data.component.type === 'flow.end' ? playground.execution?.output_data : undefined}
              />
            </Inspector>
          ) : (
            <p className="text-sm text-slate-500">
              {nodes.length === 0 ? 'Drag a component from the catalog onto the canvas.' : 'Select a component to edit it.'}
            </p>
          )}
        </Card>
        <div className="space-y-4">
          {errors.length > 0 && <Problems pinned={pinned} general={general} nameOf={nameOf} />}
          <PlaygroundCard
            playground={playground}
            base={base}
            revisionId={revisionId}
            alias={alias}
            inputAliases={start ? portsOf(start).outputs : []}
            prepare={prepare}
          />
        </div>
      </div>
    </div>
  );
}

/** Unsaved edits are not lost without a word: leaving the definition (or the page) asks first. */
function LeaveGuard({ dirty }: { dirty: boolean }) {
  const where = (l: { pathname: string; search: string }) => l.pathname + l.search;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && where(currentLocation) !== where(nextLocation));
  useBeforeUnload((e) => {
    if (dirty) e.preventDefault();
  });
  if (blocker.state !== 'blocked') return null;
  return (
    <div
      role="alertdialog"
      aria-label="Unsaved changes"
      className="flex items-center gap-3 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <span>This definition has unsaved changes.</span>
      <Button kind="danger" onClick={() => blocker.proceed()}>
        Discard them and leave
      </Button>
      <Button onClick={() => blocker.reset()}>Stay</Button>
    </div>
  );
}

function ValidationState({ valid, count }: { valid: boolean; count: number }) {
  return (
    <span className={`text-sm font-medium ${valid ? 'text-emerald-700' : 'text-red-700'}`} data-testid="validation-state">
      {valid ? 'Valid' : `${count} problem${count === 1 ? '' : 's'}`}
    </span>
  );
}

function Problems({ pinned, general, nameOf }: { pinned: Map<string, string[]>; general: string[]; nameOf: (id: string) => string }) {
  return (
    <Card title="Problems">
      <ul className="space-y-1 text-sm text-red-800" data-testid="problems">
        {[...pinned].flatMap(([id, messages]) =>
          messages.map((m) => (
            <li key={`${id}:${m}`}>
              <span className="font-medium">{nameOf(id)}</span>: {m}
            </li>
          )),
        )}
        {general.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </Card>
  );
}

function Catalog({ catalog, disabled, onAdd }: { catalog: CatalogEntry[]; disabled: boolean; onAdd: (entry: CatalogEntry) => void }) {
  const categories = [...new Set(catalog.map((c) => c.category))];
  const startDrag = (e: DragEvent, type: string) => {
    e.dataTransfer.setData(DRAG_TYPE, type);
    e.dataTransfer.effectAllowed = 'move';
  };
  return (
    <Card title="Components">
      <div className="max-h-[500px] space-y-3 overflow-auto" data-testid="catalog">
        {categories.map((category) => (
          <div key={category}>
            <p className="label">{category}</p>
            <ul className="space-y-1">
              {catalog
                .filter((c) => c.category === category)
                .map((c) => (
                  <li key={c.type}>
                    {/* dragged onto the canvas, or clicked / Enter to add it in the canvas' middle */}
                    <button
                      type="button"
                      disabled={disabled}
                      draggable={!disabled}
                      onDragStart={(e) => startDrag(e, c.type)}
                      onClick={() => onAdd(c)}
                      title={`${c.type}: ${c.description}`}
                      aria-label={`Add ${c.type}`}
                      data-testid={`catalog-${c.type}`}
                      className={`block w-full truncate rounded border border-slate-200 px-2 py-1 text-left font-mono text-xs ${disabled ? 'text-slate-500' : 'cursor-grab bg-white hover:border-indigo-400'}`}
                    >
                      {c.type}
                    </button>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </div>
    </Card>
  );
}

function ReadOnlyBanner({ revisionId, revisionNumber, onOpenRevision }: { revisionId: string; revisionNumber: number; onOpenRevision: (id: string) => void }) {
  const { blob } = useBlob();
  const queryClient = useQueryClient();
  const openDraft = useMutation({
    meta: { success: 'New draft opened' },
    mutationFn: () => api.revisions.create.mutate({ blob_id: blob.id, from_revision_id: revisionId }),
    onSuccess: ({ revision }) => {
      void queryClient.invalidateQueries({ queryKey: queries.revisions.list.queryKey({ blob_id: blob.id }) });
      onOpenRevision(revision.id);
    },
  });
  return (
    <div className="rounded-md border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900" data-testid="read-only">
      <p>
        Revision {revisionNumber} is committed: its definitions cannot change. You can look, and run them in the playground. To edit, open a new draft from it.
      </p>
      <div className="mt-2">
        <Button onClick={() => openDraft.mutate()} busy={openDraft.isPending}>
          Open a new draft
        </Button>
      </div>
      <div className="mt-2">
        <ErrorNotice error={openDraft.error} />
      </div>
    </div>
  );
}
