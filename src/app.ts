import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { AuditLog, HeadFile, auditCommits } from './core/audit/index.js';
import type { Config } from './core/config/index.js';
import { migrate, openDb, type Db, type MigrationReport, type MigrationSet } from './core/db/index.js';
import { AppError } from './core/errors.js';
import { EventBus } from './core/events/index.js';
import { createHttp, sendRouteMiss, type App } from './core/http/index.js';
import { JobQueue } from './core/jobs/index.js';
import { createLogger } from './core/logger.js';
import { Metrics } from './core/metrics.js';
import { GeoService, bundledUnits, geoModule, geoRoutes } from './modules/geo/index.js';
import { OrgService, orgModule, orgRoutes } from './modules/org/index.js';
import { DictionaryService, dictionaryModule, dictionaryRoutes } from './modules/dictionary/index.js';
import { CatalogService, catalogModule, catalogRoutes } from './modules/catalog/index.js';
import { WarehouseService, warehouseModule, warehouseRoutes } from './modules/warehouse/index.js';
import { IngestService, ingestModule, ingestRoutes } from './modules/ingest/index.js';
import { FsObjectStore, type ObjectStore } from './core/objects/index.js';
import { SecretBox } from './core/secrets.js';
import { SyncService, syncModule, syncRoutes } from './modules/sync/index.js';
import { LdopGateway, OutboundPolicy, SharingService, gatewayRoutes, sharingModule, sharingRoutes } from './modules/sharing/index.js';
import { OpendataService, ckanRoutes, opendataModule, opendataRoutes, seedDemo } from './modules/opendata/index.js';
import { IndicatorService, StrategyService, computeKpis, indicatorRoutes, indicatorsModule, platformKpiSources, strategyRoutes } from './modules/indicators/index.js';
import { IotService, iotModule, iotRoutes } from './modules/iot/index.js';

/** Package root: one level above both src/ (tsx) and dist/ (compiled). */
export const ROOT = new URL('../', import.meta.url);
const WEB_DIST = fileURLToPath(new URL('web/dist/', ROOT));

/** Every module's migrations, in dependency order. */
export const MIGRATIONS: MigrationSet[] = [
  { module: 'core', dir: new URL('./core/migrations/', import.meta.url) },
  { module: geoModule.name, dir: geoModule.migrations },
  { module: orgModule.name, dir: orgModule.migrations },
  { module: dictionaryModule.name, dir: dictionaryModule.migrations },
  { module: catalogModule.name, dir: catalogModule.migrations },
  { module: warehouseModule.name, dir: warehouseModule.migrations },
  { module: ingestModule.name, dir: ingestModule.migrations },
  { module: sharingModule.name, dir: sharingModule.migrations },
  { module: syncModule.name, dir: syncModule.migrations },
  { module: opendataModule.name, dir: opendataModule.migrations },
  { module: indicatorsModule.name, dir: indicatorsModule.migrations },
  { module: iotModule.name, dir: iotModule.migrations },
];

export interface Platform {
  app: App;
  config: Config;
  db: Db;
  logger: Logger;
  audit: AuditLog;
  jobs: JobQueue;
  events: EventBus;
  metrics: Metrics;
  org: OrgService;
  geo: GeoService;
  dictionary: DictionaryService;
  catalog: CatalogService;
  warehouse: WarehouseService;
  ingest: IngestService;
  /** LDOP: subsystems, services, agreements, message log. */
  sharing: SharingService;
  /** The LDOP gateway (`/ldop/v1/…`). */
  gateway: LdopGateway;
  /** Synchronisation to the 13 key national databases. */
  sync: SyncService;
  /** Open data portal: publishing workflow, CKAN API, DCAT-AP catalogue, downloads. */
  opendata: OpendataService;
  /** Monitoring of the Data Strategy's targets, tasks, databases and projects. */
  strategy: StrategyService;
  /** The semantic layer: indicators, targets, pre-aggregations, the query API. */
  indicators: IndicatorService;
  /** IoT: sensor registry, device credentials, readings, latest values and hourly rollups. */
  iot: IotService;
  objects: ObjectStore;
  /** Runs pending migrations. */
  migrate(): Promise<MigrationReport>;
  /** First-run data: Gia Lai, its communes, agencies, the bootstrap admin, the dictionary and the planned catalogue. */
  seed(): Promise<Awaited<ReturnType<OrgService['seed']>>>;
  /** Stops jobs, the HTTP server and the database, in that order. */
  close(): Promise<void>;
}

export interface BuildOptions {
  config: Config;
  /** An already open database (tests share a template); otherwise opened from the config. */
  db?: Db;
  logger?: Logger;
  /** File keeping the audit log's signed head (default `<data dir>/audit/head.json`); null: none. */
  auditHead?: string | null;
}

