import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Registry } from 'prom-client';

export interface SystemChecks {
  /** Database reachable and every migration applied; the reason when not. */
  ready(): Promise<{ ok: true } | { ok: false; reason: string }>;
  metrics: Registry;
  /** NATS as this process sees it, when events go through NATS; shown by `/readyz` but never failing it. */
  nats?: () => { state: string; detail?: string };
}

const Status = Type.Object({
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  nats: Type.Optional(Type.Object({ state: Type.String(), detail: Type.Optional(Type.String()) })),
});

/** `/healthz` (process up), `/readyz` (can serve traffic), `/metrics` (Prometheus). */
export const systemRoutes: FastifyPluginAsyncTypebox<{ checks: SystemChecks }> = async (app, { checks }) => {
  const tags = ['system'];
  app.get('/healthz', { logLevel: 'warn', schema: { tags, summary: 'Liveness: the process is up', response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { logLevel: 'warn', schema: { tags, summary: 'Readiness: database reachable, migrations applied', response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      const result = await checks.ready();
      const nats = checks.nats ? { nats: checks.nats() } : {};
      if (result.ok) return { status: 'ready', ...nats };
      return reply.code(503).send({ status: 'unavailable', reason: result.reason, ...nats });
    },
  );
  app.get('/metrics', { logLevel: 'warn', schema: { tags, summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    reply.type(checks.metrics.contentType);
    return checks.metrics.metrics();
  });
};
