import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorText, stream } from '../api.js';

interface Chunk {
  stream: 'stdout' | 'stderr' | 'meta';
  text: string;
}

/** Runs a command in one sandbox and streams its output into a fixed-height, end-following pane. */
export function CommandBox(props: { sandboxId: string }) {
  const [command, setCommand] = useState('');
  const [output, setOutput] = useState<Chunk[]>([]);
  const [running, setRunning] = useState(false);
  const pane = useRef<HTMLPreElement>(null);
  const abort = useRef<AbortController | null>(null);
  useLayoutEffect(() => {
    if (pane.current) pane.current.scrollTop = pane.current.scrollHeight;
  }, [output.length]);

  const run = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (command.trim() === '') return;
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setOutput((o) => [...o, { stream: 'meta', text: `$ ${command}\n` }]);
    try {
      await stream(
        `/sandboxes/${encodeURIComponent(props.sandboxId)}/exec`,
        (e) => {
          const data = e.data as { text?: string; exitCode?: number; signal?: string | null };
          if (e.type === 'stdout' || e.type === 'stderr')
            setOutput((o) => [...o, { stream: e.type as 'stdout', text: data.text ?? '' }]);
          else if (e.type === 'exit')
            setOutput((o) => [
              ...o,
              {
                stream: 'meta',
                text: `[exit ${data.exitCode ?? '–'}${data.signal ? `, ${data.signal}` : ''}]\n`,
              },
            ]);
        },
        { method: 'POST', body: { command: ['sh', '-c', command] }, signal: controller.signal },
      );
    } catch (e) {
      if (!controller.signal.aborted)
        setOutput((o) => [...o, { stream: 'stderr', text: `${errorText(e)}\n` }]);
    } finally {
      setRunning(false);
    }
  };

  return (
    <form
      class="command-box"
      aria-label={`Run a command in ${props.sandboxId}`}
      onSubmit={(e) => void run(e)}
    >
      <label for="command-input">Command</label>
      <div class="command-row">
        <input
          id="command-input"
          class="mono"
          value={command}
          placeholder="ls -la"
          autoComplete="off"
          onInput={(e) => setCommand(e.currentTarget.value)}
        />
        <button type="submit" disabled={running}>
          Run
        </button>
        <button type="button" disabled={!running} onClick={() => abort.current?.abort()}>
          Stop
        </button>
      </div>
      <pre
        ref={pane}
        class="output"
        role="log"
        aria-label="Command output"
        tabIndex={0}
        data-testid="command-output"
      >
        {output.map((c, i) => (
          <span key={i} class={`out-${c.stream}`}>
            {c.text}
          </span>
        ))}
      </pre>
    </form>
  );
}
