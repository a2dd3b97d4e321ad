import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  deviceSpecDir,
  listDeviceSpecs,
  loadDeviceSpec,
  loadDeviceSpecFile,
  parseDeviceSpec,
} from '../../latency/deviceSpec.js';
import { findPackageRoot } from '../../util/packageRoot.js';

const here = fileURLToPath(import.meta.url);

describe('findPackageRoot', () => {
  it('finds the package root from the compiled test file under dist/', () => {
    const root = findPackageRoot(import.meta.url);
    assert.ok(here.startsWith(root));
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name, 'hwnas');
  });

  it('works from a source-tree path and from a dist/ path of an installed copy', () => {
    const base = mkdtempSync(join(tmpdir(), 'hwnas-root-'));
    try {
      const pkg = join(base, 'node_modules', 'hwnas');
      mkdirSync(join(pkg, 'dist', 'latency'), { recursive: true });
      mkdirSync(join(pkg, 'latency'), { recursive: true });
      writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'someone-else' }));
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'hwnas' }));
      assert.equal(findPackageRoot(pathToFileURL(join(pkg, 'dist', 'latency', 'deviceSpec.js'))), pkg);
      assert.equal(findPackageRoot(pathToFileURL(join(pkg, 'latency', 'deviceSpec.ts')).href), pkg);
      assert.equal(findPackageRoot(join(pkg, 'dist', 'latency')), pkg);
      assert.throws(() => findPackageRoot(join(base, 'elsewhere', 'x.js')), /no package.json named 'hwnas' found at or above/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('shipped device specs', () => {
  it('live in latency/devices at the package root, not under dist/', () => {
    const dir = deviceSpecDir();
    assert.equal(dir, join(findPackageRoot(import.meta.url), 'latency', 'devices'));
    assert.ok(!dir.split(/[\\/]/).includes('dist'));
  });

  it('include rpi4, phone-big and gpu-small, all valid', () => {
    const names = listDeviceSpecs();
    for (const name of ['rpi4', 'phone-big', 'gpu-small']) assert.ok(names.includes(name), `${name} missing`);
    for (const name of names) assert.equal(loadDeviceSpec(name).name, name);
  });

  it('carry the derived peaks', () => {
    const rpi4 = loadDeviceSpec('rpi4');
    assert.equal(rpi4.maxThreads, 4);
    assert.equal(rpi4.peakMacsPerSecond.fp32, 4 * 1.5e9 * 4);
    assert.equal(rpi4.peakMacsPerSecond.int8, 4 * 1.5e9 * 8);
    const phone = loadDeviceSpec('phone-big');
    assert.equal(phone.peakMacsPerSecond.fp32, 2.84e9 * 16);
    assert.equal(phone.peakMacsPerSecond.int8, 2.84e9 * 64);
    const gpu = loadDeviceSpec('gpu-small');
    assert.ok(Math.abs(gpu.peakMacsPerSecond.fp32 - 128 * 921.6e6) / gpu.peakMacsPerSecond.fp32 < 1e-3);
    assert.ok(gpu.memoryBandwidthBytesPerSecond < 25.6e9);
  });

  it('rate depthwise convolutions far below dense ones, with a source for every number', () => {
    for (const name of listDeviceSpecs()) {
      const p = loadDeviceSpec(name);
      assert.ok(p.efficiency.dwconv <= p.efficiency.conv / 3, `${name}: dwconv ${p.efficiency.dwconv} vs conv ${p.efficiency.conv}`);
      assert.match(p.sources['efficiency.dwconv'], /far lower fraction of peak/);
      for (const key of ['peakMacsPerSecond.fp32', 'peakMacsPerSecond.int8', 'memoryBandwidthBytesPerSecond']) {
        assert.ok((p.sources[key] ?? '').length > 20, `${name}: sources["${key}"]`);
      }
    }
  });

  it('are cached and unknown names list the shipped ones', () => {
    assert.equal(loadDeviceSpec('rpi4'), loadDeviceSpec('rpi4'));
    assert.throws(() => loadDeviceSpec('../package'), /unknown device spec '..\/package': shipped profiles are .*rpi4/);
  });
});

describe('profile validation', () => {
  const valid = () => JSON.parse(readFileSync(join(deviceSpecDir(), 'rpi4.json'), 'utf8')) as Record<string, any>;

  it('names the offending field', () => {
    const p = valid();
    p.peakMacsPerSecond.fp32 = -1;
    assert.throws(() => parseDeviceSpec(p, 'test.json'), /device spec test.json is invalid:\n {2}peakMacsPerSecond\.fp32: /);
    const q = valid();
    q.efficiency.dwconv = 1.5;
    assert.throws(() => parseDeviceSpec(q, 'q'), /efficiency\.dwconv/);
    const r = valid();
    delete r.memoryBandwidthBytesPerSecond;
    assert.throws(() => parseDeviceSpec(r, 'r'), /memoryBandwidthBytesPerSecond/);
  });

  it('rejects unknown fields and numbers without a source', () => {
    const p = valid();
    p.peakMacsPerSecnd = 1;
    assert.throws(() => parseDeviceSpec(p, 'p'), /peakMacsPerSecnd/);
    const q = valid();
    delete q.sources['perOpOverheadMs'];
    assert.throws(() => parseDeviceSpec(q, 'q'), /sources\.perOpOverheadMs: every number needs a source/);
  });

  it('loads a profile file from any path and reports unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-profile-'));
    try {
      const file = join(dir, 'mine.json');
      writeFileSync(file, JSON.stringify({ ...valid(), name: 'mine' }));
      assert.equal(loadDeviceSpecFile(file).name, 'mine');
      writeFileSync(file, '{ not json');
      assert.throws(() => loadDeviceSpecFile(file), /cannot read device spec .*mine\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