/**
 * The composition root: builds core services and every module, wires their dependencies and
 * registers their routes. Never listens — `main.ts` does, tests use `app.inject()`.
 */
export async function buildApp(opts: BuildOptions): Promise<Platform> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  // Secrets at rest (sync tokens, webhook secrets) and keys derived for one use each (page cursors, the audit head).
  const secrets = SecretBox.open(config.dataDir, config.secretKey);
  const opened = opts.db ?? (await openDb(config));
  // The audit log writes through the database itself; everything else through the view whose
  // transactions carry a write request's audit row (see auditCommits). Its signed head is kept
  // outside the database, so that cutting off the newest rows is detected.
  const headPath = opts.auditHead === undefined ? path.join(config.dataDir, 'audit', 'head.json') : opts.auditHead;
  const audit = new AuditLog(opened, headPath ? new HeadFile(headPath, secrets.derive('audit-head')) : null);
  const db = auditCommits(opened, audit);
  try {
    const metrics = new Metrics();
    const jobs = new JobQueue(db, logger.child({ component: 'jobs' }));
    const events = new EventBus(jobs);
    const org = new OrgService(db, config);
    const geo = new GeoService(db);
    const orgExists = (id: string) => org.getOrg(id).then(() => true, () => false);
    const dictionary = new DictionaryService(db, { orgExists });
    const catalog = new CatalogService(db, { dictionary, orgExists });
    const warehouse = new WarehouseService(db, { cursorKey: secrets.derive('warehouse-cursor'), largeVersionRows: config.largeDatasetRows });
    const objects = new FsObjectStore(path.join(config.dataDir, 'objects'));
    const displayNames = (ids: string[]) => org.displayNames(ids);
    const ingest = new IngestService({ db, config, objects, events, catalog, dictionary, warehouse, displayNames });
    const sharing = new SharingService({
      db, audit, jobs, catalog, dictionary, orgExists, dataDir: config.dataDir,
      outbound: new OutboundPolicy(config.outboundAllow), secrets,
      accessIndexes: (datasetId, paths, reason) => warehouse.ensureAccessIndexes(datasetId, paths, reason),
    });
    const gateway = new LdopGateway(sharing, warehouse, audit);
    // A new version of a shared dataset: expose its read service and notify subscribed consumers.
    events.subscribe('ldop.dataset-published', 'dataset.version.published', (e) => sharing.onDatasetPublished(e));
    const sync = new SyncService({ db, jobs, catalog, warehouse, logger, secrets });
    events.subscribe('sync.national', 'dataset.version.published', (e) => sync.onVersionPublished(e.payload));
    const opendata = new OpendataService({
      db, catalog, warehouse, dictionary, displayNames, jobs, logger: logger.child({ component: 'opendata' }),
      organisations: async () => (await org.listOrgs()).map((o) => ({ id: o.id, name: o.name, nameEn: o.name_en, kind: o.kind })),
      communes: async () => (await geo.list()).filter((u) => u.level === 'commune').map((u) => ({ code: u.code, name: u.fullName })),
    });

    const strategy = new StrategyService(db);
    const communeNames = async () => (await geo.list()).filter((u) => u.level === 'commune').map((u) => ({ code: u.code, name: u.fullName }));
    const indicators = new IndicatorService({ db, catalog, warehouse, communes: communeNames });
    // A new version of a source dataset: rebuild the pre-aggregations of its indicators.
    events.subscribe('indicators.preagg', 'dataset.version.published', (e) => indicators.onVersionPublished(e.payload));

    const iot = new IotService({ db, orgExists, locate: (lon, lat) => geo.locate(lon, lat) });

    const app = await createHttp({ config, logger, audit, metrics, resolver: () => org });

    app.get('/healthz', { config: { public: true, audit: false }, schema: { tags: ['ops'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { config: { public: true, audit: false }, schema: { tags: ['ops'], summary: 'Readiness (database)' } }, async (_req, reply) => {
      try {
        await db.ping();
        return { status: 'ok', database: db.driver };
      } catch {
        return reply.code(503).type('application/problem+json').send({ type: '/problems/unavailable', title: 'Cơ sở dữ liệu không sẵn sàng', status: 503, code: 'UNAVAILABLE' });
      }
    });
    // Not public: request counts by route say who uses what. Scraped with an API key scoped to metrics:read;
    // not audited, as a scrape every few seconds would drown the log and reads no one's data.
    app.get('/metrics', { config: { permission: 'metrics:read', audit: false }, schema: { tags: ['ops'], summary: 'Prometheus metrics (admin, or an API key scoped to metrics:read)' } }, async (_req, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );

    orgRoutes(app, org, config);
    geoRoutes(app, geo);
    dictionaryRoutes(app, dictionary);
    catalogRoutes(app, catalog);
    warehouseRoutes(app, { warehouse, catalog, displayNames });
    await ingestRoutes(app, ingest);
    sharingRoutes(app, sharing);
    await gatewayRoutes(app, gateway);
    syncRoutes(app, sync);
    opendataRoutes(app, opendata);
    await ckanRoutes(app, opendata);
    const kpiSources = platformKpiSources({ catalog, opendata, sharing, sync, org, indicators });
    strategyRoutes(app, strategy, () => computeKpis(kpiSources));
    indicatorRoutes(app, indicators);
    iotRoutes(app, iot);
    await serveWeb(app);

    const platform: Platform = {
      app, config, db, logger, audit, jobs, events, metrics, org, geo, warehouse, dictionary, catalog, ingest, sharing, gateway, objects, sync, opendata, strategy, indicators, iot,
      migrate: () => migrate(db, MIGRATIONS),
      async seed() {
        const { wards } = await bundledUnits();
        await geo.seed();
        const seeded = await org.seed(wards.map((w) => ({ code: w.Code, name: w.Name, nameEn: w.NameEn, fullName: w.FullName })));
        // The dictionary's `communes` code list comes from the geo module's units; the catalogue's
        // planned entries need the agencies seeded above.
        await dictionary.seed((await geo.list()).filter((u) => u.level === 'commune'));
        await catalog.seed();
        // Tokens written before they were sealed at rest (idempotent).
        await sync.sealLegacyTokens();
        // The living demo of the open data portal: sample open datasets over the real communes.
        if (config.seedDemo) {
          const communes = (await geo.list()).filter((u) => u.level === 'commune').map((u) => ({
            code: u.code, name: u.name, point: u.bbox ? [(u.bbox[0] + u.bbox[2]) / 2, (u.bbox[1] + u.bbox[3]) / 2] as [number, number] : null,
          }));
          await seedDemo({ catalog, ingest, opendata, communes });
          // The demo indicators (dữ liệu mẫu) and their sample datasets, through the same ingestion.
          await indicators.seedDemo(ingest, (await geo.list()).filter((u) => u.level === 'commune').map((u) => ({ code: u.code, name: u.fullName, ward: u.kind === 'phuong' })));
        }
        return seeded;
      },
      async close() {
        // Abandon a national sync's request in flight (resumed later with the same keys) so shutdown never waits for it.
        sync.stop();
        await jobs.stop();
        await sharing.log.settle();
        await opendata.flush();
        await app.close();
        // A clean stop signs the audit head, so rows cut off while stopped are detected.
        const signed = await audit.signHead();
        if (signed.problem) logger.error({ problem: signed.problem }, 'audit log does not match its signed head; the head was kept');
        if (!opts.db) await db.close();
      },
    };
    return platform;
  } catch (e) {
    if (!opts.db) await db.close();
    throw e;
  }
}

/** Serves the built web client at `/`, falling back to index.html for client-side routes. */
async function serveWeb(app: App): Promise<void> {
  const hasWeb = existsSync(WEB_DIST + 'index.html');
  // serve: false — only `reply.sendFile`; our own public route decides what is served.
  await app.register(fastifyStatic, { root: WEB_DIST, serve: false });
  const index = hasWeb ? await readFile(WEB_DIST + 'index.html') : null;
  const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(req.url.split('?')[0]!);
    } catch {
      throw new AppError('NOT_FOUND', { vi: 'Đường dẫn không hợp lệ', en: 'Malformed path' });
    }
    // An API path: 404, or 405 when the path takes other methods (a GET of a POST-only route lands here).
    if (urlPath.startsWith('/api/')) return sendRouteMiss(req, reply);
    if (!index) throw new AppError('NOT_FOUND', { vi: `Không có đường dẫn ${urlPath}`, en: `No route ${urlPath}` });
    if (/\.[a-z0-9]{1,8}$/i.test(urlPath)) {
      const file = urlPath.replace(/^\/+/, '');
      if (file.includes('..') || !existsSync(WEB_DIST + file)) throw new AppError('NOT_FOUND', { vi: `Không có tệp ${urlPath}`, en: `No file ${urlPath}` });
      // Hashed asset names never change content: cache them for a year.
      if (file.startsWith('assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(file);
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  };
  app.get('/', { config: { public: true, audit: false }, schema: { hide: true } }, handler);
  app.get('/*', { config: { public: true, audit: false }, schema: { hide: true } }, handler);
}
