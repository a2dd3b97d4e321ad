import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, parseSearchSpace, SpaceValidationError } from '../../space/schema.js';
import { fashionMbv3 } from '../../space/defaultSpace.js';
import { largestConfig } from '../../space/searchSpace.js';
import type { SearchSpace } from '../../space/types.js';

const space = fashionMbv3; // 4 stages, depths [1,2,3] x3 + [1,2]: 11 block slots

function validConfig(): Record<string, unknown> {
  return { ...largestConfig(space, { quant: 'mixed' }) };
}

function rejectsConfig(patch: Record<string, unknown>, pattern: RegExp): void {
  const json = { ...validConfig(), ...patch };
  for (const key of Object.keys(json)) if (json[key] === undefined) delete json[key];
  assert.throws(() => parseConfig(space, json), (err: unknown) => {
    assert.ok(err instanceof SpaceValidationError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('a valid config parses unchanged, from a value or from JSON text', () => {
  const cfg = validConfig();
  assert.deepEqual(parseConfig(space, cfg), cfg);
  assert.deepEqual(parseConfig(space, JSON.stringify(cfg)), cfg);
  const { wBits: _w, aBits: _a, ...float } = cfg;
  assert.deepEqual(parseConfig(space, float), float);
});

test('config errors name the field, the bad value and the allowed values', () => {
  const kernels = [...largestConfig(space).kernels];
  kernels[3] = 9;
  rejectsConfig({ kernels }, /config\.kernels\[3\] = 9 is not one of the space's kernels \[3, 5, 7\]/);
  rejectsConfig({ depths: [3, 3, 3] }, /config\.depths has 3 entries but the space has 4 stages: give one entry per stage/);
  rejectsConfig({ depths: [3, 5, 3, 2] }, /config\.depths\[1\] = 5 is not one of stage 1's depths \[1, 2, 3\]/);
  rejectsConfig({ depths: [3, 3, 3, 3] }, /config\.depths\[3\] = 3 is not one of stage 3's depths \[1, 2\]/);
  const wBits = [...(validConfig().wBits as number[])];
  wBits[2] = 5;
  rejectsConfig({ wBits }, /config\.wBits\[2\] = 5 is not one of \[4, 6, 8, 32\]/);
  const aBits = [...(validConfig().aBits as number[])];
  aBits[0] = 16;
  rejectsConfig({ aBits }, /config\.aBits\[0\] = 16 is not one of \[8, 32\]/);
  rejectsConfig({ widths: [1, 1, 0.6, 1] }, /config\.widths\[2\] = 0\.6 is not one of the space's width ratios \[0\.5, 0\.75, 1\]/);
  rejectsConfig({ expands: new Array(11).fill(5) }, /config\.expands\[0\] = 5 is not one of the space's expand ratios \[3, 4, 6\]/);
  rejectsConfig({ kernels: [3, 3] }, /config\.kernels has 2 entries but the space has 11 block slots: give one entry per block slot/);
  rejectsConfig({ aBits: undefined }, /config\.wBits is given but config\.aBits is not: give both .* or neither/);
});

test('config shape errors name the field', () => {
  rejectsConfig({ widths: undefined }, /config\.widths is missing: expected array/);
  rejectsConfig({ kernels: [3, 'x'] }, /config\.kernels\[1\] = "x" is invalid/);
  rejectsConfig({ kernel: [3] }, /config has unknown field\(s\) 'kernel'/);
  assert.throws(() => parseConfig(space, '{"depths": ['), /config is not valid JSON/);
});

test('every problem is reported, one per line', () => {
  try {
    parseConfig(space, { ...validConfig(), depths: [9, 9, 9, 9], widths: [2, 1, 1, 1] });
    assert.fail('expected a SpaceValidationError');
  } catch (err) {
    assert.ok(err instanceof SpaceValidationError);
    assert.equal(err.problems.length, 5);
    assert.equal(err.message.split('\n').length, 6);
  }
});

function spaceJson(): Record<string, any> {
  return JSON.parse(JSON.stringify(fashionMbv3));
}

function rejectsSpace(edit: (s: Record<string, any>) => void, pattern: RegExp): void {
  const json = spaceJson();
  edit(json);
  assert.throws(() => parseSearchSpace(json), (err: unknown) => {
    assert.ok(err instanceof SpaceValidationError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('the default space parses to an equal plain object', () => {
  const parsed: SearchSpace = parseSearchSpace(spaceJson());
  assert.deepEqual(parsed, spaceJson());
  assert.deepEqual(parseSearchSpace(JSON.stringify(fashionMbv3)), spaceJson());
});

test('space errors: shapes, empty, unsorted, even kernels, unknown fields', () => {
  rejectsSpace((s) => { s.kernels = []; }, /space\.kernels = \[\] is invalid/);
  rejectsSpace((s) => { s.kernels = [5, 3, 7]; }, /space\.kernels = \[5, 3, 7\] must be ascending without repeats/);
  rejectsSpace((s) => { s.expands = [3, 3, 6]; }, /space\.expands = \[3, 3, 6\] must be ascending without repeats/);
  rejectsSpace((s) => { s.stages[2].depths = [3, 1]; }, /space\.stages\[2\]\.depths = \[3, 1\] must be ascending/);
  rejectsSpace((s) => { s.kernels = [3, 4]; }, /space\.kernels\[1\] = 4 must be odd/);
  rejectsSpace((s) => { s.stages[0].width = -8; }, /space\.stages\[0\]\.width = -8 is invalid/);
  rejectsSpace((s) => { s.stages[0].stride = 3; }, /space\.stages\[0\]\.stride = 3 is invalid/);
  rejectsSpace((s) => { s.widthRatios = [0.5, 1.5]; }, /space\.widthRatios\[1\] = 1\.5 is invalid/);
  rejectsSpace((s) => { s.quant.weightBits = [4, 5]; }, /space\.quant\.weightBits\[1\] = 5 is invalid/);
  rejectsSpace((s) => { s.stages = []; }, /space\.stages = \[\] is invalid/);
  rejectsSpace((s) => { s.head.widht = 3; }, /space\.head has unknown field\(s\) 'widht'/);
  rejectsSpace((s) => { delete s.quant; }, /space\.quant is missing/);
});

test('space errors: two choices that build the same subnet', () => {
  rejectsSpace(
    (s) => { s.stages[0].width = 24; },
    /space\.stages\[0\]\.width = 24 gives 24 channels at both width ratios 0\.75 and 1 .*\(e\.g\. 32\)/,
  );
  rejectsSpace(
    (s) => { s.expands = [3, 3.2]; },
    /space\.expands 3 and 3\.2 both give 48 middle channels for a block of stage 0 reading 16 channels/,
  );
});
