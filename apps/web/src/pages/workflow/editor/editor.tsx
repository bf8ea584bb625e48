/**
 * The workflow editor tab: a definition of a revision on a React Flow canvas that fills the window
 * below the header, the engine's component catalog to drag from, a searchable palette to add from
 * the keyboard, undo and redo over every edit, copy and paste of components, auto-layout, a
 * minimap, and a collapsible side panel with the inspector of the selected component, the
 * definition's problems (validated as you edit, pinned on the components) and the playground.
 * Save (Ctrl+S) writes the draft; a committed revision is shown read-only, with a way to open a
 * new draft.
 */
import '@xyflow/react/dist/style.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Background,
  Controls,
  MiniMap,
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
import { useEffect, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useBeforeUnload, useBlocker } from 'react-router';
import { TRPCClientError } from '@trpc/client';
import { api, queries } from '../../../api/trpc';
import type { DefinitionError, WorkflowDefinition } from '../../../../../../sdk/browser';
import { Button, Card, ErrorNotice } from '../../../ui/kit';
import { useIsDark } from '../../../ui/theme';
import { useBlob } from '../../blob/context';
import { RevisionOptions, useChosenRevision } from '../../blob/revisions';
import { clearOffset, copiedText, pastedGraph } from './clipboard';
import {
  CONTROL_INPUT,
  definitionToGraph,
  edgeFromHandles,
  errorsByComponent,
  graphToDefinition,
  newComponentNode,
  nodePorts,
  routeHandle,
  storedDocument,
  type CatalogEntry,
  type ComponentData,
  type ComponentNode,
  type ConnectionEdge,
  type GraphState,
} from './graph';
import { useGraphHistory } from './history';
import { Inspector } from './inspector';
import { autoLayout } from './layout';
import { ComponentNodeView, viewEdge, type ViewNode } from './node';
import { Palette } from './palette';
import { PlaygroundCard, RunOutputs, usePlayground } from './playground';
import { useEditorShortcuts } from './shortcuts';

const VALIDATE_AFTER_MS = 400;
const DRAG_TYPE = 'application/x-blobhub-component';
const NEW_ALIAS = 'main';
/** the gap between a component and one added after it from the palette */
const FOLLOW_GAP = 80;
const nodeTypes = { component: ComponentNodeView };
/** small enough that a large definition fits the canvas whole (React Flow's default stops at 0.5) */
const MIN_ZOOM = 0.2;
const emptyDefinition: WorkflowDefinition = { type: 'workflow_definition', version: '1.0.1', components: [], connections: [] };
/** the catalog (to drag from) starts open where the canvas keeps room beside it; the palette is always there */
const WIDE_SCREEN = '(min-width: 1536px)';

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
  const header = (
    <>
      <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => setParams({ revision: e.target.value })}>
        <RevisionOptions revisions={revisions.data?.revisions} />
      </select>
      <label className="flex items-center gap-2 text-sm">
        <span className="text-xs font-medium text-slate-600">Definition</span>
        <select className="input w-32" aria-label="Definition" value={alias} onChange={(e) => open({ definition: e.target.value })}>
          {[...new Set([...aliases, alias])].map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      {revision.data?.revision.phase === 'draft' && <NewDefinition taken={aliases} onCreate={(a) => open({ definition: a })} />}
    </>
  );
  return (
    <div className="flex flex-col gap-3 lg:min-h-0 lg:flex-1">
      <ErrorNotice error={revisions.error ?? revision.error ?? catalog.error ?? definitions.error ?? definition.error} />
      {ready ? (
        <ReactFlowProvider key={`${revisionId}/${alias}`}>
          <DefinitionEditor
            header={header}
            revisionId={revisionId!}
            revisionNumber={revision.data.revision.number}
            readOnly={revision.data.revision.phase !== 'draft'}
            alias={alias}
            stored={stored}
            initial={definition.data ? storedDocument(definition.data) : emptyDefinition}
            catalog={catalog.data.component_types}
            onOpenRevision={(id) => open({ revision: id })}
          />
        </ReactFlowProvider>
      ) : (
        <div className="flex flex-wrap items-center gap-3">{header}</div>
      )}
    </div>
  );
}

