/**
 * KPIs of the strategy that the platform computes from its own data (issue 15, item 4): each with its
 * formula, its targets and the strategy target it measures. Computed at each request from the
 * owning modules' figures (no cache), so a published dataset, a connected agency or a loaded
 * version shows at once.
 */
import { SYSTEM } from '../../core/auth/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { OpendataService } from '../opendata/index.js';
import type { OrgService } from '../org/index.js';
import type { SharingService } from '../sharing/index.js';
import type { SyncService } from '../sync/index.js';
import type { IndicatorService } from './indicator-service.js';

/** Figures the KPIs are computed from, each given by the module that owns it (wired in app.ts). */
export interface KpiSources {
  /** Datasets on the open data portal and approved open-data applications. */
  openData: () => Promise<{ openDatasets: number; approvedApps: number }>;
  /** Agencies, and those with a subsystem that exchanged data through the LDOP in the last 30 days. */
  ldop: () => Promise<{ agencies: number; connected: number }>;
  /** Every catalogued dataset: its agency, quality score (0..1, null before a first load), update frequency and last load. */
  datasets: () => Promise<{ id: string; publisherOrgId: string; quality: number | null; updateFrequency: string; lastLoadedAt: Date | null }[]>;
  /** Datasets with at least one version fully delivered to a national database. */
  syncedDatasets: () => Promise<number>;
  /** Agency names by id. */
  orgNames: () => Promise<Map<string, string>>;
  /** Source datasets of each computed indicator (derived ones: of the indicators they read). */
  indicatorSources: () => Promise<{ code: string; datasetIds: string[] }[]>;
}

export interface Kpi {
  code: string;
  name: string;
  nameEn: string;
  /** The formula in words: what is counted and divided. */
  formula: string;
  unit: string;
  value: number | null;
  /** Null when the platform cannot compute it yet (the module that would is not built). */
  available: boolean;
  targets: { period: string; value: number }[];
  strategyTarget: string;
  breakdown?: { id: string; name: string; value: number; count: number }[];
  note?: string;
}

/** How long a dataset stays "current" after a load, by its declared update frequency (days, with a grace). */
const CURRENT_FOR: Record<string, number> = { daily: 2, weekly: 10, monthly: 45, quarterly: 120, semiannual: 210, annual: 400 };
const pct = (x: number) => Math.round(x * 1000) / 10;

