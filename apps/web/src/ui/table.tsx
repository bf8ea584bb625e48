/** A list as a table: one column per field, an empty state, nothing while it loads. */
import type { ReactNode } from 'react';
import { Empty } from './kit';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

export function DataTable<T>({ rows, columns, rowKey, empty, testId }: { rows?: T[]; columns: Column<T>[]; rowKey: (row: T) => string; empty: ReactNode; testId: string }) {
  if (!rows) return null;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
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
  );
}
