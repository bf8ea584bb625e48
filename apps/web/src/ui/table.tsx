/** A list as a table: one column per field, an empty state, nothing while it loads. */
import type { ReactNode } from 'react';
import { ConfirmButton } from './confirm';
import { Empty } from './kit';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

interface TableProps<T> {
  rows?: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  testId: string;
  /** rows that can be removed get a last column with one danger button each, which asks `ask(row)` first */
  remove?: { label: string; run: (row: T) => void; ask: (row: T) => { title: string; message: string } };
}

export function DataTable<T>({ rows, columns: fields, rowKey, empty, testId, remove }: TableProps<T>) {
  if (!rows) return null;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  const removeColumn: Column<T> | undefined = remove && {
    header: '',
    className: 'text-right',
    cell: (row) => (
      <ConfirmButton {...remove.ask(row)} confirm={remove.label} onConfirm={() => remove.run(row)}>
        {remove.label}
      </ConfirmButton>
    ),
  };
  const columns = removeColumn ? [...fields, removeColumn] : fields;
  return (
    <ScrollX>
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i}>{column.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column, i) => (
                <td key={i} className={column.className}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollX>
  );
}

/** A wide table scrolls inside its box on a narrow screen, not the page; focusable, so the keyboard can scroll it too. */
export function ScrollX({ children }: { children: ReactNode }) {
  return (
    <div className="overflow-x-auto" tabIndex={0}>
      {children}
    </div>
  );
}