/** Computes every KPI now. */
export async function computeKpis(src: KpiSources, now: Date = new Date()): Promise<Kpi[]> {
  const [open, ldop, datasets, synced, names, sources] = await Promise.all([
    src.openData(), src.ldop(), src.datasets(), src.syncedDatasets(), src.orgNames(), src.indicatorSources(),
  ]);

  const byAgency = new Map<string, number[]>();
  for (const d of datasets) if (d.quality !== null) byAgency.set(d.publisherOrgId, [...(byAgency.get(d.publisherOrgId) ?? []), d.quality]);
  const scored = datasets.filter((d) => d.quality !== null);
  const breakdown = [...byAgency].map(([id, qs]) => ({ id, name: names.get(id) ?? id, value: pct(qs.reduce((s, q) => s + q, 0) / qs.length), count: qs.length }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name, 'vi'));

  const byId = new Map(datasets.map((d) => [d.id, d]));
  const current = (id: string) => {
    const d = byId.get(id);
    const days = d ? CURRENT_FOR[d.updateFrequency] : undefined;
    return !!d?.lastLoadedAt && days !== undefined && now.getTime() - d.lastLoadedAt.getTime() <= days * 86_400_000;
  };
  const automatic = sources.filter((s) => s.datasetIds.length && s.datasetIds.every(current)).length;

  return [
    {
      code: 'open_datasets_published', name: 'Số bộ dữ liệu mở đã công bố', nameEn: 'Open datasets published',
      formula: 'Đếm các tập dữ liệu đang công bố trên Cổng dữ liệu mở / count of datasets currently published on the open data portal',
      unit: 'bộ dữ liệu', value: open.openDatasets, available: true, targets: [{ period: '2027', value: 100 }, { period: '2030', value: 200 }], strategyTarget: 'B.1',
    },
    {
      code: 'ldop_agencies_connected_share', name: 'Tỷ lệ cơ quan kết nối LDOP', nameEn: 'Share of agencies connected to the LDOP',
      formula: 'Số cơ quan có hệ thống trao đổi dữ liệu qua LDOP trong 30 ngày ÷ tổng số cơ quan × 100 / agencies with a subsystem exchanging through the LDOP in 30 days ÷ all agencies × 100',
      unit: '%', value: ldop.agencies ? pct(ldop.connected / ldop.agencies) : null, available: true, targets: [{ period: '2027', value: 100 }, { period: '2030', value: 100 }], strategyTarget: 'C.2',
      note: `${ldop.connected}/${ldop.agencies}`,
    },
    {
      code: 'open_data_apps', name: 'Số ứng dụng, dịch vụ từ dữ liệu mở', nameEn: 'Applications built on open data',
      formula: 'Đếm các ứng dụng đã được duyệt trong danh mục ứng dụng của Cổng dữ liệu mở / count of approved applications in the portal showcase',
      unit: 'ứng dụng', value: open.approvedApps, available: true, targets: [{ period: '2027', value: 10 }, { period: '2030', value: 30 }], strategyTarget: 'B.4',
    },
    {
      code: 'indicators_automatic_share', name: 'Tỷ lệ chỉ tiêu KT-XH cập nhật tự động từ nguồn dữ liệu số', nameEn: 'Share of socio-economic indicators updated automatically from digital sources',
      formula: 'Số chỉ tiêu mà mọi tập dữ liệu nguồn có phiên bản trong chu kỳ cập nhật đã khai báo ÷ tổng số chỉ tiêu × 100 / indicators whose every source dataset was loaded within its declared update period ÷ all indicators × 100',
      unit: '%', value: sources.length ? pct(automatic / sources.length) : null, available: true, targets: [{ period: '2027', value: 80 }, { period: '2030', value: 100 }], strategyTarget: 'A.3',
      note: `${automatic}/${sources.length}`,
    },
    {
      code: 'datasets_synced_national', name: 'Số tập dữ liệu đã đồng bộ lên CSDL quốc gia', nameEn: 'Datasets synchronised to the national databases',
      formula: 'Đếm các tập dữ liệu có ít nhất một phiên bản đã gửi trọn vẹn tới một CSDL quốc gia / datasets with at least one version fully delivered to a national database',
      unit: 'tập dữ liệu', value: synced, available: true, targets: [], strategyTarget: 'A.1',
    },
    {
      code: 'data_quality_average', name: 'Điểm chất lượng dữ liệu bình quân', nameEn: 'Average data-quality score',
      formula: 'Bình quân điểm chất lượng (đúng, đủ, sạch, sống) của phiên bản mới nhất mỗi tập dữ liệu, theo cơ quan và toàn tỉnh, thang 100 / mean quality score of each dataset\'s latest version, by agency and province, out of 100',
      unit: 'điểm', value: scored.length ? pct(scored.reduce((s, d) => s + d.quality!, 0) / scored.length) : null, available: true, targets: [], strategyTarget: 'C.2',
      breakdown,
    },
    {
      code: 'iot_sensors_live', name: 'Số cảm biến IoT kết nối và đang hoạt động', nameEn: 'IoT sensors connected and live',
      formula: 'Đếm các cảm biến gửi số đo trong 15 phút gần nhất / sensors that sent a reading in the last 15 minutes',
      unit: 'cảm biến', value: null, available: false, targets: [{ period: '2027', value: 500 }], strategyTarget: 'C.8',
      note: 'Chưa tính được: nền tảng chưa có mô-đun IoT / not computed yet: the IoT module is not built',
    },
  ];
}

/** The module services the KPIs read, by their public doors. */
export interface KpiServices {
  catalog: Pick<CatalogService, 'search'>;
  opendata: Pick<OpendataService, 'kpi'>;
  sharing: Pick<SharingService, 'kpi'>;
  sync: Pick<SyncService, 'listConnectors' | 'listRuns'>;
  org: Pick<OrgService, 'listOrgs'>;
  indicators: Pick<IndicatorService, 'sourceDatasets'>;
}

/** KPI sources read from the platform's modules (as the system: these are aggregate figures). */
export function platformKpiSources(s: KpiServices): KpiSources {
  return {
    openData: async () => {
      const k = await s.opendata.kpi();
      return { openDatasets: k.openDatasets, approvedApps: k.approvedApps };
    },
    ldop: async () => {
      const k = await s.sharing.kpi();
      return { agencies: k.agencies, connected: k.connected };
    },
    datasets: async () => {
      const out: Awaited<ReturnType<KpiSources['datasets']>> = [];
      for (let offset = 0; ; offset += 100) {
        const page = await s.catalog.search(SYSTEM, { limit: 100, offset });
        out.push(...page.items.map((d) => ({ id: d.id, publisherOrgId: d.publisherOrgId, quality: d.quality?.score ?? null, updateFrequency: d.updateFrequency, lastLoadedAt: d.lastLoadedAt })));
        if (offset + 100 >= page.total) break;
      }
      return out;
    },
    syncedDatasets: async () => {
      const done = new Set<string>();
      for (const c of await s.sync.listConnectors(SYSTEM)) {
        if (done.has(c.datasetId)) continue;
        if ((await s.sync.listRuns(SYSTEM, c.id)).some((r) => r.status === 'done')) done.add(c.datasetId);
      }
      return done.size;
    },
    orgNames: async () => new Map((await s.org.listOrgs()).map((o) => [o.id, o.name])),
    indicatorSources: () => s.indicators.sourceDatasets(),
  };
}
