import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import rdf from '@zazuko/env';
// The parsers @zazuko/env ships with (its own dependency; @zazuko/env-node registers them the same way).
import formats from '@rdfjs/formats';
import SHACLValidator from 'rdf-validate-shacl';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

rdf.formats.import(formats);
const SHAPES = new URL('../../../test/fixtures/dcat-ap/dcat-ap-3.0.0-SHACL.ttl', import.meta.url);

/** Parses RDF text of a media type into a dataset with the same RDF/JS environment the validator uses. */
async function parse(text: string, mediaType: 'text/turtle' | 'application/ld+json') {
  const quads = rdf.formats.parsers.import(mediaType, Readable.from([text]), { baseIRI: 'http://localhost/' });
  if (!quads) throw new Error(`no parser for ${mediaType}`);
  return rdf.dataset().import(quads);
}

async function validate(text: string, mediaType: 'text/turtle' | 'application/ld+json') {
  const shapes = await parse(await readFile(SHAPES, 'utf8'), 'text/turtle');
  const data = await parse(text, mediaType);
  const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);
  const violations = report.results.filter((r) => r.severity?.value.endsWith('#Violation'));
  return { conforms: violations.length === 0, data, violations: violations.map((r) => `${r.focusNode?.value ?? ''} ${r.path?.value ?? ''}: ${r.message.map((m) => m.value).join('; ')}`) };
}

for (const engine of engines()) {
  describe(`DCAT-AP 3.0 catalogue (${engine})`, () => {
    let p: TestPlatform;
    before(async () => {
      p = await testPlatform(engine);
    });
    after(() => p.close());

    test('the Turtle catalogue passes the official DCAT-AP 3.0.0 SHACL shapes with no violation', async () => {
      const r = await p.app.inject({ url: '/catalog.ttl' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/turtle/);
      const v = await validate(r.body, 'text/turtle');
      assert.ok(v.conforms, `${v.violations.length} violations; first: ${v.violations.slice(0, 5).join(' | ')}`);
      const type = rdf.namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');
      const datasets = [...v.data.match(null, type, rdf.namedNode('http://www.w3.org/ns/dcat#Dataset'))];
      assert.ok(datasets.length >= 5, 'the demo datasets are in the catalogue');
      const services = [...v.data.match(null, type, rdf.namedNode('http://www.w3.org/ns/dcat#DataService'))];
      assert.ok(services.length >= 1);
      const titles = [...v.data.match(null, rdf.namedNode('http://purl.org/dc/terms/title'), null)].map((q) => q.object);
      assert.ok(titles.some((t) => t.termType === 'Literal' && t.language === 'vi') && titles.some((t) => t.termType === 'Literal' && t.language === 'en'), 'titles in Vietnamese and English');
      const themes = [...v.data.match(null, rdf.namedNode('http://www.w3.org/ns/dcat#theme'), null)].map((q) => q.object.value);
      assert.ok(themes.every((t) => t.startsWith('http://publications.europa.eu/resource/authority/data-theme/')));
      const freq = [...v.data.match(null, rdf.namedNode('http://purl.org/dc/terms/accrualPeriodicity'), null)].map((q) => q.object.value);
      assert.ok(freq.includes('http://publications.europa.eu/resource/authority/frequency/ANNUAL'));
    });

    test('the JSON-LD catalogue carries the same graph and passes too; /catalog negotiates', async () => {
      const [ttl, jsonld] = await Promise.all([p.app.inject({ url: '/catalog.ttl' }), p.app.inject({ url: '/catalog.jsonld' })]);
      const v = await validate(jsonld.body, 'application/ld+json');
      assert.ok(v.conforms, `${v.violations.length} violations; first: ${v.violations.slice(0, 5).join(' | ')}`);
      assert.equal(v.data.size, (await parse(ttl.body, 'text/turtle')).size);
      const neg = await p.app.inject({ url: '/catalog', headers: { accept: 'text/turtle' } });
      assert.match(String(neg.headers['content-type']), /^text\/turtle/);
      const neg2 = await p.app.inject({ url: '/catalog', headers: { accept: 'application/ld+json' } });
      assert.match(String(neg2.headers['content-type']), /^application\/ld\+json/);
      assert.equal((await p.app.inject({ url: '/catalog', headers: { accept: 'image/png' } })).statusCode, 406);
    });
  });
}
