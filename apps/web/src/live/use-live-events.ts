/** The events of one execution: everything stored so far, then each new one as it happens (none before there is one). */
import { useEffect, useRef, useState } from 'react';
import type { ExecutionEvent } from '../api/workflow';
import { subscribeLive, type ConnectionState } from './realtime';

export function useExecutionEvents(revisionId: string, executionId: string | undefined, onEvent?: (event: ExecutionEvent) => void) {
  const [events, setEvents] = useState<ExecutionEvent[]>([]);
  const [state, setState] = useState<{ state: ConnectionState; detail?: string }>({ state: 'connecting' });
  // Kept in a ref: a new callback identity on re-render must not resubscribe.
  const notify = useRef(onEvent);
  notify.current = onEvent;
  useEffect(() => {
    setEvents([]);
    if (!executionId) return;
    return subscribeLive({
      key: { scope: 'revision', scope_id: revisionId, target: 'execution', target_id: executionId },
      fromStart: true,
      onEvent: (event) => {
        setEvents((list) => [...list, event]);
        notify.current?.(event);
      },
      onState: (next, detail) => setState({ state: next, detail }),
    });
  }, [revisionId, executionId]);
  return { events, ...state };
}
