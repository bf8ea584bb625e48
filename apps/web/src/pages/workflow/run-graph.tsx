/**
 * An execution drawn on its definition's graph, as the editor draws it, each component showing
 * its state: waiting, running, succeeded, failed, cancelled, or skipped once the run ended
 * without it. The states come from the execution's events, which arrive live; a click on a
 * component brings its run's details into view. Loaded with the page's graph (React Flow) only
 * when an execution is opened.
 */
import '@xyflow/react/dist/style.css';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, ReactFlow, ReactFlowProvider, useNodesInitialized, useReactFlow, useStore } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import { queries } from '../../api/trpc';
import { ErrorNotice } from '../../ui/kit';
import { useIsDark } from '../../ui/theme';
import type { ComponentRun } from './components';
import { definitionToGraph, nodePorts, storedDocument, type CatalogEntry } from './editor/graph';
import { ComponentNodeView, viewEdge, type ViewNode } from './editor/node';

const nodeTypes = { component: ComponentNodeView };
/** small enough that a long flow fits its box whole (React Flow's default stops at 0.5) */
const MIN_ZOOM = 0.2;

interface RunGraphProps {
  revisionId: string;
  alias: string;
  runs: ComponentRun[];
  /** the execution has ended: a component without a run was skipped, not waiting */
  ended: boolean;
  /** the id of the element that shows a component's run */
  detailsOf: (componentId: string) => string;
}

export default function RunGraph(props: RunGraphProps) {
  const { revisionId, alias } = props;
  const definition = useQuery(queries.workflow_blobhub.get_definition.queryOptions({ revision_id: revisionId, alias }));
  const catalog = useQuery({ ...queries.workflow_blobhub.list_component_types.queryOptions({ revision_id: revisionId }), staleTime: Infinity });
  if (!definition.data || !catalog.data) {
    const error = definition.error ?? catalog.error;
    return error ? <ErrorNotice error={error} /> : <p className="text-sm text-slate-600">Loading the graph…</p>;
  }
  return (
    <ReactFlowProvider>
      <Graph {...props} document={storedDocument(definition.data)} catalog={catalog.data.component_types} />
    </ReactFlowProvider>
  );
}

function Graph({ document, catalog, runs, ended, detailsOf }: RunGraphProps & { document: ReturnType<typeof storedDocument>; catalog: CatalogEntry[] }) {
  const isDark = useIsDark();
  const { nodes, edges } = useMemo(() => definitionToGraph(document), [document]);
  const byType = useMemo(() => new Map(catalog.map((c) => [c.type, c])), [catalog]);
  const runOf = new Map(runs.map((r) => [r.id, r]));
  const viewNodes: ViewNode[] = nodes.map((n) => {
    const run = runOf.get(n.id);
    return {
      ...n,
      data: {
        ...n.data,
        ports: nodePorts(byType.get(n.data.component.type), n.id, edges, n.data.added),
        errors: [],
        run,
        notRun: run ? undefined : ended ? 'skipped' : 'waiting',
      },
    };
  });
  return (
    <div className="h-[28rem] rounded-lg border border-slate-200 bg-white" data-testid="run-graph">
      <ReactFlow
        nodes={viewNodes}
        edges={edges.map(viewEdge)}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        onNodeClick={(_, node) => window.document.getElementById(detailsOf(node.id))?.scrollIntoView({ behavior: 'smooth', block: 'center' })}
        minZoom={MIN_ZOOM}
        proOptions={{ hideAttribution: true }}
        colorMode={isDark ? 'dark' : 'light'}
      >
        <Background />
        <Controls showInteractive={false} />
        <FitWhole />
      </ReactFlow>
    </div>
  );
}

/** Keeps the whole graph in view: once its components are measured, and whenever its box changes size. */
function FitWhole() {
  const { fitView } = useReactFlow();
  const measured = useNodesInitialized();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (measured) void fitView({ maxZoom: 1, minZoom: MIN_ZOOM });
  }, [measured, width, height, fitView]);
  return null;
}
