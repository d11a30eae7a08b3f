// Two inner loops of clustering in WebAssembly SIMD, 16 bytes per step:
//   dot(a, b, n)      the integer dot product of two int8 rows of n bytes
//   matches(a, b, n)  how many of n bytes are equal (MinHash slots agreeing)
// Arguments are byte offsets into the instance's own memory, where the
// caller puts its rows. The module is small enough to write out: its text form is
//
//   (module
//     (memory (export "memory") 1)
//     (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result i32)
//       (local $i i32) (local $sum v128) (local $x v128) (local $y v128)
//       (block (loop
//         (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
//         (local.set $x (v128.load (i32.add (local.get $a) (local.get $i))))
//         (local.set $y (v128.load (i32.add (local.get $b) (local.get $i))))
//         (local.set $sum (i32x4.add
//           (i32x4.add (local.get $sum) (i32x4.extadd_pairwise_i16x8_s (i16x8.extmul_low_i8x16_s (local.get $x) (local.get $y))))
//           (i32x4.extadd_pairwise_i16x8_s (i16x8.extmul_high_i8x16_s (local.get $x) (local.get $y)))))
//         (local.set $i (i32.add (local.get $i) (i32.const 16)))
//         (br 0)))
//       (i32.add (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
//                (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
//     (func (export "matches") (param $a i32) (param $b i32) (param $n i32) (result i32)
//       (local $i i32) (local $count i32)
//       (block (loop
//         (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
//         (local.set $count (i32.add (local.get $count) (i32.popcnt (i8x16.bitmask (i8x16.eq
//           (v128.load (i32.add (local.get $a) (local.get $i)))
//           (v128.load (i32.add (local.get $b) (local.get $i))))))))
//         (local.set $i (i32.add (local.get $i) (i32.const 16)))
//         (br 0)))
//       (local.get $count)))
//
// Products of two int8 values fit an int16 lane, and the int32 lanes cannot
// overflow below 2^15 dimensions, so dot is exact: the same integer as the
// plain loop in vectors.ts. Where WebAssembly SIMD is missing, callers keep
// their JavaScript loops (simdKernels() returns undefined).

// Opcodes used below.
const GET = 0x20;
const SET = 0x21;
const I32_ADD = 0x6a;
const I32_GE_U = 0x4f;
const I32_CONST = 0x41;
const I32_POPCNT = 0x69;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const BR_IF = 0x0d;
const BR = 0x0c;
const END = 0x0b;
const V128_LOAD = [0xfd, 0x00, 0x00, 0x00]; // align 1, offset 0
const EXTMUL_LOW_S = [0xfd, 0x9c, 0x01]; // i16x8.extmul_low_i8x16_s
const EXTMUL_HIGH_S = [0xfd, 0x9d, 0x01]; // i16x8.extmul_high_i8x16_s
const EXTADD_PAIRWISE_S = [0xfd, 0x7e]; // i32x4.extadd_pairwise_i16x8_s
const I32X4_ADD = [0xfd, 0xae, 0x01];
const EXTRACT_LANE = [0xfd, 0x1b]; // i32x4.extract_lane, then the lane
const I8X16_EQ = [0xfd, 0x23];
const I8X16_BITMASK = [0xfd, 0x64];
const I32 = 0x7f;
const V128 = 0x7b;

// Locals: 0 a, 1 b, 2 n, then each function's own.
const loopHead = [...BLOCK, ...LOOP, GET, 3, GET, 2, I32_GE_U, BR_IF, 1];
const loopTail = [GET, 3, I32_CONST, 16, I32_ADD, SET, 3, BR, 0, END, END];
const load = (base: number): number[] => [GET, base, GET, 3, I32_ADD, ...V128_LOAD];

const DOT = [
  // locals: 3 i (i32), 4 sum, 5 x, 6 y (v128)
  2,
  1,
  I32,
  3,
  V128,
  ...loopHead,
  ...load(0),
  SET,
  5,
  ...load(1),
  SET,
  6,
  GET,
  4,
  GET,
  5,
  GET,
  6,
  ...EXTMUL_LOW_S,
  ...EXTADD_PAIRWISE_S,
  ...I32X4_ADD,
  GET,
  5,
  GET,
  6,
  ...EXTMUL_HIGH_S,
  ...EXTADD_PAIRWISE_S,
  ...I32X4_ADD,
  SET,
  4,
  ...loopTail,
  GET,
  4,
  ...EXTRACT_LANE,
  0,
  GET,
  4,
  ...EXTRACT_LANE,
  1,
  I32_ADD,
  GET,
  4,
  ...EXTRACT_LANE,
  2,
  GET,
  4,
  ...EXTRACT_LANE,
  3,
  I32_ADD,
  I32_ADD,
  END,
];

const MATCHES = [
  // locals: 3 i, 4 count (i32)
  1,
  2,
  I32,
  ...loopHead,
  GET,
  4,
  ...load(0),
  ...load(1),
  ...I8X16_EQ,
  ...I8X16_BITMASK,
  I32_POPCNT,
  I32_ADD,
  SET,
  4,
  ...loopTail,
  GET,
  4,
  END,
];

const name = (text: string): number[] => [text.length, ...Buffer.from(text, 'latin1')];
const sized = (bytes: number[]): number[] => [...leb128(bytes.length), ...bytes];
const section = (id: number, bytes: number[]): number[] => [id, ...sized(bytes)];

function leb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

const MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  // one type: (i32, i32, i32) -> i32
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]),
  // two functions of that type
  ...section(3, [2, 0, 0]),
  // one memory, at least one page
  ...section(5, [1, 0x00, 1]),
  ...section(7, [3, ...name('memory'), 0x02, 0, ...name('dot'), 0x00, 0, ...name('matches'), 0x00, 1]),
  ...section(10, [2, ...sized(DOT), ...sized(MATCHES)]),
]);

export interface Kernels {
  dot(a: number, b: number, n: number): number;
  matches(a: number, b: number, n: number): number;
  /** The kernels' memory: where the rows go. */
  bytes: Uint8Array;
}

// The few WebAssembly types used here (this project's TypeScript libs have none).
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

let compiled: object | null | undefined;

/**
 * A fresh instance whose memory holds `bytes` bytes (it never grows after,
 * so views of it stay valid), or undefined where WebAssembly SIMD is not
 * available.
 */
export function simdKernels(bytes: number): Kernels | undefined {
  if (compiled === undefined)
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(MODULE) ? new WebAssembly.Module(MODULE) : null;
  if (!compiled) return undefined;
  const exports = new WebAssembly.Instance(compiled).exports as {
    memory: WasmMemory;
    dot: Kernels['dot'];
    matches: Kernels['matches'];
  };
  const missing = bytes - exports.memory.buffer.byteLength;
  if (missing > 0) exports.memory.grow(Math.ceil(missing / 65536));
  return { dot: exports.dot, matches: exports.matches, bytes: new Uint8Array(exports.memory.buffer, 0, bytes) };
}
