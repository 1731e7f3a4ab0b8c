/**
 * The `corral sandbox rm` command that removes a sandbox made or found with these flags. A hint
 * that drops `--provider kubernetes -n …` would "succeed" against the local provider and leave
 * the claim running, so every hint repeats the flags that located the object.
 */
export interface LocatingFlags {
  provider?: string;
  /** `--server <url>` (which implies `--provider server`). */
  server?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

const quote = (value: string): string =>
  /^[\w./:@=-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;

export function locatingFlags(flags: LocatingFlags): string {
  const parts: string[] = [];
  if (flags.server !== undefined) parts.push('--server', quote(flags.server));
  else if (flags.provider !== undefined && flags.provider !== 'local')
    parts.push('--provider', quote(flags.provider));
  if (flags.kubeconfig !== undefined) parts.push('--kubeconfig', quote(flags.kubeconfig));
  if (flags.context !== undefined) parts.push('--context', quote(flags.context));
  if (flags.namespace !== undefined) parts.push('-n', quote(flags.namespace));
  return parts.join(' ');
}

export function rmCommand(id: string, flags: LocatingFlags): string {
  const located = locatingFlags(flags);
  return `corral sandbox rm ${located === '' ? '' : `${located} `}${id}`;
}
