/**
 * The DCAT-AP 3.0 catalogue: one small RDF graph built from the published packages, written out as
 * Turtle or JSON-LD from the same triples (so the two cannot disagree). Every resource a DCAT-AP
 * range shape names is typed (dct:LicenseDocument, skos:Concept, dct:Frequency …) so the output
 * passes the official SHACL shapes, which a test checks.
 */

export const PREFIXES: Record<string, string> = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  adms: 'http://www.w3.org/ns/adms#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
};

export type Term =
  | { kind: 'iri'; value: string }
  | { kind: 'blank'; value: string }
  | { kind: 'literal'; value: string; lang?: string; datatype?: string };

export const iri = (value: string): Term => ({ kind: 'iri', value });
export const lit = (value: string, lang?: string): Term => ({ kind: 'literal', value, ...(lang ? { lang } : {}) });
export const typed = (value: string, datatype: string): Term => ({ kind: 'literal', value, datatype: expand(datatype) });

/** "dcat:Dataset" → full IRI; full IRIs pass through. */
export function expand(curie: string): string {
  const m = /^([a-z]+):(.*)$/.exec(curie);
  if (m && PREFIXES[m[1]!] && !curie.startsWith('http')) return PREFIXES[m[1]!] + m[2];
  return curie;
}

/** An ordered RDF graph: subject → predicate → objects. */
export class Graph {
  private readonly nodes = new Map<string, { subject: Term; props: Map<string, Term[]> }>();
  private blanks = 0;

  blank(): Term {
    return { kind: 'blank', value: `b${++this.blanks}` };
  }

  add(subject: Term, predicate: string, object: Term | null | undefined): this {
    if (!object || (object.kind === 'literal' && object.value === '')) return this;
    const key = `${subject.kind}:${subject.value}`;
    let n = this.nodes.get(key);
    if (!n) this.nodes.set(key, (n = { subject, props: new Map() }));
    const p = expand(predicate);
    const list = n.props.get(p) ?? [];
    if (!list.some((o) => o.kind === object.kind && o.value === object.value && (o as { lang?: string }).lang === (object as { lang?: string }).lang)) list.push(object);
    n.props.set(p, list);
    return this;
  }

  type(subject: Term, ...classes: string[]): this {
    for (const c of classes) this.add(subject, 'rdf:type', iri(expand(c)));
    return this;
  }

  /** Turtle with the prefixes above. */
  toTurtle(): string {
    const out = Object.entries(PREFIXES).map(([p, u]) => `@prefix ${p}: <${u}> .`);
    out.push('');
    for (const { subject, props } of this.nodes.values()) {
      const preds = [...props.entries()].map(([p, objs]) => `    ${p === PREFIXES.rdf + 'type' ? 'a' : ttlIri(p)} ${objs.map(ttlTerm).join(', ')}`);
      out.push(`${ttlTerm(subject)}\n${preds.join(' ;\n')} .\n`);
    }
    return out.join('\n');
  }

  /** JSON-LD: a @context of the prefixes and a flat @graph of node objects. */
  toJsonLd(): Record<string, unknown> {
    const graph = [...this.nodes.values()].map(({ subject, props }) => {
      const node: Record<string, unknown> = { '@id': subject.kind === 'blank' ? `_:${subject.value}` : subject.value };
      for (const [p, objs] of props) {
        if (p === PREFIXES.rdf + 'type') {
          node['@type'] = objs.map((o) => compact(o.value));
          continue;
        }
        node[compact(p)] = objs.map((o) =>
          o.kind === 'literal'
            ? { '@value': o.value, ...(o.lang ? { '@language': o.lang } : {}), ...(o.datatype ? { '@type': compact(o.datatype) } : {}) }
            : { '@id': o.kind === 'blank' ? `_:${o.value}` : o.value },
        );
      }
      return node;
    });
    return { '@context': PREFIXES, '@graph': graph };
  }
}

