// `cache prune`: drops entries older than the cutoff and the objects only they
// used; never what the workspace state still points at, nor anything recent.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunksNamedIn, putPieces } from '../../src/cache/dataset-chunks.js';
import { cacheStats, pruneCache } from '../../src/cache/maintenance.js';
import type { StageRecord } from '../../src/cache/state.js';
import { WorkspaceState } from '../../src/cache/state.js';
import { KEY_BYTES, keyOf } from '../../src/cache/item-keys.js';
import { ItemManifestBuilder } from '../../src/cache/item-manifest.js';
import { DatasetWriter } from '../../src/engine/dataset.js';
import { RawsWriter } from '../../src/engine/map/item-raws.js';
import { blob, CUTOFF, DAY, fixture, keys, NEW, NOW, OLD, record, storeRecord } from './maintenance-fixture.js';
import type { Fixture } from './maintenance-fixture.js';

describe('pruneCache', () => {
  it('removes old entries and the objects only they used; keeps new ones, live ones and their objects', async () => {
    const f = await fixture();
    const oldDead = record(f, 'old-dead', OLD);
    const oldLive = record(f, 'old-live', OLD);
    const fresh = record(f, 'fresh', NEW);
    await storeRecord(f, oldDead);
    await storeRecord(f, oldLive);
    await storeRecord(f, fresh);
    // Item manifests: an old one (its blobs go with it) and a new one (its blobs stay, however old).
    const itemsOld = {
      manifest: blob(f, 'old item manifest', OLD),
      dataset: blob(f, 'old item dataset', OLD),
      at: OLD,
    };
    const itemsNew = {
      manifest: blob(f, 'new item manifest', OLD),
      dataset: blob(f, 'new item dataset', OLD),
      at: NEW,
    };
    await f.store.set('items:old', itemsOld);
    await f.store.set('items:new', itemsNew);
    const state = new WorkspaceState(path.join(f.stateDir, 'state.json'));
    state.set('p/live', oldLive);
    state.save();
    const orphanOld = blob(f, 'orphan old', OLD);
    const orphanNew = blob(f, 'orphan new', NEW);

    const result = await pruneCache(f.store, f.stateDir, CUTOFF);

    expect(await keys(f.store)).toEqual([
      'items:new',
      'manifest:fp-fresh',
      'manifest:fp-old-live',
      'stage:fp-fresh',
      'stage:fp-old-live',
    ]);
    const gone = [oldDead.outputs[0]?.hash ?? '', orphanOld, itemsOld.manifest, itemsOld.dataset];
    const kept = [
      oldLive.outputs[0]?.hash ?? '',
      fresh.outputs[0]?.hash ?? '',
      orphanNew,
      itemsNew.manifest,
      itemsNew.dataset,
    ];
    for (const hash of gone) expect(f.objects.has(hash), `removed ${hash}`).toBe(false);
    for (const hash of kept) expect(f.objects.has(hash), `kept ${hash}`).toBe(true);
    expect(result).toEqual({
      entriesRemoved: 3,
      objectsRemoved: 4,
      bytesFreed:
        'output of old-dead'.length + 'orphan old'.length + 'old item manifest'.length + 'old item dataset'.length,
    });
    expect(f.errors).toEqual([]);
  });

  it("keeps the chunks of a kept stage's records, and drops those of a dataset no entry keeps", async () => {
    const f = await fixture();
    const write = async (tag: string): Promise<{ hash: string; chunks: string[] }> => {
      const writer = new DatasetWriter(f.objects);
      for (let i = 0; i < 40_000; i++) writer.writeLines(`${JSON.stringify({ i, tag, text: 'x'.repeat(40) })}\n`);
      const { hash } = await writer.finish();
      const chunks = chunksNamedIn(f.objects.pathOf(hash));
      for (const name of [hash, ...chunks]) fs.utimesSync(f.objects.pathOf(name), new Date(OLD), new Date(OLD));
      return { hash, chunks };
    };
    const live = await write('live');
    const dead = await write('dead');
    expect(live.chunks.length).toBeGreaterThan(3);
    const kept: StageRecord = { ...record(f, 'kept', NEW), dataset: { hash: live.hash, count: 40_000 } };
    await f.store.set('stage:fp-kept', kept);
    await pruneCache(f.store, f.stateDir, CUTOFF);
    for (const hash of [live.hash, ...live.chunks]) expect(f.objects.has(hash), `kept ${hash}`).toBe(true);
    for (const hash of [dead.hash, ...dead.chunks]) expect(f.objects.has(hash), `removed ${hash}`).toBe(false);
  });

  it.each([
    ['in pieces', (f: Fixture, bytes: Buffer): string => putPieces(f.objects, bytes)],
    ['written whole (an older runner)', (f: Fixture, bytes: Buffer): string => f.objects.putBytes(bytes)],
  ])(
    "keeps the raw results an item manifest kept names (their dataset and its chunks), and drops a dropped one's: %s",
    async (_how, put) => {
      const f = await fixture();
      const write = async (tag: string): Promise<{ manifest: string; raws: string[] }> => {
        const builder = new ItemManifestBuilder();
        const rawsWriter = new RawsWriter(f.objects);
        const keys = Buffer.concat(Array.from({ length: 3000 }, (_, i) => keyOf(`${tag} ${i}`)));
        for (let i = 0; i < 3000; i++)
          rawsWriter.write(
            builder,
            builder.add(keys, i * KEY_BYTES, 0, 0, 0),
            JSON.stringify({ tag, i, v: 'v'.repeat(300) }),
          );
        const rawsHash = (await rawsWriter.finish()) ?? '';
        const manifest = put(f, builder.encode('d'.repeat(64), rawsHash));
        const raws = [rawsHash, ...chunksNamedIn(f.objects.pathOf(rawsHash))];
        const pieces = chunksNamedIn(f.objects.pathOf(manifest));
        for (const name of [manifest, ...pieces, ...raws])
          fs.utimesSync(f.objects.pathOf(name), new Date(OLD), new Date(OLD));
        return { manifest, raws: [...pieces, ...raws] };
      };
      const live = await write('live');
      const dead = await write('dead');
      expect(live.raws.length).toBeGreaterThan(3);
      const kept: StageRecord = {
        ...record(f, 'kept', NEW),
        itemManifest: { scope: 'scope', manifest: live.manifest },
      };
      await f.store.set('stage:fp-kept', kept);
      await pruneCache(f.store, f.stateDir, CUTOFF);
      for (const hash of [live.manifest, ...live.raws]) expect(f.objects.has(hash), `kept ${hash}`).toBe(true);
      for (const hash of [dead.manifest, ...dead.raws]) expect(f.objects.has(hash), `removed ${hash}`).toBe(false);
    },
  );

  it('keeps an old object still referenced by a kept entry, even one the state does not name', async () => {
    const f = await fixture();
    const shared = blob(f, 'shared output', OLD);
    const fresh: StageRecord = {
      ...record(f, 'fresh', NEW),
      outputs: [{ path: 'o', hash: shared, size: 13, mode: 0o100644 }],
    };
    await f.store.set('stage:fp-fresh', fresh);
    await pruneCache(f.store, f.stateDir, CUTOFF);
    expect(f.objects.has(shared)).toBe(true);
  });

  it('keeps entries that carry no creation time (memo values): their age is unknown', async () => {
    const f = await fixture();
    await f.store.set('memo:p/s:k', { some: 'value' });
    await f.store.set('memo:p/s:plain', 'text');
    const result = await pruneCache(f.store, f.stateDir, CUTOFF);
    expect(await keys(f.store)).toEqual(['memo:p/s:k', 'memo:p/s:plain']);
    expect(result.entriesRemoved).toBe(0);
  });

  it('removes the glob memos not written since the cutoff', async () => {
    const f = await fixture();
    const globs = path.join(f.stateDir, 'globs');
    fs.mkdirSync(globs);
    for (const [name, mtime] of [
      ['old', OLD],
      ['new', NEW],
    ] as const) {
      fs.writeFileSync(path.join(globs, name), 'runner-glob 2');
      fs.utimesSync(path.join(globs, name), new Date(mtime), new Date(mtime));
    }
    await pruneCache(f.store, f.stateDir, CUTOFF);
    expect(fs.readdirSync(globs)).toEqual(['new']);
  });

  it('with a cutoff in the future removes everything not live', async () => {
    const f = await fixture();
    const live = record(f, 'live', NEW);
    await storeRecord(f, live);
    await storeRecord(f, record(f, 'other', NEW));
    const state = new WorkspaceState(path.join(f.stateDir, 'state.json'));
    state.set('p/live', live);
    state.save();
    await pruneCache(f.store, f.stateDir, NOW + DAY);
    expect(await keys(f.store)).toEqual(['manifest:fp-live', 'stage:fp-live']);
    expect((await cacheStats(f.store, f.stateDir)).objects.count).toBe(1);
  });
});
