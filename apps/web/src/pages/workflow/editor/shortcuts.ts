/**
 * The editor's keyboard shortcuts and clipboard, on the whole page while the editor is open:
 * Ctrl+S saves (also while typing: it is never the browser's "save page"); Ctrl+Z undoes,
 * Ctrl+Shift+Z and Ctrl+Y redo, "/" and Ctrl+K open the palette, Delete and Backspace delete the
 * selection, Ctrl+C / Ctrl+X / Ctrl+V copy, cut and paste components. While a field has the
 * focus, a dialog is open or text is selected, the others are the browser's own (a field's undo,
 * copying text). Cmd stands in for Ctrl on a Mac.
 */
import { useEffect, useRef } from 'react';

export interface EditorCommands {
  save: () => void;
  undo: () => void;
  redo: () => void;
  openPalette: () => void;
  deleteSelection: () => void;
  /** the selection as text, or nothing when none is selected */
  copy: () => string | undefined;
  /** false when the text is not copied components */
  paste: (text: string) => boolean;
}

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
const dialogOpen = () => document.querySelector('dialog[open]') !== null;
const textSelected = () => !(window.getSelection()?.isCollapsed ?? true);
const leftToBrowser = (e: Event) => typingIn(e.target) || dialogOpen();

function commandOf(e: KeyboardEvent, c: EditorCommands): (() => void) | undefined {
  const key = e.key.toLowerCase();
  if (e.ctrlKey || e.metaKey) return { z: e.shiftKey ? c.redo : c.undo, y: c.redo, k: c.openPalette }[key];
  if (e.key === '/') return c.openPalette;
  if (e.key === 'Delete' || e.key === 'Backspace') return c.deleteSelection;
  return undefined;
}

export function useEditorShortcuts(commands: EditorCommands) {
  // the latest handlers, without subscribing again on each render
  const latest = useRef(commands);
  latest.current = commands;
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        if (!dialogOpen()) latest.current.save();
        return;
      }
      if (e.altKey || leftToBrowser(e)) return;
      const command = commandOf(e, latest.current);
      if (!command) return;
      e.preventDefault();
      command();
    };
    const copy = (e: ClipboardEvent) => {
      if (leftToBrowser(e) || textSelected()) return false;
      const text = latest.current.copy();
      if (text === undefined) return false;
      e.clipboardData?.setData('text/plain', text);
      e.preventDefault();
      return true;
    };
    const onCut = (e: ClipboardEvent) => copy(e) && latest.current.deleteSelection();
    const onPaste = (e: ClipboardEvent) => {
      if (leftToBrowser(e)) return;
      const text = e.clipboardData?.getData('text/plain');
      if (text && latest.current.paste(text)) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', copy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', copy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
    };
  }, []);
}
