/**
 * `package_search` as CKAN answers it (issue 5): CKAN hands a free-text `q` to Solr's dismax with
 * `mm=2<-1 5<80%` and `qf=name^4 title^4 tags^2 groups^2 text` (ckan/lib/search/query.py), and a
 * `q` with `field:value` to the standard parser; the examples below follow CKAN's API docs
 * (`q=tags:economy`, `fq=res_format:CSV`, `facet.field=["tags"]`). Plus the commune facet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { minimumMatch } from './ckan-query.js';

interface Found {
  count: number;
  sort: string;
  results: { name: string; title: string }[];
  facets: Record<string, Record<string, number>>;
  search_facets: Record<string, { items: { name: string; display_name: string; count: number }[] }>;
}

test("minimum-should-match is CKAN's 2<-1 5<80%: all of 1–2 words, all but one of 3–5, 80 % (rounded down) of more", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(minimumMatch), [1, 2, 2, 3, 4, 4, 5, 8]);
});

for (const engine of engines()) {
  describe(`package_search semantics (${engine})`, () => {
    let p: TestPlatform;
    const search = async (qs: string) => {
      const r = await p.app.inject({ url: `/api/3/action/package_search?${qs}` });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { result: Found }).result;
    };
    const q = (text: string, extra = '') => search(`q=${encodeURIComponent(text)}&rows=100${extra}`);
    const names = (f: Found) => f.results.map((x) => x.name);
    const publish = async (slug: string, meta: Record<string, unknown>) => {
      await p.catalog.createDataset(SYSTEM, {
        slug, publisherOrgId: 'so-vh-tt-dl', access: 'open', licence: 'CC-BY-4.0', themes: ['van-hoa'],
        columns: [{ name: 'ma_xa', title: 'Mã xã', type: 'text', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} }],
        title: slug, ...meta,
      });
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from('Mã xã\n23575\n')]), { filename: `${slug}.csv`, contentType: 'text/csv' });
      assert.equal((await p.ingest.ingest(SYSTEM, { dataset: slug, uploadId: u.id, mode: 'replace', validRowsOnly: false })).status, 'loaded');
      const pub = await p.opendata.propose(SYSTEM, slug);
      await p.opendata.approve(SYSTEM, pub.id);
    };

    before(async () => {
      p = await testPlatform(engine);
      // The six demo datasets are published by the seed; three more make ranking and coverage visible.
      await publish('s-le-hoi', { title: 'Lễ hội văn hóa và du lịch Gia Lai', keywords: ['lễ hội'], spatial: { scope: 'communes', communes: ['23575', '21553'] } });
      await publish('s-mo-ta', { title: 'Danh mục di tích', description: 'Di tích phục vụ du lịch cộng đồng', keywords: ['di tích'], spatial: { scope: 'communes', communes: ['23575'] } });
      await publish('s-lich-le', { title: 'Lịch lễ hội truyền thống', keywords: ['lễ hội'] });
    });
    after(() => p.close());

    test('"du lich" needs both words (not either), finds "Du lịch" without diacritics, and ranks title matches first', async () => {
      const plain = await q('du lich');
      const accented = await q('du lịch');
      assert.deepEqual(names(plain), names(accented), 'with or without diacritics');
      // Every demo title says "dữ liệu mẫu" (folds to "du"), so OR-ed words would return everything.
      assert.ok(!names(plain).includes('mau-cum-cong-nghiep') && !names(plain).includes('s-lich-le'), names(plain).join());
      assert.deepEqual(new Set(names(plain)), new Set(['mau-co-so-luu-tru-du-lich', 's-le-hoi', 's-mo-ta']));
      assert.equal(names(plain).at(-1), 's-mo-ta', 'a description-only match ranks below title matches');
      assert.equal(plain.sort, 'score desc, metadata_modified desc', "CKAN's default sort with q");
      assert.ok((await q('du lich', '&fq=groups:du-lich')).results.every((r) => r.name === 'mau-co-so-luu-tru-du-lich'));
    });

    test('of three words all but one must match; a missing word among two matches nothing', async () => {
      assert.ok(names(await q('du lich zzqqxx')).includes('mau-co-so-luu-tru-du-lich'));
      assert.equal((await q('lich zzqqxx')).count, 0);
    });

    test('+word is required, -word excluded, "quoted words" are a phrase', async () => {
      const noFestival = names(await q('du lich -hoi'));
      assert.ok(!noFestival.includes('s-le-hoi') && noFestival.includes('s-mo-ta'));
      assert.deepEqual(names(await q('+lich +truyen')), ['s-lich-le']);
      assert.ok(names(await q('"lich le hoi"')).includes('s-lich-le'));
      assert.ok(!names(await q('"le hoi lich"')).includes('s-lich-le'), 'a phrase keeps its word order');
    });

    test('a fielded q is read like fq (CKAN: q=tags:economy); bare words in it search the text', async () => {
      assert.deepEqual(names(await q('tags:"di tích"')), ['s-mo-ta']);
      assert.deepEqual(names(await q('tags:"lễ hội" title:truyen')), ['s-lich-le']);
      assert.deepEqual(names(await q('title:"di tich" cong')), ['s-mo-ta']);
      assert.equal((await q('title:"phuc vu"')).count, 0, 'title: searches the title only, not the description');
      assert.deepEqual(names(await q('text:"phuc vu"')), ['s-mo-ta']);
    });

    test('a word with a typo falls back to trigram similarity only when the words match nothing', async () => {
      assert.ok(names(await q('truyen thongg')).includes('s-lich-le'));
    });

    test('commune facet: counts by declared coverage, names in display_name, usable in fq and as communes:*', async () => {
      const all = await search(`facet.field=${encodeURIComponent('["communes","groups"]')}&rows=0`);
      const pleiku = all.search_facets.communes!.items.find((i) => i.name === '23575')!;
      assert.equal(pleiku.display_name.normalize('NFC'), 'Phường Pleiku');
      assert.ok(pleiku.count >= 2, JSON.stringify(pleiku));
      assert.equal(all.facets.communes!['23575'], pleiku.count, 'facets and search_facets agree');
      assert.equal(all.search_facets.communes!.items.find((i) => i.name === '21553')?.display_name.normalize('NFC'), 'Phường Quy Nhơn Bắc');
      const inPleiku = await search(`fq=${encodeURIComponent('communes:23575')}&rows=100`);
      assert.equal(inPleiku.count, pleiku.count);
      assert.ok(names(inPleiku).includes('s-le-hoi') && names(inPleiku).includes('s-mo-ta') && !names(inPleiku).includes('s-lich-le'));
      const covered = await search(`fq=${encodeURIComponent('communes:*')}&rows=100`);
      assert.ok(!names(covered).includes('s-lich-le'), 'a province-wide package has no commune');
      assert.equal((await search(`fq=${encodeURIComponent('communes:23575')}&q=${encodeURIComponent('di tich')}`)).count, 1);
    });

    test('the unfiltered count and facets follow a publish and an unpublish at once', async () => {
      const before = await search(`facet.field=${encodeURIComponent('["groups"]')}&rows=0`);
      await publish('s-moi', { title: 'Tập mới', themes: ['y-te'] });
      const afterPublish = await search(`facet.field=${encodeURIComponent('["groups"]')}&rows=0`);
      assert.equal(afterPublish.count, before.count + 1);
      assert.equal(afterPublish.facets.groups!['y-te'] ?? 0, (before.facets.groups!['y-te'] ?? 0) + 1);
      await p.opendata.unpublish(SYSTEM, 's-moi');
      assert.equal((await search(`facet.field=${encodeURIComponent('["groups"]')}&rows=0`)).count, before.count);
    });
  });
}
