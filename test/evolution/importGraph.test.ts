import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { importGraph } from '../fixtures/importGraph.js';

/** tfjs (any @tensorflow package) and onnxruntime (node, web, common) must never load in a search worker. */
const kForbidden = /^(@tensorflow\/|onnxruntime)/;

const dist = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe('import graph of the search', () => {
  it('the fitness worker entry reaches neither tfjs nor onnxruntime, directly or transitively', () => {
    const graph = importGraph([dist('evolution/fitnessWorker.js')], kForbidden);
    assert.ok(graph.files.some((f) => f.endsWith('latency/targets.js')), 'the walk reaches the target registry');
    assert.ok(graph.packages.includes('piscina') && graph.packages.includes('zod'));
    assert.deepEqual(graph.packages.filter((p) => kForbidden.test(p)), []);
    assert.deepEqual(graph.flagged, []);
  });

  it('no module of evolution/ reaches them either', () => {
    const dir = dist('evolution');
    const roots = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => `${dir}/${f}`);
    assert.ok(roots.length >= 10);
    const graph = importGraph(roots, kForbidden);
    assert.deepEqual(graph.packages.filter((p) => kForbidden.test(p)), []);
    assert.deepEqual(graph.flagged, []);
  });

  it('does see them where they are imported (the check can fail)', () => {
    const graph = importGraph([dist('supernet/io.js')], kForbidden);
    assert.ok(graph.packages.includes('@tensorflow/tfjs'), graph.packages.join(', '));
    assert.ok(graph.flagged.length > 0);
  });
});
