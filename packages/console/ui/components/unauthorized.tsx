/** Shown on any 401: the token cookie is missing or wrong. */
export function Unauthorized() {
  return (
    <div class="unauthorized" role="alert" aria-labelledby="unauthorized-title">
      <h1 id="unauthorized-title">Not signed in</h1>
      <p>
        This console needs the token that <code>corral serve</code> printed when it started.
      </p>
      <p>
        Open the URL <code>corral serve</code> printed (it ends in <code>/?token=…</code>) in this
        browser. The token was generated on the server's first start and is kept, mode 0600, in its
        state directory.
      </p>
    </div>
  );
}
