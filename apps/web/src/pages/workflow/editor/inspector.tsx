/** The selected component: its name, the port names it takes, its config form, retry and timeout. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Field } from '../../../ui/kit';
import { ConfigForm, JsonField, type JsonSchema } from './config-form';
import type { AddedPorts, CatalogEntry, ComponentData } from './graph';
import type { NodePorts } from './graph';

interface InspectorProps {
  data: ComponentData;
  ports: NodePorts;
  entry?: CatalogEntry;
  readOnly: boolean;
  onChange: (data: ComponentData) => void;
  onDelete: () => void;
  /** the component's last run in the playground */
  children?: ReactNode;
}

export function Inspector({ data, ports, entry, readOnly, onChange, onDelete, children }: InspectorProps) {
  const { component } = data;
  const update = (patch: Partial<ComponentData['component']>) => onChange({ ...data, component: { ...component, ...patch } });
  const addPort = (kind: keyof AddedPorts, name: string) => onChange({ ...data, added: { ...data.added, [kind]: [...data.added[kind], name] } });
  return (
    <div className="space-y-4" data-testid="inspector">
      <div>
        <p className="font-mono text-xs text-slate-500">{component.type}</p>
        {entry && <p className="text-xs text-slate-600">{entry.description}</p>}
      </div>
      <Field label="Name">
        <input className="input" disabled={readOnly} value={component.name} onChange={(e) => update({ name: e.target.value })} />
      </Field>
      {!readOnly && (ports.freeOutputs || ports.freeInputs || ports.freeRoutes) && (
        <div className="space-y-2">
          {/* the start component's outputs are the execution's inputs */}
          {ports.freeOutputs && <AddPort what={component.type === 'flow.start' ? 'input' : 'data output'} onAdd={(n) => addPort('outputs', n)} />}
          {ports.freeInputs && <AddPort what="data input" onAdd={(n) => addPort('inputs', n)} />}
          {ports.freeRoutes && <AddPort what="route" onAdd={(n) => addPort('routes', n)} />}
        </div>
      )}
      <div>
        <p className="label">Config</p>
        {entry ? (
          <ConfigForm
            type={component.type}
            schema={entry.config_schema as JsonSchema}
            config={component.config}
            readOnly={readOnly}
            onChange={(config) => update({ config })}
          />
        ) : (
          <p className="text-xs text-red-700">Unknown component type: the server does not list it.</p>
        )}
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600">Retry and timeout</summary>
        <div className="mt-2 space-y-3">
          <Field label="Timeout (ms)">
            <input
              className="input"
              type="number"
              disabled={readOnly}
              value={component.timeout_ms ?? ''}
              onChange={(e) => update({ timeout_ms: e.target.value === '' ? undefined : Number(e.target.value) })}
            />
          </Field>
          <Field label="Retry (JSON)" hint='e.g. {"maximum_attempts": 3, "initial_interval_ms": 500}'>
            <JsonField value={component.retry} readOnly={readOnly} set={(retry) => update({ retry: retry as ComponentData['component']['retry'] })} />
          </Field>
        </div>
      </details>
      {children}
      {!readOnly && (
        <Button kind="danger" onClick={onDelete}>
          Delete component
        </Button>
      )}
    </div>
  );
}

function AddPort({ what, onAdd }: { what: string; onAdd: (name: string) => void }) {
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    onAdd(name.trim());
    setName('');
  };
  return (
    <form className="flex items-end gap-2" onSubmit={submit}>
      <div className="flex-1">
        <Field label={`New ${what}`}>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="name" />
        </Field>
      </div>
      <Button type="submit">Add {what}</Button>
    </form>
  );
}
