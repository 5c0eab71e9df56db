#!/usr/bin/env node
/**
 * Transcribes the four appendices of the Data Strategy (the seed text, ../shared/seed/…) into
 * src/modules/indicators/strategy-data.json: 26 targets, 32 tasks, 14 databases, 11 projects.
 *
 * The seed is a PDF's tables as tab-separated lines; a page break repeats the header and continues
 * the cells of the row it cut in a line that starts with a tab. Those continuations are joined to
 * their cell with one space (the page cut always falls between words), which is the only change
 * made to the text: everything else is kept exactly as written, typos included, in NFC.
 * Databases and projects have no code in the text: they get CSDL-n and DA-n (n = their STT).
 * English names are ours, in the maps below. Deadlines are kept as written and, where the text
 * names a year, also as a date (`dueDate`: the end of that year or range, the quarter when the
 * expected output names one) so that overdue tasks can be flagged.
 *
 *   node scripts/strategy-seed.mjs [path/to/seed.txt [path/to/out.json]]
 */
import { readFileSync, writeFileSync } from 'node:fs';

const SEED = process.argv[2] ?? new URL('../../shared/seed/000_ee2c3a6c078c375b.txt', import.meta.url);
const OUT = process.argv[3] ? new URL(`file://${process.argv[3]}`) : new URL('../src/modules/indicators/strategy-data.json', import.meta.url);

const text = readFileSync(SEED, 'utf8').normalize('NFC');
const lines = text.split(/\r?\n/);

