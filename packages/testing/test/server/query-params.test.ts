/**
 * Boolean query parameters decoded as the API server's parameter codec does
 * (apimachinery `Convert_Slice_string_To_bool`: only absent, `0` and `false` in any case are
 * false), checked over raw HTTP the way the Python client sends them (`True`).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_LOG_ANNOTATION, startFakeCluster } from '../../src/index.js';
import type { FakeCluster } from '../../src/index.js';
import { queryBool } from '../../src/server/query-params.js';
import { parseLogQuery } from '../../src/server/pod-log-stream.js';

let cluster: FakeCluster;
beforeAll(async () => {
  cluster = await startFakeCluster({ controller: false, kubelet: false });
});
afterAll(() => cluster.stop());

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** One HTTP request; a watch is read until its first line (or the end), then dropped. */
function raw(
  method: string,
  path: string,
  body?: { type: string; text: string },
  opts: { untilFirstLine?: boolean } = {},
): Promise<RawResponse> {
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: body !== undefined ? { 'Content-Type': body.type } : {},
      },
      (res) => {
        let text = '';
        const done = (): void =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: text,
          });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (opts.untilFirstLine === true && text.includes('\n')) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', () => done());
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body.text);
    req.end();
  });
}

const CM = '/api/v1/namespaces/default/configmaps';

describe('boolean query parameters', () => {
  it('decodes like apimachinery: absent, 0 and false in any case are false; anything else is true', () => {
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    for (const f of ['', 'x=false', 'x=False', 'x=FALSE', 'x=0', 'x=0&x=1'])
      expect(queryBool(q(f), 'x'), f).toBe(false);
    for (const t of ['x=true', 'x=True', 'x=1', 'x=', 'x', 'x=yes', 'x=t', 'x=1&x=0'])
      expect(queryBool(q(t), 'x'), t).toBe(true);
  });

  it('watch=True streams events; watch=False and watch=0 list', async () => {
    await raw('POST', CM, {
      type: 'application/json',
      text: JSON.stringify({ metadata: { name: 'w1' }, data: { a: '1' } }),
    });
    const watched = await raw('GET', `${CM}?watch=True`, undefined, { untilFirstLine: true });
    expect(watched.status).toBe(200);
    const event = JSON.parse(watched.body.split('\n')[0]!) as {
      type: string;
      object: { metadata: { name: string } };
    };
    expect(event.type).toBe('ADDED');
    expect(event.object.metadata.name).toBe('w1');
    for (const v of ['False', '0']) {
      const listed = await raw('GET', `${CM}?watch=${v}`);
      expect((JSON.parse(listed.body) as { kind: string }).kind).toBe('ConfigMapList');
    }
    expect(cluster.requests.all().filter((r) => r.path === CM && r.verb === 'watch')).toHaveLength(
      1,
    );
  });

  it('allowWatchBookmarks=True ends a timed-out watch with a BOOKMARK', async () => {
    const res = await raw(
      'GET',
      `${CM}?watch=1&allowWatchBookmarks=True&timeoutSeconds=1&resourceVersion=${cluster.store.currentResourceVersion()}`,
    );
    const types = res.body
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['BOOKMARK']);
  });

  it('force=True on server-side apply takes the conflicting field; force=False gets 409', async () => {
    const apply = (manager: string, value: string, force: string): Promise<RawResponse> =>
      raw('PATCH', `${CM}/ssa?fieldManager=${manager}&force=${force}`, {
        type: 'application/apply-patch+yaml',
        text: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'ssa' },
          data: { k: value },
        }),
      });
    expect((await apply('one', 'a', 'False')).status).toBe(201);
    const conflict = await apply('two', 'b', 'False');
    expect(conflict.status).toBe(409);
    const forced = await apply('two', 'b', 'True');
    expect(forced.status).toBe(200);
    expect((JSON.parse(forced.body) as { data: { k: string } }).data.k).toBe('b');
  });

  it('orphanDependents=True orphans; together with propagationPolicy it is refused', async () => {
    const owner = JSON.parse(
      (
        await raw('POST', CM, {
          type: 'application/json',
          text: JSON.stringify({ metadata: { name: 'owner' } }),
        })
      ).body,
    ) as { metadata: { uid: string } };
    await raw('POST', CM, {
      type: 'application/json',
      text: JSON.stringify({
        metadata: {
          name: 'dependent',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
          ],
        },
      }),
    });
    const both = await raw(
      'DELETE',
      `${CM}/owner?orphanDependents=True&propagationPolicy=Background`,
    );
    expect(both.status).toBe(422);
    expect(both.body).toContain('orphanDependents and deletionPropagation cannot be both set');
    expect((await raw('DELETE', `${CM}/owner?orphanDependents=True`)).status).toBe(200);
    // the garbage collector cuts the reference after the DELETE has returned
    await cluster.store.gcSettled();
    const dependent = await raw('GET', `${CM}/dependent`);
    expect(dependent.status).toBe(200);
    expect(
      (JSON.parse(dependent.body) as { metadata: { ownerReferences?: unknown[] } }).metadata
        .ownerReferences ?? [],
    ).toEqual([]);
  });

  it('log previous=True is the previous container; follow/timestamps decode the same way', async () => {
    const pods = { group: '', version: 'v1', resource: 'pods' };
    cluster.store.create(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'l', namespace: 'default', annotations: { [POD_LOG_ANNOTATION]: 'one\n' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    cluster.store.patch(pods, 'default', 'l', { status: { phase: 'Running' } }, 'merge', {
      subresource: 'status',
    });
    const log = '/api/v1/namespaces/default/pods/l/log';
    const previous = await raw('GET', `${log}?previous=True`);
    expect(previous.status).toBe(400);
    expect((JSON.parse(previous.body) as { message: string }).message).toBe(
      'previous terminated container "c" in pod "l" not found',
    );
    expect((await raw('GET', `${log}?previous=False`)).body).toBe('one\n');
    const parsed = parseLogQuery(new URL('http://x/?follow=True&timestamps=yes'));
    expect([parsed.follow, parsed.timestamps]).toEqual([true, true]);
    const off = parseLogQuery(new URL('http://x/?follow=FALSE&timestamps=0'));
    expect([off.follow, off.timestamps]).toEqual([false, false]);
  });
});
