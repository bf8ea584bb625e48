/** A list as a table: one column per field, an empty state, nothing while it loads. */
import type { ReactNode } from 'react';
import { Button, Empty } from './kit';

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
  /** rows that can be removed get a last column with one danger button each */
  remove?: { label: string; run: (row: T) => void };
}

export function DataTable<T>({ rows, columns: fields, rowKey, empty, testId, remove }: TableProps<T>) {
  if (!rows) return null;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  const removeColumn: Column<T> | undefined = remove && {
    header: '',
    className: 'text-right',
    cell: (row) => (
      <Button kind="danger" onClick={() => remove.run(row)}>
        {remove.label}
      </Button>
    ),
  };
  const columns = removeColumn ? [...fields, removeColumn] : fields;
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