function compact(u: string): string {
  for (const [p, base] of Object.entries(PREFIXES)) if (u.startsWith(base) && /^[A-Za-z_][\w-]*$/.test(u.slice(base.length))) return `${p}:${u.slice(base.length)}`;
  return u;
}

function ttlIri(u: string): string {
  const c = compact(u);
  return c === u ? `<${u.replace(/[<>"{}|^`\\\s]/g, (ch) => encodeURIComponent(ch))}>` : c;
}

const ttlString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;

function ttlTerm(t: Term): string {
  if (t.kind === 'iri') return ttlIri(t.value);
  if (t.kind === 'blank') return `_:${t.value}`;
  return `${ttlString(t.value)}${t.lang ? `@${t.lang}` : t.datatype ? `^^${ttlIri(t.datatype)}` : ''}`;
}

/** EU frequency authority table (http://publications.europa.eu/resource/authority/frequency). */
export const EU_FREQUENCY: Record<string, string> = {
  daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', quarterly: 'QUARTERLY', semiannual: 'ANNUAL_2', annual: 'ANNUAL', irregular: 'IRREG', never: 'NEVER',
};
export const euFrequencyUri = (f: string) => `http://publications.europa.eu/resource/authority/frequency/${EU_FREQUENCY[f] ?? 'UNKNOWN'}`;
/** SPDX-style licence URIs of the catalogue's licence codes. */
export const LICENCE_URIS: Record<string, string> = {
  'CC-BY-4.0': 'https://creativecommons.org/licenses/by/4.0/',
  'CC0-1.0': 'https://creativecommons.org/publicdomain/zero/1.0/',
  'ODbL-1.0': 'https://opendatacommons.org/licenses/odbl/1-0/',
  'CC-BY-SA-4.0': 'https://creativecommons.org/licenses/by-sa/4.0/',
};
export const PUBLIC_ACCESS = 'http://publications.europa.eu/resource/authority/access-right/PUBLIC';
export const LANG_VIE = 'http://publications.europa.eu/resource/authority/language/VIE';
export const LANG_ENG = 'http://publications.europa.eu/resource/authority/language/ENG';

/** What the catalogue builder needs of one published dataset. */
export interface DcatDataset {
  id: string;
  name: string;
  title: string;
  titleEn: string | null;
  notes: string | null;
  notesEn: string | null;
  keywords: string[];
  euThemes: string[];
  publisher: { id: string; name: string; nameEn: string | null };
  contact: { name: string | null; email: string | null };
  spatial: { scope: 'province' | 'communes'; communes: string[] };
  temporal: { start: string | null; end: string | null };
  frequency: string;
  licence: string;
  issued: string;
  modified: string;
  version: number;
  distributions: { id: string; format: 'csv' | 'json' | 'xlsx' | 'geojson'; mediaType: string; url: string }[];
}

/** English labels of the EU data themes used (skos:prefLabel is mandatory on a skos:Concept). */
const EU_THEME_LABELS: Record<string, string> = {
  AGRI: 'Agriculture, fisheries, forestry and food', ECON: 'Economy and finance', EDUC: 'Education, culture and sport', ENER: 'Energy',
  ENVI: 'Environment', GOVE: 'Government and public sector', HEAL: 'Health', INTR: 'International issues', JUST: 'Justice, legal system and public safety',
  REGI: 'Regions and cities', SOCI: 'Population and society', TECH: 'Science and technology', TRAN: 'Transport',
};

const EU_FILE_TYPE: Record<string, string> = { csv: 'CSV', json: 'JSON', xlsx: 'XLSX', geojson: 'GEOJSON' };

/**
 * The DCAT-AP 3.0 graph of the portal: the catalogue, its publisher, each published dataset with
 * its distributions (one per download format) and the data services (CKAN API, DCAT-AP itself).
 */
