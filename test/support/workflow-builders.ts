/** Builders for workflow_definition documents (tests, benchmarks, examples). */

const categories: Record<string, string> = { flow: 'flow', logic: 'logic', http: 'http', session: 'session', thread: 'session', graph: 'session' };

export function comp(id: string, type: string, config?: unknown, extra: Record<string, unknown> = {}) {
  const [prefix = ''] = type.split('.');
  return { id, category: categories[prefix] ?? prefix, type, name: id, position: { x: 0, y: 0 }, ...(config === undefined ? {} : { config }), ...extra };
}

export function flow(from: string, to: string, route = 'success') {
  return { id: `c:${from}>${to}:${route}`, source_id: from, target_id: to, source_port: 'flow_output', target_port: 'flow_input', route };
}

export function data(from: string, port: string, to: string, toPort = port) {
  return { id: `d:${from}.${port}>${to}.${toPort}`, source_id: from, target_id: to, source_port: port, target_port: toPort };
}

export function definition(components: unknown[], connections: unknown[]) {
  return { type: 'workflow_definition', version: '1.0.1', components, connections };
}

/** The fibonacci example of docs/spec.md §4: input `n` → fibonacci(n) as output `result`. */
export const fibonacciCode =
  "const n = get_data_input('n').integer; let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; set_data_output('result', create_value('integer', a));";

export function fibonacciDefinition() {
  return definition(
    [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'javascript', code: fibonacciCode }), comp('e', 'flow.end')],
    [flow('s', 'c'), flow('c', 'e'), data('s', 'n', 'c'), data('c', 'result', 'e')],
  );
}

/** counts its visits in output `i` (its own previous output); `extra` is more code run after */
const counterCode = (extra: string) =>
  `const prev = get_data_input('i'); const i = prev ? prev.integer + 1 : 1; set_data_output('i', create_value('integer', i)); ${extra}`;

/**
 * A loop of `n` iterations: start → [head] → count (logic.code) → branch (i < n) → back to the
 * head, or → end with output `i`. `head` is one more component run each iteration (e.g. an http.request).
 */
export function countingLoop(n: number, opts: { head?: { id: string; type: string; config: unknown }; extraCode?: string } = {}) {
  const { head } = opts;
  const first = head?.id ?? 'count';
  return definition(
    [
      comp('s', 'flow.start'),
      ...(head ? [comp(head.id, head.type, head.config)] : []),
      comp('count', 'logic.code', { code: counterCode(opts.extraCode ?? '') }),
      comp('b', 'flow.branch', { input: 'i', op: 'lt', value: n }),
      comp('e', 'flow.end'),
    ],
    [
      flow('s', first),
      ...(head ? [flow(head.id, 'count')] : []),
      flow('count', 'b'),
      flow('b', first, 'true'),
      flow('b', 'e', 'false'),
      data('count', 'i', 'count'),
      data('count', 'i', 'b'),
      data('count', 'i', 'e'),
    ],
  );
}
