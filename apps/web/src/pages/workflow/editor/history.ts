/**
 * Undo and redo over the editor's graph. Every edit goes through `edit`, which keeps the graph as
 * it was before; what is not an edit (selection, measuring, the steps of a drag) goes through
 * `apply`. A drag is one step: `checkpoint` keeps the graph as it was when the drag began.
 * Edits with the same key in quick succession (typing a name) are one step too.
 */
import { useRef, useState } from 'react';
import type { GraphState } from './graph';

const KEPT_STEPS = 200;
const GROUP_WITHIN_MS = 1000;

export function useGraphHistory(initial: GraphState) {
  const [graph, setGraph] = useState(initial);
  // the graph as of the last change, read by edits made before React re-renders
  const current = useRef(initial);
  const past = useRef<GraphState[]>([]);
  const future = useRef<GraphState[]>([]);
  const lastEdit = useRef<{ key: string; at: number }>(undefined);

  const show = (next: GraphState) => {
    current.current = next;
    setGraph(next);
  };
  const checkpoint = (key?: string) => {
    const now = Date.now();
    const grouped = key !== undefined && lastEdit.current?.key === key && now - lastEdit.current.at < GROUP_WITHIN_MS;
    lastEdit.current = key === undefined ? undefined : { key, at: now };
    if (grouped) return;
    past.current = [...past.current.slice(1 - KEPT_STEPS), current.current];
    future.current = [];
  };
  const apply = (update: (graph: GraphState) => GraphState) => show(update(current.current));
  const edit = (update: (graph: GraphState) => GraphState, key?: string) => {
    const next = update(current.current);
    if (next === current.current) return;
    checkpoint(key);
    show(next);
  };
  /** Moves one step back (`from` past to future) or forward; false when there is none. */
  const step = (from: typeof past, to: typeof past) => {
    const target = from.current.at(-1);
    if (!target) return false;
    from.current = from.current.slice(0, -1);
    to.current = [...to.current, current.current];
    lastEdit.current = undefined;
    show(target);
    return true;
  };
  return {
    graph,
    apply,
    edit,
    checkpoint,
    undo: () => step(past, future),
    redo: () => step(future, past),
    canUndo: past.current.length > 0,
    canRedo: future.current.length > 0,
  };
}

export type GraphHistory = ReturnType<typeof useGraphHistory>;
