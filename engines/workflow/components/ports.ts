/**
 * BlobHub's native way to configure a component: `ports`, one value object per configuration
 * route, e.g. logic.code's code as an `interpreter` message and its language as a choice:
 *   ports: [{route: "code", value: {type: "message", message: {role: "interpreter", content: [{type: "text", text}], attributes: {syntax_mode: "python"}}}},
 *           {route: "language", value: {type: "choice", id: "python"}}]
 * The definition keeps `ports` exactly as written (so it round-trips); the components read the
 * config derived here, with this project's `config` form layered on top.
 */
import { z } from 'zod';

export const componentPort = z.looseObject({ route: z.string().min(1).max(128), value: z.unknown() });
export type ComponentPort = z.infer<typeof componentPort>;

const textOf = (value: unknown): string | undefined => {
  const message = z.object({ type: z.literal('message'), message: z.object({ content: z.array(z.unknown()) }) }).safeParse(value);
  if (message.success) {
    const parts = message.data.message.content.map((part) => z.object({ type: z.literal('text'), text: z.string() }).safeParse(part));
    return parts.flatMap((p) => (p.success ? [p.data.text] : [])).join('');
  }
  const text = z.object({ type: z.literal('text'), text: z.string() }).safeParse(value);
  return text.success ? text.data.text : undefined;
};

const choiceOf = (value: unknown): string | undefined => {
  const choice = z.object({ type: z.literal('choice'), id: z.string() }).safeParse(value);
  return choice.success ? choice.data.id : undefined;
};

/** How each component type reads its BlobHub ports: config field → the port's data. */
const portReaders: Record<string, Record<string, (value: unknown) => unknown>> = {
  'logic.code': { code: textOf, language: choiceOf },
};

/** The config a component runs with: what its ports say, overridden by its `config` object. */
export function effectiveConfig(component: { type: string; config?: unknown; ports?: ComponentPort[] }): unknown {
  const readers = portReaders[component.type];
  if (!component.ports?.length || !readers) return component.config;
  const fromPorts: Record<string, unknown> = {};
  for (const port of component.ports) {
    const read = Object.hasOwn(readers, port.route) ? readers[port.route] : undefined;
    const data = read?.(port.value);
    if (data !== undefined) fromPorts[port.route] = data;
  }
  const config = component.config;
  return config && typeof config === 'object' && !Array.isArray(config) ? { ...fromPorts, ...config } : fromPorts;
}
