import type { TaskDiff } from '../types.js';

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ')) return 'd-file';
  if (line.startsWith('@@')) return 'd-hunk';
  if (line.startsWith('+')) return 'd-add';
  if (line.startsWith('-')) return 'd-del';
  return '';
}

/** The run's resulting diff: changed files, then the unified diff with coloured lines. */
export function DiffView(props: { diff: TaskDiff }) {
  const { diff } = props;
  return (
    <section class="diff" aria-label="Resulting diff" data-testid="diff">
      <ul class="diff-files">
        {diff.files.map((f) => (
          <li key={f.path}>
            <span class={`file-status file-${f.status}`}>{f.status}</span> {f.path}
          </li>
        ))}
      </ul>
      <pre class="diff-body" tabIndex={0} aria-label="Unified diff">
        {diff.diff.split('\n').map((line, i) => (
          <div key={i} class={lineClass(line)}>
            {line || ' '}
          </div>
        ))}
      </pre>
    </section>
  );
}
