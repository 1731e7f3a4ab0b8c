/**
 * The fake's SPDY port-forward at the frame level, with a hand-written client that compresses its
 * header blocks the way spdystream does (one zlib stream with SPDY's dictionary, sync-flushed):
 * what kubectl exercises only implicitly — PING echo, frames split across TCP writes, protocol
 * v1 pairing without `requestid`, and that the server's own header blocks inflate cleanly.
 */
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate } from 'node:zlib';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../../src/cluster.js';
import { SPDY_HEADER_DICTIONARY } from '../../src/server/spdy-dictionary.js';
import { podsPath, RUNNER_IMAGE, startRunnerCluster, waitFor } from './harness.js';

function deflateStep(z: Deflate, data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    z.write(data);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      const parts: Buffer[] = [];
      for (let p: unknown; (p = z.read()) !== null;) parts.push(p as Buffer);
      resolve(Buffer.concat(parts));
    });
  });
}

function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    parts.push(b);
  };
  u32(Object.keys(headers).length);
  for (const [k, v] of Object.entries(headers)) {
    u32(Buffer.byteLength(k));
    parts.push(Buffer.from(k));
    u32(Buffer.byteLength(v));
    parts.push(Buffer.from(v));
  }
  return Buffer.concat(parts);
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId, 0);
  head.writeUInt32BE((((fin ? 1 : 0) << 24) | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

interface Frame {
  control: boolean;
  type: number;
  streamId: number;
  flags: number;
  payload: Buffer;
}

/** Collects the server's frames from the socket. */
function frameReader(socket: Duplex) {
  let buffer = Buffer.alloc(0);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 8 && buffer.length >= 8 + (buffer.readUInt32BE(4) & 0xffffff)) {
      const len = buffer.readUInt32BE(4) & 0xffffff;
      const first = buffer.readUInt32BE(0);
      const isControl = (first & 0x80000000) !== 0;
      const payload = buffer.subarray(8, 8 + len);
      frames.push({
        control: isControl,
        type: isControl ? first & 0xffff : 0,
        streamId: isControl
          ? payload.length >= 4
            ? payload.readUInt32BE(0) & 0x7fffffff
            : 0
          : first & 0x7fffffff,
        flags: buffer[4] ?? 0,
        payload: Buffer.from(payload),
      });
      buffer = buffer.subarray(8 + len);
    }
    for (const w of waiters.splice(0)) w();
  });
  return {
    frames,
    /** Resolves once `done(frames)` holds (re-checked on every chunk). */
    until(done: (f: Frame[]) => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => (done(frames) ? resolve() : waiters.push(check));
        check();
      });
    },
  };
}

describe('SPDY port-forward frames', () => {
  let cluster: FakeCluster;

  beforeAll(async () => {
    cluster = await startRunnerCluster();
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'frames' },
        spec: {
          containers: [
            {
              name: 'runner',
              image: RUNNER_IMAGE,
              ports: [{ containerPort: 8888 }],
              env: [{ name: 'CORRAL_RUNNER_MODE', value: 'serve' }],
              // as Corral's templates: Ready once the runner listens (D5)
              readinessProbe: { httpGet: { path: '/healthz', port: 8888 }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    // Ready, not only Running: since readiness follows the probe (D5), Running means the runner
    // process started, not that it listens
    const ready = (pod: { status?: { conditions?: { type: string; status: string }[] } }) =>
      (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    await waitFor(cluster.kubeConfig, podsPath(), 'frames', (p) =>
      ready(p as Parameters<typeof ready>[0]),
    );
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('echoes PINGs, pairs v1 streams without requestid, and survives frames split byte by byte', async () => {
    const url = new URL('/api/v1/namespaces/default/pods/frames/portforward', cluster.url);
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: {
          connection: 'Upgrade',
          upgrade: 'SPDY/3.1',
          'x-stream-protocol-version': 'portforward.k8s.io',
        },
      });
      req.on('upgrade', (res, s: Duplex) => {
        expect(res.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
        resolve(s);
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(new Error(`no upgrade: ${res.statusCode} ${body}`)));
      });
      req.on('error', reject);
      req.end();
    });
    const reader = frameReader(socket);
    const deflate = createDeflate({ dictionary: SPDY_HEADER_DICTIONARY });
    const syn = async (id: number, headers: Record<string, string>) => {
      const block = await deflateStep(deflate, headerBlock(headers));
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(id, 0);
      return control(1, 0, Buffer.concat([fixed, block]));
    };
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(1);
    const request_ = Buffer.from('GET /healthz HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n');
    const bytes = Buffer.concat([
      control(6, 0, ping),
      // protocol v1: no requestid, the error stream (1) pairs with the data stream after it (3)
      await syn(1, { streamtype: 'error', port: '8888' }),
      dataFrame(1, Buffer.alloc(0), true),
      await syn(3, { streamtype: 'data', port: '8888' }),
      // no FIN: Node's HTTP server drops a request whose client half-closes before the answer
      dataFrame(3, request_, false),
    ]);
    for (const byte of bytes) socket.write(Buffer.from([byte]));

    // `Connection: close`: the runner answers and closes, so FIN on the data and error streams
    const finOn = (id: number) => (f: Frame[]) =>
      f.some((x) => !x.control && x.streamId === id && (x.flags & 1) === 1);
    await reader.until((f) => finOn(3)(f) && finOn(1)(f));
    const frames = reader.frames;
    expect(frames[0]).toMatchObject({ control: true, type: 6, streamId: 1 });
    const replies = frames.filter((f) => f.control && f.type === 2);
    expect(replies.map((f) => f.streamId)).toEqual([1, 3]);
    // the server's header blocks are one valid zlib stream: each inflates to "0 headers"
    const inflate = createInflate({ dictionary: SPDY_HEADER_DICTIONARY });
    const blocks = Buffer.concat(replies.map((f) => f.payload.subarray(4)));
    const inflated = await new Promise<Buffer>((resolve) => {
      inflate.write(blocks);
      inflate.flush(constants.Z_SYNC_FLUSH, () => resolve(inflate.read() as Buffer));
    });
    expect(inflated).toEqual(Buffer.alloc(8));
    const body = Buffer.concat(
      frames.filter((f) => !f.control && f.streamId === 3).map((f) => f.payload),
    ).toString();
    expect(body).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(body).toContain('"status":"ok"');
    const errorText = Buffer.concat(
      frames.filter((f) => !f.control && f.streamId === 1).map((f) => f.payload),
    ).toString();
    expect(errorText).toBe('');
    deflate.close();
    inflate.close();
    socket.destroy();
  }, 60_000);
});
