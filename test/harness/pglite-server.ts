/**
 * An embedded PGlite served over the Postgres wire protocol, for code that connects by URL (Lambda
 * bundles, COPY over pg). It loads the extensions the migrations create, as createDb does.
 */
export async function servePglite(): Promise<{ url: string; queuedQueries(): number; stop(): Promise<void> }> {
  const [{ PGlite }, { PGLiteSocketServer }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  const pglite = await PGlite.create({ extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 20 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    /** Messages waiting for the one session PGlite has (a transaction on another connection holds it). */
    queuedQueries: () => server.getStats().queuedQueries,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
