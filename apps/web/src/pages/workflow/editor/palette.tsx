/**
 * The "add component" palette: a modal dialog with a search box over the engine's catalog,
 * reachable from the keyboard ("/" or Ctrl+K). Typing filters, the arrow keys move through the
 * matches, Enter adds the highlighted one; Escape closes it. The box is a combobox that points at
 * the highlighted option, so a screen reader follows along.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { CatalogEntry } from './graph';
import { matchingEntries } from './search';

export function Palette({ catalog, onPick, onClose }: { catalog: CatalogEntry[]; onPick: (entry: CatalogEntry) => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listId = useId();
  const matches = matchingEntries(catalog, query);
  const highlighted = matches[Math.min(active, matches.length - 1)];
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  useEffect(() => {
    if (highlighted) document.getElementById(optionId(listId, highlighted.type))?.scrollIntoView({ block: 'nearest' });
  }, [highlighted, listId]);
  const onKeyDown = (e: KeyboardEvent) => {
    const move = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (move) {
      e.preventDefault();
      setActive((i) => (Math.min(i, matches.length - 1) + move + matches.length) % Math.max(1, matches.length));
    }
    if (e.key === 'Enter' && highlighted) {
      e.preventDefault();
      onPick(highlighted);
    }
  };
  return (
    <dialog
      ref={dialog}
      aria-label="Add a component"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // a click on the backdrop (the dialog itself, outside its box) closes it
      onClick={(e) => e.target === dialog.current && onClose()}
      className="m-auto mt-[12vh] w-[min(34rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
      data-testid="palette"
    >
      <div className="border-b border-slate-200 p-3">
        <input
          autoFocus
          className="input"
          role="combobox"
          aria-label="Search components"
          aria-expanded="true"
          aria-controls={listId}
          aria-activedescendant={highlighted ? optionId(listId, highlighted.type) : undefined}
          placeholder="Search components: code, http, delay…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
      </div>
      <ul id={listId} role="listbox" aria-label="Components" className="max-h-[50vh] overflow-y-auto p-2">
        {matches.map((c) => (
          <li
            key={c.type}
            id={optionId(listId, c.type)}
            role="option"
            aria-selected={c === highlighted}
            onClick={() => onPick(c)}
            onMouseMove={() => setActive(matches.indexOf(c))}
            className={`cursor-pointer rounded-md px-3 py-2 ${c === highlighted ? 'bg-indigo-50' : ''}`}
          >
            <p className="font-mono text-sm text-slate-900">{c.type}</p>
            <p className="text-xs text-slate-600">{c.description}</p>
          </li>
        ))}
      </ul>
      {matches.length === 0 && <p className="px-5 pb-3 text-sm text-slate-600">No component matches “{query}”.</p>}
      <p className="border-t border-slate-200 px-3 py-2 text-xs text-slate-600">↑ ↓ to choose · Enter to add · Esc to close</p>
    </dialog>
  );
}

const optionId = (listId: string, type: string) => `${listId}-${type.replace(/[^A-Za-z0-9_-]/g, '-')}`;
