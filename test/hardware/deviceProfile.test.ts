import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  deviceProfileDir,
  listDeviceProfiles,
  loadDeviceProfile,
  loadDeviceProfileFile,
  parseDeviceProfile,
} from '../../hardware/deviceProfile.js';
import { findPackageRoot } from '../../hardware/packageRoot.js';

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
      mkdirSync(join(pkg, 'dist', 'hardware'), { recursive: true });
      mkdirSync(join(pkg, 'hardware'), { recursive: true });
      writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'someone-else' }));
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'hwnas' }));
      assert.equal(findPackageRoot(pathToFileURL(join(pkg, 'dist', 'hardware', 'deviceProfile.js'))), pkg);
      assert.equal(findPackageRoot(pathToFileURL(join(pkg, 'hardware', 'deviceProfile.ts')).href), pkg);
      assert.equal(findPackageRoot(join(pkg, 'dist', 'hardware')), pkg);
      assert.throws(() => findPackageRoot(join(base, 'elsewhere', 'x.js')), /no package.json named 'hwnas' found at or above/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('shipped device profiles', () => {
  it('live in hardware/devices at the package root, not under dist/', () => {
    const dir = deviceProfileDir();
    assert.equal(dir, join(findPackageRoot(import.meta.url), 'hardware', 'devices'));
    assert.ok(!dir.split(/[\\/]/).includes('dist'));
  });

  it('include rpi4, phone-big and gpu-small, all valid', () => {
    const names = listDeviceProfiles();
    for (const name of ['rpi4', 'phone-big', 'gpu-small']) assert.ok(names.includes(name), `${name} missing`);
    for (const name of names) assert.equal(loadDeviceProfile(name).name, name);
  });

  it('carry the derived peaks', () => {
    const rpi4 = loadDeviceProfile('rpi4');
    assert.equal(rpi4.maxThreads, 4);
    assert.equal(rpi4.peakMacsPerSecond.fp32, 4 * 1.5e9 * 4);
    assert.equal(rpi4.peakMacsPerSecond.int8, 4 * 1.5e9 * 8);
    const phone = loadDeviceProfile('phone-big');
    assert.equal(phone.peakMacsPerSecond.fp32, 2.84e9 * 16);
    assert.equal(phone.peakMacsPerSecond.int8, 2.84e9 * 64);
    const gpu = loadDeviceProfile('gpu-small');
    assert.ok(Math.abs(gpu.peakMacsPerSecond.fp32 - 128 * 921.6e6) / gpu.peakMacsPerSecond.fp32 < 1e-3);
    assert.ok(gpu.memoryBandwidthBytesPerSecond < 25.6e9);
  });

  it('rate depthwise convolutions far below dense ones, with a source for every number', () => {
    for (const name of listDeviceProfiles()) {
      const p = loadDeviceProfile(name);
      assert.ok(p.efficiency.dwconv <= p.efficiency.conv / 3, `${name}: dwconv ${p.efficiency.dwconv} vs conv ${p.efficiency.conv}`);
      assert.match(p.sources['efficiency.dwconv'], /far lower fraction of peak/);
      for (const key of ['peakMacsPerSecond.fp32', 'peakMacsPerSecond.int8', 'memoryBandwidthBytesPerSecond']) {
        assert.ok((p.sources[key] ?? '').length > 20, `${name}: sources["${key}"]`);
      }
    }
  });

  it('are cached and unknown names list the shipped ones', () => {
    assert.equal(loadDeviceProfile('rpi4'), loadDeviceProfile('rpi4'));
    assert.throws(() => loadDeviceProfile('../package'), /unknown device profile '..\/package': shipped profiles are .*rpi4/);
  });
});

describe('profile validation', () => {
  const valid = () => JSON.parse(readFileSync(join(deviceProfileDir(), 'rpi4.json'), 'utf8')) as Record<string, any>;

  it('names the offending field', () => {
    const p = valid();
    p.peakMacsPerSecond.fp32 = -1;
    assert.throws(() => parseDeviceProfile(p, 'test.json'), /device profile test.json is invalid:\n {2}peakMacsPerSecond\.fp32: /);
    const q = valid();
    q.efficiency.dwconv = 1.5;
    assert.throws(() => parseDeviceProfile(q, 'q'), /efficiency\.dwconv/);
    const r = valid();
    delete r.memoryBandwidthBytesPerSecond;
    assert.throws(() => parseDeviceProfile(r, 'r'), /memoryBandwidthBytesPerSecond/);
  });

  it('rejects unknown fields and numbers without a source', () => {
    const p = valid();
    p.peakMacsPerSecnd = 1;
    assert.throws(() => parseDeviceProfile(p, 'p'), /peakMacsPerSecnd/);
    const q = valid();
    delete q.sources['perOpOverheadMs'];
    assert.throws(() => parseDeviceProfile(q, 'q'), /sources\.perOpOverheadMs: every number needs a source/);
  });

  it('loads a profile file from any path and reports unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-profile-'));
    try {
      const file = join(dir, 'mine.json');
      writeFileSync(file, JSON.stringify({ ...valid(), name: 'mine' }));
      assert.equal(loadDeviceProfileFile(file).name, 'mine');
      writeFileSync(file, '{ not json');
      assert.throws(() => loadDeviceProfileFile(file), /cannot read device profile .*mine\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