function NewDefinition({ taken, onCreate }: { taken: string[]; onCreate: (alias: string) => void }) {
  const [name, setName] = useState('');
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name) && !taken.includes(name);
  return (
    <form
      className="flex items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onCreate(name);
        setName('');
      }}
    >
      <input className="input w-28" aria-label="New definition alias" placeholder="new alias" value={name} onChange={(e) => setName(e.target.value)} />
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

/**
 * The server's verdict on the definition, asked again a moment after each edit; a verdict that
 * arrives after a newer edit is dropped. A refused save may replace it until the next edit.
 */
function useValidation(revisionId: string, documentText: string, onFailure: (message: string) => void) {
  const [errors, setErrors] = useState<DefinitionError[]>([]);
  // the text, not the object, decides when to ask again: a new object with the same content does not
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
  /** the revision and definition choosers, first in the toolbar */
  header: ReactNode;
  revisionId: string;
  revisionNumber: number;
  readOnly: boolean;
  alias: string;
  stored: boolean;
  initial: WorkflowDefinition;
  catalog: CatalogEntry[];
  onOpenRevision: (revisionId: string) => void;
}

const deselected = <T extends { selected?: boolean }>(item: T): T => (item.selected ? { ...item, selected: false } : item);
const documentTextOf = (graph: GraphState) => JSON.stringify(graphToDefinition(graph.nodes, graph.edges));

/** Where a component added without a drop point goes: the canvas' middle, moved off any component already there. */
function freeSpot(centre: { x: number; y: number }, nodes: ComponentNode[]) {
  const offset = clearOffset([centre], nodes, 0);
  return { x: centre.x + offset, y: centre.y + offset };
}

