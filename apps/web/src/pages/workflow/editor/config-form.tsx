/**
 * A component's config as a form generated from its JSON Schema (from the catalog): text,
 * numbers, booleans and enums get their own controls; nested objects, arrays and free values
 * fall back to a JSON field. logic.code's `code` is edited in CodeMirror.
 */
import { useState } from 'react';
import { Field } from '../../../ui/kit';
import { CodeEditor } from './code-editor';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  format?: string;
}

type Config = Record<string, unknown>;

interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  readOnly: boolean;
  set: (value: unknown) => void;
}

const hint = (schema: JsonSchema, required: boolean) =>
  [
    required ? 'required' : 'optional',
    schema.default !== undefined && `default ${JSON.stringify(schema.default)}`,
    schema.format,
    schema.minimum !== undefined && `≥ ${schema.minimum}`,
    schema.maximum !== undefined && `≤ ${schema.maximum}`,
  ]
    .filter(Boolean)
    .join(' · ');

function controlFor(schema: JsonSchema): 'const' | 'enum' | 'text' | 'number' | 'boolean' | 'json' {
  if (schema.const !== undefined) return 'const';
  if (schema.enum?.every((v) => typeof v === 'string')) return 'enum';
  if (schema.type === 'string') return 'text';
  if (schema.type === 'number' || schema.type === 'integer') return 'number';
  if (schema.type === 'boolean') return 'boolean';
  return 'json';
}

function SchemaField({ name, schema, value, readOnly, set, required }: FieldProps & { required: boolean }) {
  const control = controlFor(schema);
  const props = { disabled: readOnly, className: 'input' };
  if (control === 'boolean') {
    return (
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" disabled={readOnly} checked={value === true} onChange={(e) => set(e.target.checked)} />
        {name}
      </label>
    );
  }
  const input = {
    const: <input {...props} disabled value={String(schema.const)} />,
    enum: (
      <select {...props} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value || undefined)}>
        <option value="">{schema.default !== undefined ? `(default: ${String(schema.default)})` : '(not set)'}</option>
        {schema.enum?.map((v) => (
          <option key={String(v)}>{String(v)}</option>
        ))}
      </select>
    ),
    text: <input {...props} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value === '' ? undefined : e.target.value)} />,
    number: (
      <input
        {...props}
        type="number"
        step={schema.type === 'integer' ? 1 : 'any'}
        value={typeof value === 'number' ? value : ''}
        onChange={(e) => set(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    ),
    json: <JsonField value={value} readOnly={readOnly} set={set} />,
  }[control];
  return (
    <Field label={name} hint={hint(schema, required)}>
      {input}
    </Field>
  );
}

/** JSON typed as text: applied once it parses; until then the text stays with a note. */
export function JsonField({ value, readOnly, set, id }: { value: unknown; readOnly: boolean; set: (value: unknown) => void; id?: string }) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [problem, setProblem] = useState<string>();
  const change = (next: string) => {
    setText(next);
    if (next.trim() === '') {
      setProblem(undefined);
      return set(undefined);
    }
    try {
      set(JSON.parse(next));
      setProblem(undefined);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  return (
    <div>
      <textarea id={id} className="input h-20 font-mono text-xs" disabled={readOnly} value={text} onChange={(e) => change(e.target.value)} placeholder="JSON" />
      {problem && <p className="text-xs text-red-700">not JSON yet: {problem}</p>}
    </div>
  );
}

export function ConfigForm({
  type,
  schema,
  config,
  readOnly,
  onChange,
}: {
  type: string;
  schema: JsonSchema;
  config: unknown;
  readOnly: boolean;
  onChange: (config: unknown) => void;
}) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return <p className="text-xs text-slate-500">This component has no settings.</p>;
  const current: Config = typeof config === 'object' && config !== null ? (config as Config) : {};
  const set = (name: string) => (value: unknown) => {
    const next = { ...current, [name]: value };
    if (value === undefined) delete next[name];
    onChange(Object.keys(next).length ? next : undefined);
  };
  return (
    <div className="space-y-3">
      {properties.map(([name, field]) =>
        type === 'logic.code' && name === 'code' ? (
          <div key={name}>
            <p className="label">code (JavaScript)</p>
            <CodeEditor label="Code" value={typeof current.code === 'string' ? current.code : ''} readOnly={readOnly} onChange={set('code')} />
          </div>
        ) : (
          <SchemaField
            key={name}
            name={name}
            schema={field}
            value={current[name]}
            readOnly={readOnly}
            set={set(name)}
            required={schema.required?.includes(name) ?? false}
          />
        ),
      )}
    </div>
  );
}
