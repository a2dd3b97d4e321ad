import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { decodeModel, encodeModel, onnxRoot } from '../../../supernet/export/onnx/schema.js';
import { officialOnnxProto } from '../../fixtures/onnxChecker.js';

/** Every message and enum under `ns`, by full name. */
function collect(ns: protobuf.NamespaceBase, out = new Map<string, protobuf.Type | protobuf.Enum>()): Map<string, protobuf.Type | protobuf.Enum> {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type || child instanceof protobuf.Enum) out.set(child.fullName, child);
    if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) collect(child, out);
  }
  return out;
}

describe('ONNX protobuf schema', () => {
  it('every field and enum value matches the official onnx.proto (name, number, type, label)', () => {
    const official = collect(protobuf.parse(readFileSync(officialOnnxProto(), 'utf8'), { keepCase: true }).root);
    const ours = collect(onnxRoot());
    assert.ok(ours.size >= 12, `schema has ${ours.size} types`);
    for (const [name, mine] of ours) {
      const theirs = official.get(name);
      assert.ok(theirs, `${name} is not in onnx.proto`);
      if (mine instanceof protobuf.Enum) {
        for (const [key, value] of Object.entries(mine.values)) assert.equal((theirs as protobuf.Enum).values[key], value, `${name}.${key}`);
        continue;
      }
      for (const field of mine.fieldsArray) {
        const t: protobuf.Field | undefined = (theirs as protobuf.Type).fields[field.name];
        assert.ok(t, `${name}.${field.name} is not in onnx.proto`);
        assert.equal(field.id, t.id, `${name}.${field.name} number`);
        assert.equal(field.type, t.type, `${name}.${field.name} type`);
        assert.equal(field.repeated, t.repeated, `${name}.${field.name} repeated`);
      }
    }
  });

  it('round-trips a model and names an invalid field', () => {
    const bytes = encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 14 }], graph: { name: 'g', node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }] } });
    const back = decodeModel(bytes) as { ir_version: number; graph: { node: Array<{ op_type: string }> } };
    assert.equal(back.ir_version, 8);
    assert.equal(back.graph.node[0].op_type, 'Relu');
    assert.throws(() => encodeModel({ graph: { name: 7 } }), /invalid ONNX model: .*name/);
  });
});
