import type { AgencyQuality, Dataset } from './model.js';

/** What leaves the server about a dataset. */
export const presentDataset = (d: Dataset) => ({
  ...d,
  lastLoadedAt: d.lastLoadedAt ? d.lastLoadedAt.toISOString() : null,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

export const presentAgencyQuality = (q: AgencyQuality) => ({ ...q });