export function buildCatalogue(base: string, datasets: DcatDataset[], now: string): Graph {
  const g = new Graph();
  const cat = iri(`${base}/catalog`);
  const province = iri(`${base}/api/opendata/publishers/gia-lai`);
  g.type(province, 'foaf:Agent').add(province, 'foaf:name', lit('Ủy ban nhân dân tỉnh Gia Lai', 'vi')).add(province, 'foaf:name', lit("Gia Lai Provincial People's Committee", 'en'));
  const vie = iri(LANG_VIE);
  const eng = iri(LANG_ENG);
  g.type(vie, 'dct:LinguisticSystem').type(eng, 'dct:LinguisticSystem');
  const gialai = iri(`${base}/api/geo/units/52`);
  g.type(gialai, 'dct:Location').add(gialai, 'skos:prefLabel', lit('Tỉnh Gia Lai', 'vi'));
  const publicAccess = iri(PUBLIC_ACCESS);
  g.type(publicAccess, 'dct:RightsStatement');
  g.type(cat, 'dcat:Catalog')
    .add(cat, 'dct:title', lit('Danh mục dữ liệu mở tỉnh Gia Lai', 'vi'))
    .add(cat, 'dct:title', lit('Gia Lai open data catalogue', 'en'))
    .add(cat, 'dct:description', lit('Các tập dữ liệu mở do cơ quan nhà nước tỉnh Gia Lai công bố.', 'vi'))
    .add(cat, 'dct:description', lit('Open datasets published by the public agencies of Gia Lai province.', 'en'))
    .add(cat, 'dct:publisher', province)
    .add(cat, 'foaf:homepage', iri(`${base}/`))
    .add(cat, 'dct:language', vie)
    .add(cat, 'dct:language', eng)
    .add(cat, 'dct:spatial', gialai)
    .add(cat, 'dct:modified', typed(now, 'xsd:dateTime'));
  const hp = iri(`${base}/`);
  g.type(hp, 'foaf:Document');

  const ckan = iri(`${base}/api/3/action`);
  // DCAT-AP's range shapes ask for URLs typed rdfs:Resource (no RDFS inference is assumed).
  g.type(iri(`${base}/api/3/action`), 'rdfs:Resource').type(iri(`${base}/api/openapi.json`), 'rdfs:Resource');
  g.type(ckan, 'dcat:DataService')
    .add(ckan, 'dct:title', lit('API tương thích CKAN', 'vi'))
    .add(ckan, 'dct:title', lit('CKAN-compatible Action API', 'en'))
    .add(ckan, 'dcat:endpointURL', iri(`${base}/api/3/action`))
    .add(ckan, 'dcat:endpointDescription', iri(`${base}/api/openapi.json`))
    .add(ckan, 'dct:accessRights', publicAccess)
    .add(ckan, 'dct:publisher', province);
  g.add(cat, 'dcat:service', ckan);

  const publishers = new Map<string, Term>();
  for (const d of datasets) {
    const ds = iri(`${base}/api/3/action/package_show?id=${d.name}`);
    g.type(ds, 'dcat:Dataset')
      .add(ds, 'dct:identifier', lit(d.id))
      .add(ds, 'dct:title', lit(d.title, 'vi'))
      .add(ds, 'dct:title', d.titleEn ? lit(d.titleEn, 'en') : null)
      .add(ds, 'dct:description', lit(d.notes ?? d.title, 'vi'))
      .add(ds, 'dct:description', d.notesEn ? lit(d.notesEn, 'en') : null)
      .add(ds, 'dct:issued', typed(d.issued, 'xsd:dateTime'))
      .add(ds, 'dct:modified', typed(d.modified, 'xsd:dateTime'))
      .add(ds, 'dcat:version', lit(String(d.version)))
      .add(ds, 'dct:language', vie)
      .add(ds, 'dct:accessRights', publicAccess)
      .add(ds, 'dcat:landingPage', iri(`${base}/du-lieu-mo/${d.name}`));
    g.type(iri(`${base}/du-lieu-mo/${d.name}`), 'foaf:Document');
    for (const k of d.keywords) g.add(ds, 'dcat:keyword', lit(k, 'vi'));
    for (const t of d.euThemes) {
      const th = iri(`http://publications.europa.eu/resource/authority/data-theme/${t}`);
      g.type(th, 'skos:Concept').add(th, 'skos:prefLabel', lit(EU_THEME_LABELS[t] ?? t, 'en')).add(ds, 'dcat:theme', th);
    }
    let pub = publishers.get(d.publisher.id);
    if (!pub) {
      pub = iri(`${base}/api/3/action/organization_show?id=${d.publisher.id}`);
      g.type(pub, 'foaf:Agent').add(pub, 'foaf:name', lit(d.publisher.name, 'vi')).add(pub, 'foaf:name', d.publisher.nameEn ? lit(d.publisher.nameEn, 'en') : null);
      publishers.set(d.publisher.id, pub);
    }
    g.add(ds, 'dct:publisher', pub);
    const cp = g.blank();
    g.type(cp, 'vcard:Kind', 'vcard:Organization').add(cp, 'vcard:fn', lit(d.contact.name ?? d.publisher.name)).add(ds, 'dcat:contactPoint', cp);
    if (d.contact.email) g.add(cp, 'vcard:hasEmail', iri(`mailto:${d.contact.email}`));
    if (d.spatial.scope === 'province') g.add(ds, 'dct:spatial', gialai);
    else {
      for (const c of d.spatial.communes) {
        const loc = iri(`${base}/api/geo/units/${c}`);
        g.type(loc, 'dct:Location').add(ds, 'dct:spatial', loc);
      }
    }
    if (d.temporal.start || d.temporal.end) {
      const t = g.blank();
      g.type(t, 'dct:PeriodOfTime').add(ds, 'dct:temporal', t);
      if (d.temporal.start) g.add(t, 'dcat:startDate', typed(d.temporal.start, 'xsd:date'));
      if (d.temporal.end) g.add(t, 'dcat:endDate', typed(d.temporal.end, 'xsd:date'));
    }
    const freq = iri(euFrequencyUri(d.frequency));
    g.type(freq, 'dct:Frequency').add(ds, 'dct:accrualPeriodicity', freq);
    const lic = LICENCE_URIS[d.licence] ? iri(LICENCE_URIS[d.licence]!) : null;
    if (lic) g.type(lic, 'dct:LicenseDocument');
    for (const dist of d.distributions) {
      const di = iri(`${base}/api/3/action/resource_show?id=${dist.id}`);
      const ft = iri(`http://publications.europa.eu/resource/authority/file-type/${EU_FILE_TYPE[dist.format]}`);
      const mt = iri(`https://www.iana.org/assignments/media-types/${dist.mediaType}`);
      g.type(ft, 'dct:MediaTypeOrExtent').type(mt, 'dct:MediaType').type(iri(dist.url), 'rdfs:Resource');
      g.type(di, 'dcat:Distribution')
        .add(di, 'dct:title', lit(`${d.title} (${dist.format.toUpperCase()})`, 'vi'))
        .add(di, 'dcat:accessURL', iri(dist.url))
        .add(di, 'dcat:downloadURL', iri(dist.url))
        .add(di, 'dcat:mediaType', mt)
        .add(di, 'dct:format', ft)
        .add(di, 'dct:license', lic)
        .add(di, 'dct:rights', null)
        .add(di, 'dct:modified', typed(d.modified, 'xsd:dateTime'))
        .add(di, 'dcat:accessService', ckan);
      g.add(ds, 'dcat:distribution', di);
    }
    g.add(cat, 'dcat:dataset', ds);
    g.add(ckan, 'dcat:servesDataset', ds);
  }
  return g;
}
