import type { CodeList, CodeListItem, DataElement, ElementHistoryEntry } from './model.js';

/** What leaves the server about a data element. */
export const presentElement = (e: DataElement) => ({
  code: e.code, nameVi: e.nameVi, nameEn: e.nameEn, definition: e.definition, type: e.type, unit: e.unit, codeList: e.codeList, rules: e.rules,
  personalData: e.personalData, ownerOrgId: e.ownerOrgId, origin: e.origin, aliases: e.aliases, status: e.status, version: e.version,
  createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString(),
});

export const presentHistory = (h: ElementHistoryEntry) => ({ ...h, at: h.at.toISOString() });

export const presentCodeList = (l: CodeList) => ({ ...l, updatedAt: l.updatedAt.toISOString() });

export const presentItem = (i: CodeListItem) => ({ code: i.code, label: i.label, labelEn: i.labelEn });