function DefinitionEditor({ header, revisionId, revisionNumber, readOnly, alias, stored, initial, catalog, onOpenRevision }: DefinitionEditorProps) {
  const { base } = useBlob();
  const queryClient = useQueryClient();
  const flow = useReactFlow();
  const byType = useMemo(() => new Map(catalog.map((c) => [c.type, c])), [catalog]);
  const [first] = useState(() => definitionToGraph(initial));
  const history = useGraphHistory(first);
  const { nodes, edges } = history.graph;
  const documentText = useMemo(() => documentTextOf(history.graph), [history.graph]);
  // what the server holds: unsaved changes are a difference from it (an undo back to it leaves none)
  const [savedText, setSavedText] = useState(() => documentTextOf(first));
  const dirty = documentText !== savedText;
  // a new definition exists only once it is saved (a run saves it first)
  const [saved, setSaved] = useState(stored);
  const [notice, setNotice] = useState<string>();
  const [errors, setErrors] = useValidation(revisionId, documentText, setNotice);
  const playground = usePlayground(revisionId);
  const isDark = useIsDark();
  const canvas = useRef<HTMLDivElement>(null);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [panelOpen, setPanelOpen] = useState(true);
  const [catalogOpen, setCatalogOpen] = useState(() => window.matchMedia(WIDE_SCREEN).matches);
  // the names of the components the last edit deleted, until another edit: Undo puts them back
  const [deleted, setDeleted] = useState<string[]>();

  const save = useMutation({
    meta: { success: 'Definition saved' },
    mutationFn: (text: string) => api.workflow_blobhub.upload_definition.mutate({ revision_id: revisionId, alias, definition: JSON.parse(text) }),
    onSuccess: ({ definition: row }, text) => {
      setSavedText(text);
      setSaved(true);
      // The page's read of this definition, filled in: a new definition's first save (e.g. by its
      // first run) then keeps this editor, and the run it starts, on screen instead of reloading it.
      queryClient.setQueryData(queries.workflow_blobhub.get_definition.queryKey({ revision_id: revisionId, alias }), {
        definition: { ...row, definition: JSON.parse(text) as WorkflowDefinition },
      });
      void queryClient.invalidateQueries({ queryKey: queries.workflow_blobhub.list_definitions.queryKey({ revision_id: revisionId }) });
    },
    onError: (e) => setErrors(refusalErrors(e) ?? errors),
  });
  const saveDraft = () => {
    if (!readOnly && !save.isPending && (dirty || !saved)) save.mutate(documentText);
  };

  /** An edit of the graph, undoable; `key` groups quick edits of one thing (typing a name) into one step. */
  const edit = (update: (graph: GraphState) => GraphState, key?: string) => {
    if (readOnly) return;
    history.edit(update, key);
    setDeleted(undefined);
    save.reset();
  };
  const undo = () => {
    setDeleted(undefined);
    history.undo();
  };
  const redo = () => {
    setDeleted(undefined);
    history.redo();
  };
  // moving, selecting and measuring are not edits; a drag becomes one when it starts
  const onNodesChange = (changes: NodeChange<ComponentNode>[]) => history.apply((g) => ({ ...g, nodes: applyNodeChanges(changes, g.nodes) }));
  const onEdgesChange = (changes: EdgeChange<ConnectionEdge>[]) => history.apply((g) => ({ ...g, edges: applyEdgeChanges(changes, g.edges) }));
  const onNodeDragStart = () => {
    history.checkpoint();
    setDeleted(undefined);
    save.reset();
  };
  const onConnect: OnConnect = (pair) => {
    const edge = edgeFromHandles(pair, crypto.randomUUID());
    if ('refused' in edge) return setNotice(edge.refused);
    setNotice(undefined);
    const same = (e: ConnectionEdge) =>
      e.source === edge.source && e.target === edge.target && e.sourceHandle === edge.sourceHandle && e.targetHandle === edge.targetHandle;
    edit((g) => (g.edges.some(same) ? g : { ...g, edges: [...g.edges, edge] }));
  };
  const isValidConnection: IsValidConnection = (pair) => !('refused' in edgeFromHandles(pair, ''));
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const entry = byType.get(e.dataTransfer.getData(DRAG_TYPE));
    if (entry) add(entry, { at: { x: e.clientX, y: e.clientY } });
  };
  const portsOf = (n: ComponentNode) => nodePorts(byType.get(n.data.component.type), n.id, edges, n.data.added);
  /** The control connection from the first route of `from` that leads nowhere yet, to a new component of `entry`. */
  const followingEdge = (from: ComponentNode, entry: CatalogEntry, targetId: string) => {
    const route = portsOf(from).routes.find((r) => !edges.some((e) => e.source === from.id && e.sourceHandle === routeHandle(r)));
    if (!route || entry.control_input === null) return undefined;
    const edge = edgeFromHandles({ source: from.id, target: targetId, sourceHandle: routeHandle(route), targetHandle: CONTROL_INPUT }, crypto.randomUUID());
    return 'refused' in edge ? undefined : edge;
  };
  /**
   * Adds a component: at a point of the screen (a drop), after a component (from the palette:
   * to its right, joined to its first free route), or in the canvas' middle.
   */
  const add = (entry: CatalogEntry, place: { at?: { x: number; y: number }; after?: ComponentNode } = {}) => {
    const box = canvas.current?.getBoundingClientRect();
    const centre = box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : { x: 0, y: 0 };
    const { at, after } = place;
    const position = after
      ? { x: after.position.x + (after.measured?.width ?? 0) + FOLLOW_GAP, y: after.position.y }
      : at
        ? flow.screenToFlowPosition(at)
        : freeSpot(flow.screenToFlowPosition(centre), nodes);
    const node = newComponentNode(
      entry,
      crypto.randomUUID(),
      position,
      nodes.map((n) => n.data.component.name),
    );
    const link = after && followingEdge(after, entry, node.id);
    edit((g) => ({ nodes: [...g.nodes.map(deselected), { ...node, selected: true }], edges: link ? [...g.edges, link] : g.edges }));
  };
  const addFromPalette = (entry: CatalogEntry) => {
    setPaletteOpen(false);
    const chosen = nodes.filter((n) => n.selected);
    add(entry, { after: chosen.length === 1 ? chosen[0] : undefined });
    showAll();
  };
  const updateData = (id: string, data: ComponentData) => edit((g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === id ? { ...n, data } : n)) }), `data:${id}`);
  /** Deletes the components `ids` with their connections, and the selected connections. */
  const removeComponents = (ids: Set<string>) => {
    const gone = (e: ConnectionEdge) => e.selected || ids.has(e.source) || ids.has(e.target);
    if (ids.size === 0 && !edges.some(gone)) return;
    edit((g) => ({ nodes: g.nodes.filter((n) => !ids.has(n.id)), edges: g.edges.filter((e) => !gone(e)) }));
    const names = nodes.filter((n) => ids.has(n.id)).map((n) => n.data.component.name || n.id);
    if (names.length > 0 && !readOnly) setDeleted(names);
  };
  const paste = (text: string) => {
    if (readOnly) return false;
    const pasted = pastedGraph(text, nodes, () => crypto.randomUUID());
    if (!pasted) return false;
    edit((g) => ({ nodes: [...g.nodes.map(deselected), ...pasted.nodes], edges: [...g.edges.map(deselected), ...pasted.edges] }));
    return true;
  };
  /** Brings every component into view, once React Flow has drawn the last change. */
  const showAll = () => requestAnimationFrame(() => void flow.fitView({ maxZoom: 1, duration: 200 }));
  const arrange = () => {
    const laidOut = autoLayout(nodes, edges);
    edit((g) => ({ ...g, nodes: g.nodes.map((n) => ({ ...n, position: laidOut.get(n.id) ?? n.position })) }));
    showAll();
  };
  useEditorShortcuts({
    save: saveDraft,
    undo,
    redo,
    openPalette: () => !readOnly && setPaletteOpen(true),
    deleteSelection: () => removeComponents(new Set(nodes.filter((n) => n.selected).map((n) => n.id))),
    copy: () => copiedText(nodes, edges),
    paste,
  });
  const prepare = async () => {
    if (!readOnly && (dirty || !saved)) await save.mutateAsync(documentText);
  };

  const nameOf = (id: string) => nodes.find((n) => n.id === id)?.data.component.name || id;
  const { pinned, general } = errorsByComponent(errors, nameOf);
  const viewNodes: ViewNode[] = nodes.map((n) => ({
    ...n,
    data: { ...n.data, ports: portsOf(n), errors: pinned.get(n.id) ?? [], run: playground.runs.get(n.id) },
  }));
  const selected = nodes.filter((n) => n.selected);
  const inspected = selected.length === 1 ? selected[0] : undefined;
  const start = nodes.find((n) => n.data.component.type === 'flow.start');

  return (
    <>
      <LeaveGuard dirty={dirty} />
      {readOnly && <ReadOnlyBanner revisionId={revisionId} revisionNumber={revisionNumber} onOpenRevision={onOpenRevision} />}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2" role="toolbar" aria-label="Editor">
        {header}
        <ValidationState valid={errors.length === 0} count={errors.length} />
        {!readOnly && (
          <>
            <span className="text-sm text-slate-600" data-testid="save-state">
              {save.isPending ? 'Saving…' : dirty ? 'Unsaved changes' : saved ? 'Saved' : 'Not saved yet'}
            </span>
            <Button kind="primary" busy={save.isPending} disabled={!dirty && saved} onClick={saveDraft} title="Save the draft (Ctrl+S)">
              Save
            </Button>
            <Button onClick={undo} disabled={!history.canUndo} title="Undo (Ctrl+Z)">
              Undo
            </Button>
            <Button onClick={redo} disabled={!history.canRedo} title="Redo (Ctrl+Shift+Z or Ctrl+Y)">
              Redo
            </Button>
            <Button onClick={() => setPaletteOpen(true)} title="Add a component (/ or Ctrl+K)">
              Add component
            </Button>
            <Button onClick={arrange} disabled={nodes.length < 2} title="Arrange the components along the control flow">
              Auto-layout
            </Button>
          </>
        )}
        <span className="ml-auto flex gap-2">
          <Button onClick={() => setCatalogOpen(!catalogOpen)} aria-expanded={catalogOpen} aria-controls={catalogOpen ? 'editor-catalog' : undefined}>
            Catalog
          </Button>
          <Button onClick={() => setPanelOpen(!panelOpen)} aria-expanded={panelOpen} aria-controls={panelOpen ? 'editor-panel' : undefined}>
            Side panel
          </Button>
        </span>
      </div>
      <ErrorNotice error={save.error} />
      {notice && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="editor-notice">
          {notice}
        </p>
      )}
      {deleted && (
        <p role="status" className="flex items-center gap-3 rounded-md border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="deleted-notice">
          Deleted {deleted.join(', ')}.<Button onClick={undo}>Undo</Button>
        </p>
      )}
      {paletteOpen && <Palette catalog={catalog} onPick={addFromPalette} onClose={() => setPaletteOpen(false)} />}
      <div className="flex flex-col gap-3 lg:min-h-0 lg:flex-1 lg:flex-row">
        {catalogOpen && <Catalog catalog={catalog} disabled={readOnly} onAdd={(entry) => add(entry)} />}
        <div
          ref={canvas}
          className="h-[60vh] min-h-80 min-w-0 rounded-lg border border-slate-200 bg-white lg:h-auto lg:min-h-0 lg:flex-1"
          data-testid="canvas"
          onDragOver={(e) => e.preventDefault()}
          onDrop={onDrop}
        >
          <ReactFlow
            nodes={viewNodes}
            edges={edges.map(viewEdge)}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onNodeDragStart={onNodeDragStart}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            // deleting is the editor's own (undoable) command
            deleteKeyCode={null}
            fitView={first.nodes.length > 0}
            fitViewOptions={{ maxZoom: 1 }}
            minZoom={MIN_ZOOM}
            proOptions={{ hideAttribution: true }}
            colorMode={isDark ? 'dark' : 'light'}
          >
            <Background />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable ariaLabel="Minimap of the definition" />
          </ReactFlow>
        </div>
        {panelOpen && (
          <aside id="editor-panel" aria-label="Inspector and playground" className="space-y-4 lg:w-[24rem] lg:shrink-0 lg:overflow-y-auto">
            <Card title={inspected ? inspected.data.component.name || 'Component' : 'Inspector'}>
              {inspected ? (
                <Inspector
                  key={inspected.id}
                  data={inspected.data}
                  ports={portsOf(inspected)}
                  entry={byType.get(inspected.data.component.type)}
                  readOnly={readOnly}
                  onChange={(data) => updateData(inspected.id, data)}
                  onDelete={() => removeComponents(new Set([inspected.id]))}
                >
                  <RunOutputs
                    run={playground.runs.get(inspected.id)}
                    revisionId={revisionId}
                    executionId={playground.executionId}
                    outputData={inspected.data.component.type === 'flow.end' ? playground.execution?.output_data : undefined}
                  />
                </Inspector>
              ) : (
                <p className="text-sm text-slate-600">
                  {nodes.length === 0
                    ? 'Drag a component from the catalog onto the canvas.'
                    : selected.length > 1
                      ? `${selected.length} components selected: Ctrl+C copies them, Delete deletes them.`
                      : 'Select a component to edit it.'}
                </p>
              )}
            </Card>
            {errors.length > 0 && <Problems pinned={pinned} general={general} nameOf={nameOf} />}
            <PlaygroundCard
              playground={playground}
              base={base}
              revisionId={revisionId}
              alias={alias}
              inputAliases={start ? portsOf(start).outputs : []}
              prepare={prepare}
            />
          </aside>
        )}
      </div>
    </>
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
    <Card title="Components" className="p-3 lg:w-52 lg:shrink-0 lg:overflow-y-auto">
      <div id="editor-catalog" className="max-h-60 space-y-3 overflow-y-auto lg:max-h-none" data-testid="catalog">
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
                      className={`block w-full rounded border break-words border-slate-200 px-2 py-1 text-left font-mono text-xs ${disabled ? 'text-slate-500' : 'cursor-grab bg-white hover:border-indigo-400'}`}
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