/** The lines of one appendix: from its title to the next one (or the end). */
function appendix(n) {
  const start = lines.findIndex((l) => l.trim() === `PHỤ LỤC ${n}`);
  if (start < 0) throw new Error(`PHỤ LỤC ${n} not found`);
  const end = lines.findIndex((l, i) => i > start && /^PHỤ LỤC \d+$/.test(l.trim()));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Rows of one appendix table: numbered lines, with continuation lines joined cell by cell. */
function rows(section, columns) {
  const out = [];
  for (const line of section) {
    if (!line.includes('\t')) continue; // titles, blank lines
    const cells = line.split('\t').map((c) => c.trim());
    if (cells[0] === 'STT') continue; // the header, repeated on every page
    if (/^\d+$/.test(cells[0])) {
      out.push(cells.slice(0, columns).concat(Array(Math.max(0, columns - cells.length)).fill('')));
      continue;
    }
    // The sub-header of Appendix 1's period columns.
    if (cells.every((c) => c === '' || /^\d{4}-\d{4}$/.test(c)) && cells.some((c) => c)) continue;
    const row = out.at(-1);
    if (!row) throw new Error(`continuation before any row: ${line}`);
    cells.forEach((c, i) => {
      if (c && i < columns) row[i] = row[i] ? `${row[i]} ${c}` : c;
    });
  }
  return out;
}

const orNull = (s) => (s ? s : null);

/** Splits "A.1. Tạo lập …" / "NV 2.2. Xây dựng …" / "B5. Phát triển …" into code and text. */
function split(cell, pattern) {
  const m = pattern.exec(cell);
  if (!m) throw new Error(`no code in: ${cell}`);
  return { code: m[1], text: cell.slice(m[0].length).trim() };
}

// ---- agencies named in the tables → the seeded organisations (src/modules/org/seed-data.ts) ------

const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
const AGENCY_NAMES = [
  ['so-khcn', 'Sở Khoa học và Công nghệ'], ['cong-an', 'Công an tỉnh'], ['vp-ubnd', 'Văn phòng UBND'],
  ['so-tai-chinh', 'Sở Tài chính'], ['so-noi-vu', 'Sở Nội vụ'], ['so-xay-dung', 'Sở Xây dựng'],
  ['so-nn-mt', 'Sở Nông nghiệp và Môi trường'], ['so-vh-tt-dl', 'Sở Văn hóa, Thể thao và Du lịch'],
  ['so-cong-thuong', 'Sở Công Thương'], ['so-y-te', 'Sở Y tế'], ['bql-kkt', 'Ban Quản lý khu kinh tế'],
];
/** Organisation ids of the agencies a cell names, in the order named ("Ban Chỉ đạo tỉnh" is none of them). */
function agencies(cell) {
  // Tone marks sit on different letters in the source ("Văn hoá"/"Văn hóa"): compare folded.
  const f = fold(cell);
  return AGENCY_NAMES.map(([id, name]) => [id, f.indexOf(fold(name))]).filter(([, at]) => at >= 0).sort((a, b) => a[1] - b[1]).map(([id]) => id);
}

/** The date a deadline as written falls due, or null when it names none ("Định kỳ hàng năm"). */
function dueDate(deadline, output = '') {
  const q = /Quý (I{1,3}|IV)\/(\d{4})/.exec(output);
  if (q) return `${q[2]}-${{ I: '03-31', II: '06-30', III: '09-30', IV: '12-31' }[q[1]]}`;
  const m = /(\d{4})(?:\s*-\s*(\d{4}))?/.exec(deadline);
  return m ? `${m[2] ?? m[1]}-12-31` : null;
}

// ---- English names --------------------------------------------------------------------------------

const TARGET_EN = {
  'A.1': 'Create, standardise and synchronise data for the national and sectoral databases',
  'A.2': 'Develop the provincial map database',
  'A.3': 'Monitor socio-economic indicators',
  'A.6': 'AI to help provincial leaders search and retrieve information',
  'A.7': 'AI in public services',
  'A.8': 'Digital twin applications',
  'A.9': 'Build the provincial shared data warehouse',
  'B.1': 'Develop the open data portal',
  'B.2': 'Develop the province-specific databases',
  'B.3': 'Blockchain applications',
  'B.4': 'Value-added applications',
  B5: 'Develop analytical and forecasting models (AI/Big Data)',
  'C.1': 'Issue the data business model',
  'C.2': 'Connection and data governance',
  'C.3': 'Operate the shared databases',
  'C.4': 'Build the shared database warehouse',
  'C.5': 'Develop the data aggregation and analytics platform, with AI in data processing and analysis',
  'C.6': 'Develop the digital twin platform',
  'C.7': 'Upgrade the LDOP',
  'C.8': 'IoT sensor network',
  'C.9': 'Roadmap and plan for data conversion and archiving',
  'C.10': 'Apply UAV (drone) technology',
  'C.11': 'Build an innovation centre for data and artificial intelligence (AI)',
  'C.12': 'Attract investment in data infrastructure',
  'F.1': 'Protect and back up databases',
  'F.2': 'Security operations and monitoring',
};
const GROUP_EN = {
  A: 'Digital government and governance',
  B: 'Digital economy and digital society',
  C: 'Data platforms and infrastructure',
  D: 'Data safety and security',
};
const TASK_GROUP_EN = {
  1: 'Institutions, policy and data governance',
  2: 'Data infrastructure, platforms and technology',
  3: 'Creating, standardising and improving the quality of data',
  4: 'Smart data applications and services',
  5: 'Data safety, security and confidentiality',
  6: 'Resources (people and finance)',
};
const TASK_EN = {
  'NV 1.1': 'Draft and issue the provincial data architecture framework',
  'NV 1.2': 'Issue the list of shared and key databases',
  'NV 1.3': 'Draft and issue the provincial data business model',
  'NV 1.4': 'Attract prospective investors in data centres, as regulated',
  'NV 2.1': 'Build and operate the shared data warehouse',
  'NV 2.2': 'Build and operate the intelligent operations centre (IOC)',
  'NV 2.3': 'Upgrade and operate the data sharing platform (LDOP)',
  'NV 2.4': 'Build the data aggregation and analytics platform, with AI in data processing and analysis',
  'NV 2.5': 'Build the digital twin platform',
  'NV 2.6': 'Build and operate the open data portal for publishing information',
  'NV 2.7': 'Extend the IoT infrastructure and the sensor network',
  'NV 3.1': 'Build the provincial data dictionary',
  'NV 3.2': 'Create, digitise, standardise and synchronise local data to the national databases',
  'NV 3.3': 'Complete the provincial GIS map database',
  'NV 3.4': 'Develop the province-specific databases',
  'NV 3.5': 'Build the thematic data warehouses (data marts)',
  'NV 4.1': 'Integrate multi-sector data at the IOC and deploy business intelligence (BI) reporting and dashboards of socio-economic indicators and sector plans',
  'NV 4.2': 'Develop AI/Big Data models for specific problems',
  'NV 4.3': 'Build a blockchain application for traceability',
  'NV 4.4': 'AI in public services',
  'NV 4.5': 'AI to inform the provincial leaders',
  'NV 5.1': 'Deploy the information security protection model',
  'NV 5.2': 'Operate the security operations centre (SOC)',
  'NV 5.3': 'Deploy baseline cyber-security for the key databases: SIEM, DLP and DAM; encryption, backup, recovery',
  'NV 5.4': 'Apply the information security regulation and hold drills',
  'NV 5.5': 'Deploy AI to support security monitoring and alerts',
  'NV 5.6': 'Inspection, supervision and audit',
  'NV 6.1': 'Training in data skills and a "data culture"',
  'NV 6.2': 'Build a team of experts',
  'NV 6.4': 'Operate a venture capital fund',
  'NV 6.5': 'Attract PPP projects in data infrastructure and platforms',
  'NV 6.6': 'Build and guide a regulatory sandbox mechanism',
};
const DATABASE_EN = [
  'Industry database', 'Smart tourism and heritage economy database', 'Logistics database', 'Agriculture and fisheries database',
  'OCOP database', 'Energy database', 'Minerals and geological resources database', 'Labour database', 'Provincial map database',
  'Automatic environmental monitoring database', 'Biodiversity database', 'Health database of medical examination and treatment',
  'Electronic personal health record (PHR) database', 'Preventive health database',
];
const PROJECT_EN = [
  'Build the shared data warehouse', 'Build the data aggregation and analytics platform',
  'Build and operate the provincial intelligent operations centre (IOC)', 'Build and operate the provincial security operations centre (SOC)',
  'Build the smart culture, sports and tourism system', 'Deploy blockchain traceability for OCOP products', 'Build the digital twin platform',
  'AI for natural-disaster and climate-change warnings', 'Industry management system', 'Logistics management system',
  'Build and deploy an AI application that helps the provincial leaders search and retrieve data, digital-government data above all, with quick search, figure summaries and voice commands',
];
const FIELD_EN = { 'Kinh tế số': 'Digital economy', 'Đô thị thông minh': 'Smart city', 'Môi trường': 'Environment', 'An sinh xã hội': 'Social welfare' };

// ---- the four tables ------------------------------------------------------------------------------

let group = '';
const targets = rows(appendix(1), 6).map(([stt, groupCell, target, goal1, goal2, agency]) => {
  if (groupCell) group = groupCell;
  const { code, text: name } = split(target, /^([A-Z]\.?\d+)\.\s*/);
  const letter = group[0];
  return {
    ordinal: Number(stt), group: letter, groupName: group.replace(/^[A-Z]\.\s*/, ''), groupNameEn: GROUP_EN[letter], code, name,
    nameEn: TARGET_EN[code], goal2026_2027: orNull(goal1), goal2028_2030: orNull(goal2), monitoringAgency: agency, monitoringOrgIds: agencies(agency),
  };
});

group = '';
const tasks = rows(appendix(2), 7).map(([stt, groupCell, task, lead, partners, output, deadline]) => {
  if (groupCell) group = groupCell;
  const { code, text: name } = split(task, /^(NV \d+\.\d+)\.\s*/);
  const n = Number(/^(\d+)\./.exec(group)[1]);
  return {
    ordinal: Number(stt), group: n, groupName: group.replace(/^\d+\.\s*/, ''), groupNameEn: TASK_GROUP_EN[n], code, name, nameEn: TASK_EN[code],
    leadAgency: lead, leadOrgIds: agencies(lead), partners, expectedOutput: output, deadline, dueDate: dueDate(deadline, output),
  };
});

const databases = rows(appendix(3), 8).map(([stt, field, name, description, lead, partners, scope, deadline], i) => ({
  ordinal: Number(stt), code: `CSDL-${stt}`, field, fieldEn: FIELD_EN[field], name, nameEn: DATABASE_EN[i], description, leadAgency: lead, leadOrgIds: agencies(lead),
  partners: orNull(partners), dataScope: orNull(scope), deadline, dueDate: dueDate(deadline),
}));

const projects = rows(appendix(4), 6).map(([stt, name, objective, lead, partners, period], i) => ({
  ordinal: Number(stt), code: `DA-${stt}`, name, nameEn: PROJECT_EN[i], objective, leadAgency: lead, leadOrgIds: agencies(lead), partners, period, dueDate: dueDate(period),
}));

const counts = { targets: targets.length, tasks: tasks.length, databases: databases.length, projects: projects.length };
// The issue counts 10 projects; the seed's Appendix 4 has 11 (the 11th, the leaders' AI assistant, sits on the last line).
const expected = { targets: 26, tasks: 32, databases: 14, projects: 11 };
for (const k of Object.keys(expected)) if (counts[k] !== expected[k]) throw new Error(`${k}: ${counts[k]} rows, expected ${expected[k]}`);
for (const t of targets) if (!t.nameEn) throw new Error(`no English name for target ${t.code}`);
for (const t of tasks) if (!t.nameEn) throw new Error(`no English name for task ${t.code}`);

const out = {
  source: 'Chiến lược dữ liệu tỉnh Gia Lai, Phụ lục 1–4 (../shared/seed/000_ee2c3a6c078c375b.txt)',
  targets, tasks, databases, projects,
};
writeFileSync(OUT, JSON.stringify(out, null, 2).normalize('NFC') + '\n');
process.stdout.write(`${JSON.stringify(counts)} → ${OUT.pathname}\n`);
