import type { ComponentChildren } from 'preact';

/**
 * A page that lists things in one table: heading with Refresh, a status line, then the loading
 * text, the empty text, or the table. The Sandboxes and Warm pools pages share it.
 */
export function ListPage<T>(props: {
  titleId: string;
  title: string;
  onRefresh: () => void;
  message: string | null;
  items: T[] | null;
  loading: string;
  empty: string;
  tableLabel: string;
  columns: readonly string[];
  rows: (items: T[]) => ComponentChildren;
  children?: ComponentChildren;
}) {
  const { items } = props;
  return (
    <section class="page" aria-labelledby={props.titleId}>
      <div class="page-head">
        <h1 id={props.titleId}>{props.title}</h1>
        <button type="button" onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      <p class="message" role="status" aria-live="polite">
        {props.message ?? ''}
      </p>
      {items === null ? (
        <p role="status">{props.loading}</p>
      ) : items.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <div class="table-wrap">
          <table aria-label={props.tableLabel}>
            <thead>
              <tr>
                {props.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{props.rows(items)}</tbody>
          </table>
        </div>
      )}
      {props.children}
    </section>
  );
}
