/**
 * The few protobuf messages a TensorBoard scalar log needs, encoded by hand
 * (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto):
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */
const utf8 = new TextEncoder();

class ProtoWriter {
  private parts: number[] = [];
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) { this.parts.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.parts.push(Number(x));
    return this;
  }
  tag(field: number, wire: number): this { return this.varint((field << 3) | wire); }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.tag(field, 1);
    for (const x of b) this.parts.push(x);
    return this;
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5);
    for (const x of b) this.parts.push(x);
    return this;
  }
  finish(): Uint8Array { return Uint8Array.from(this.parts); }
}

/** The first record of every events file: tells readers the format version. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).bytes(3, utf8.encode('brain.Event:2')).finish();
}

/** One Event holding one step's scalars (tag → value). */
export function scalarEvent(wallTime: number, step: number, scalars: [string, number][]): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of scalars) summary.bytes(1, new ProtoWriter().bytes(1, utf8.encode(tag)).float(2, value).finish());
  return new ProtoWriter().double(1, wallTime).tag(2, 0).varint(step).bytes(5, summary.finish()).finish();
}
