/** CodeMirror 6 with JavaScript highlighting, for logic.code's source. */
import { javascript } from '@codemirror/lang-javascript';
import { EditorState } from '@codemirror/state';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export function CodeEditor({ value, onChange, readOnly, label }: { value: string; onChange: (code: string) => void; readOnly: boolean; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  // the view is made once per mount: later renders must not rebuild it (and lose the cursor)
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          javascript(),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.theme({ '.cm-content, .cm-gutter': { minHeight: '8rem' } }),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) change.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [readOnly, label]);
  return <div ref={host} className="max-h-80 overflow-auto rounded-md border border-slate-300 text-xs" data-testid="code-editor" />;
}
