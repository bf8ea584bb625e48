/** Human output (tables, key/value lists) by default; `--json` prints the API objects as they are. */
import Table from 'cli-table3';

const noBorders = Object.fromEntries(
  [
    'top',
    'top-mid',
    'top-left',
    'top-right',
    'bottom',
    'bottom-mid',
    'bottom-left',
    'bottom-right',
    'left',
    'left-mid',
    'mid',
    'mid-mid',
    'right',
    'right-mid',
    'middle',
  ].map((k) => [k, '']),
);

export type Column<T> = [header: string, cell: (row: T) => unknown];

const text = (value: unknown): string => (value === null || value === undefined ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value));

function render(head: string[], rows: string[][]): string {
  const table = new Table({ head, chars: noBorders, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 } });
  table.push(...rows);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export class Output {
  constructor(readonly json: boolean) {}

  /** Prints `value` as JSON, or calls `human` to print it for people. */
  result(value: unknown, human: () => void) {
    if (this.json) console.log(JSON.stringify(value, null, 2));
    else human();
  }

  table<T>(rows: T[], columns: Column<T>[], empty = '(none)') {
    if (rows.length === 0) return console.log(empty);
    console.log(
      render(
        columns.map(([h]) => h),
        rows.map((row) => columns.map(([, cell]) => text(cell(row)))),
      ),
    );
  }

  /** One object as `key  value` lines; nested objects print as JSON. */
  fields(object: Record<string, unknown>) {
    console.log(
      render(
        [],
        Object.entries(object).map(([k, v]) => [k, text(v)]),
      ).replace(/^\n/, ''),
    );
  }

  /** Progress and notices go to stderr so stdout stays parseable. */
  note(message: string) {
    console.error(message);
  }
}
