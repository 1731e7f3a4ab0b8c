/**
 * The OpenAPI 3.1 document, built from the same Zod schemas the routes validate with. It is
 * served at `/api/v1/openapi.json` and committed as `packages/server/openapi.json` (a test checks
 * both agree and that every route in it answers as documented).
 */
import { z } from 'zod';
import { compact } from '@corral/sdk';
import {
  approveSchema,
  execSchema,
  sandboxCreateSchema,
  scaleSchema,
  settingsSchema,
  taskCreateSchema,
  taskPatchSchema,
  testConnectionSchema,
} from './schemas.js';

type Body = 'json' | 'bytes' | 'sse' | 'none' | 'redirect';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  request?: z.ZodType | 'bytes';
  /** status → what the body is */
  responses: Record<number, Body>;
}

const ERR = { 400: 'json', 401: 'json' } as const;

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness; the only route without a token',
    responses: { 200: 'json' },
  },
  {
    method: 'get',
    path: '/',
    summary: 'The console (index.html); `?token=` sets the cookie and redirects to `/`',
    responses: { 200: 'bytes', 303: 'redirect', 401: 'json', 404: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    responses: { 200: 'json', 401: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/settings',
    summary: 'The saved settings (defaults until saved)',
    responses: { 200: 'json', 401: 'json' },
  },
  {
    method: 'put',
    path: '/api/v1/settings',
    summary: 'Replace the settings (whole object)',
    request: settingsSchema,
    responses: { 200: 'json', ...ERR, 413: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/kube/contexts',
    summary: "Contexts of the user's kubeconfig",
    responses: { 200: 'json', 401: 'json', 422: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/test-connection',
    summary:
      "`corral doctor`'s checks as SSE: `check` events, then `done`, with ids 1, 2, …; the `Corral-Test-Id` header names the run, to resume at `Content-Location`",
    request: testConnectionSchema,
    responses: { 200: 'sse', ...ERR },
  },
  {
    method: 'get',
    path: '/api/v1/test-connection/{id}/events',
    summary:
      'Resume a test-connection stream after `Last-Event-ID` (or `?after=`): the rest of its events, checks not re-run (kept 5 min after `done`)',
    responses: { 200: 'sse', ...ERR, 404: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/sandboxes',
    summary: 'Live sandboxes of the configured provider',
    responses: { 200: 'json', 401: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/sandboxes',
    summary: 'Create a sandbox owned by this server',
    request: sandboxCreateSchema,
    responses: { 201: 'json', ...ERR, 422: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/sandboxes/{id}',
    summary: "One sandbox in full: isolation, limits applied and not, metadata (the SDK's info())",
    responses: { 200: 'json', 401: 'json', 404: 'json' },
  },
  {
    method: 'delete',
    path: '/api/v1/sandboxes/{id}',
    summary: 'Kill and remove a sandbox',
    responses: { 204: 'none', 401: 'json', 404: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/sandboxes/{id}/exec',
    summary: 'Run a command; SSE `stdout`/`stderr` `{ text }`, then `exit`',
    request: execSchema,
    responses: { 200: 'sse', ...ERR, 403: 'json', 404: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/sandboxes/{id}/files',
    summary: 'Read a file (`?path=`, relative to the work dir)',
    responses: { 200: 'bytes', ...ERR, 403: 'json', 404: 'json' },
  },
  {
    method: 'put',
    path: '/api/v1/sandboxes/{id}/files',
    summary: 'Write a file (`?path=`; raw body, max 64 MiB)',
    request: 'bytes',
    responses: { 204: 'none', ...ERR, 403: 'json', 404: 'json', 413: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/sandboxes/{id}/files/list',
    summary: 'List a directory (`?path=`)',
    responses: { 200: 'json', ...ERR, 403: 'json', 404: 'json' },
  },
  ...(['get', 'post', 'put', 'delete'] as const).map((method): RouteDoc => ({
    method,
    path: '/api/v1/sandboxes/{id}/runner/{runnerPath}',
    summary:
      "The sandbox's runner API (see @corral/runner's openapi.json), proxied with this server's token; bodies stream both ways",
    responses: { 200: 'bytes', 401: 'json', 404: 'json', 502: 'json' },
  })),
  {
    method: 'get',
    path: '/api/v1/tasks',
    summary: 'All tasks of the board',
    responses: { 200: 'json', 401: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/tasks',
    summary: 'Create a task (backlog)',
    request: taskCreateSchema,
    responses: { 201: 'json', ...ERR, 413: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}',
    summary: 'One task',
    responses: { 200: 'json', 401: 'json', 404: 'json' },
  },
  {
    method: 'patch',
    path: '/api/v1/tasks/{id}',
    summary: 'Edit title/prompt (backlog only)',
    request: taskPatchSchema,
    responses: { 200: 'json', ...ERR, 404: 'json', 409: 'json' },
  },
  {
    method: 'delete',
    path: '/api/v1/tasks/{id}',
    summary: 'Delete a task (cancels its run)',
    responses: { 204: 'none', 401: 'json', 404: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/start',
    summary: 'Start the agent (→ in_progress); also restarts a done/failed task',
    responses: { 202: 'json', ...ERR, 404: 'json', 409: 'json', 422: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/approve',
    summary: 'Approve the plan (awaiting_approval → in_progress)',
    request: approveSchema,
    responses: { 202: 'json', ...ERR, 404: 'json', 409: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/reject',
    summary: 'Reject the plan (→ failed; sandbox gone)',
    responses: { 200: 'json', ...ERR, 404: 'json', 409: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/tasks/{id}/cancel',
    summary: 'Cancel the run (→ failed)',
    responses: { 200: 'json', ...ERR, 404: 'json', 409: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}/events',
    summary: 'The run as SSE (AgentEvent types + `status`); resume with Last-Event-ID or `?after=`',
    responses: { 200: 'sse', ...ERR, 404: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}/diff',
    summary: "The run's diff (404 until produced)",
    responses: { 200: 'json', 401: 'json', 404: 'json' },
  },
  {
    method: 'get',
    path: '/api/v1/warm-pools',
    summary: 'Warm pools (Kubernetes provider; empty on local)',
    responses: { 200: 'json', 401: 'json' },
  },
  {
    method: 'post',
    path: '/api/v1/warm-pools/{name}/scale',
    summary: 'Scale a warm pool',
    request: scaleSchema,
    responses: { 200: 'json', ...ERR, 404: 'json' },
  },
];

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string' },
      },
    },
  },
};

function content(body: Body, status: number): Record<string, unknown> | undefined {
  if (body === 'json')
    return {
      'application/json': { schema: status >= 400 ? { $ref: '#/components/schemas/Error' } : {} },
    };
  if (body === 'bytes')
    return { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } };
  if (body === 'sse') return { 'text/event-stream': { schema: { type: 'string' } } };
  return undefined;
}

export function openapiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, body]) => {
        const c = content(body, Number(status));
        return [
          status,
          compact({
            description: body === 'redirect' ? 'redirect to /' : body,
            content: c,
          }),
        ];
      }),
    );
    const request =
      r.request === undefined
        ? {}
        : r.request === 'bytes'
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
                },
              },
            }
          : {
              requestBody: {
                required: false,
                content: {
                  'application/json': {
                    schema: z.toJSONSchema(r.request, { io: 'input', unrepresentable: 'any' }),
                  },
                },
              },
            };
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      ...(r.path === '/healthz' ? { security: [] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...request,
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'corral serve',
      version: '1.0.0',
      description: 'The API of `corral serve` (docs/server.md).',
    },
    servers: [{ url: 'http://127.0.0.1:7420' }],
    security: [{ bearer: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'corral_token' },
      },
      schemas: { Error: ERROR_SCHEMA, Settings: z.toJSONSchema(settingsSchema, { io: 'output' }) },
    },
    paths,
  };
}
