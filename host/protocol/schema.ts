/**
 * A small declarative engine for Kafka message bodies. A message is a tree of structs whose
 * fields carry the version range they exist in, the versions in which they may be null, and, for
 * tagged fields, their tag. The engine resolves a struct for one version once (cached), then
 * decodes and encodes with plain closures.
 *
 * Rules it implements (Kafka's message generator semantics):
 * - flexible versions (>= the message's flexibleFrom) use compact strings/bytes/arrays
 *   (uvarint N+1, 0 = null) and end EVERY struct with a tagged-field section;
 * - a tagged field whose tag is not known at this version is kept raw in `unknownTaggedFields`
 *   and written back unchanged; a known tagged field is present in the object only if it was on
 *   the wire (undefined = absent), so decode→encode reproduces the input byte for byte;
 * - a field absent from a version is absent from the decoded object and ignored on encode; a
 *   field present in the version but undefined in the object is written with its default.
 */
import { KsealError } from "../errors.js";
import type { TaggedField } from "./codec.js";
import { Reader, Writer, ZERO_UUID } from "./primitives.js";

export type PrimType =
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "int64"
  | "float64"
  | "bool"
  | "uuid"
  | "string"
  | "bytes"
  | "records";

export interface ArrayType {
  kind: "array";
  of: FieldType;
}

export interface StructType {
  kind: "struct";
  name: string;
  fields: FieldSpec[];
}

export type FieldType = PrimType | ArrayType | StructType;

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** [first, last] version the field exists in. */
  versions: readonly [number, number];
  /** [first, last] version in which null is allowed, if any. */
  nullable?: readonly [number, number];
  /** Tag number for a tagged field. */
  tag?: number;
  /** Value written when the message leaves the field undefined (Kafka's default). */
  default?: unknown;
}

/** Parses Kafka-style version ranges: "3+", "0-12", "5". */
export function range(spec: string): readonly [number, number] {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(spec);
  if (!m) throw new Error(`bad version range ${spec}`);
  const lo = Number(m[1]);
  if (m[2] === "+") return [lo, Infinity];
  if (m[3] !== undefined) return [lo, Number(m[3])];
  return [lo, lo];
}

export function field(
  name: string,
  type: FieldType,
  versions = "0+",
  opts: { nullable?: string; tag?: number; default?: unknown } = {},
): FieldSpec {
  const spec: FieldSpec = { name, type, versions: range(versions) };
  if (opts.nullable !== undefined) spec.nullable = range(opts.nullable);
  if (opts.tag !== undefined) spec.tag = opts.tag;
  if (opts.default !== undefined) spec.default = opts.default;
  return spec;
}

export function arrayOf(of: FieldType): ArrayType {
  return { kind: "array", of };
}

export function struct(name: string, fields: FieldSpec[]): StructType {
  return { kind: "struct", name, fields };
}

type ReadFn = (r: Reader) => unknown;
type WriteFn = (w: Writer, v: unknown) => void;

interface ResolvedField {
  name: string;
  tag: number | undefined;
  read: ReadFn;
  write: WriteFn;
  defaultValue: () => unknown;
}

interface ResolvedStruct {
  name: string;
  flexible: boolean;
  fields: ResolvedField[];
  tagged: Map<number, ResolvedField> | undefined;
  taggedList: ResolvedField[];
  minBytes: number;
}

function inRange(r: readonly [number, number] | undefined, v: number): boolean {
  return r !== undefined && v >= r[0] && v <= r[1];
}

function unencodable(detail: string): KsealError {
  return new KsealError("MESSAGE_UNENCODABLE", detail);
}

const cache = new WeakMap<StructType, Map<number, ResolvedStruct>>();

export function resolveStruct(s: StructType, version: number, flexible: boolean): ResolvedStruct {
  let byVersion = cache.get(s);
  if (!byVersion) cache.set(s, (byVersion = new Map()));
  const key = version * 2 + (flexible ? 1 : 0);
  let rs = byVersion.get(key);
  if (rs) return rs;
  rs = { name: s.name, flexible, fields: [], tagged: undefined, taggedList: [], minBytes: flexible ? 1 : 0 };
  byVersion.set(key, rs);
  for (const f of s.fields) {
    if (!inRange(f.versions, version)) continue;
    const nullable = inRange(f.nullable, version);
    const rf: ResolvedField = {
      name: f.name,
      tag: f.tag,
      read: reader(f.type, version, flexible, nullable),
      write: writer(f.type, version, flexible, nullable, `${s.name}.${f.name}`),
      defaultValue: defaultFor(f, nullable),
    };
    if (f.tag === undefined) {
      rs.fields.push(rf);
      rs.minBytes += minBytes(f.type, version, flexible);
    } else if (flexible) {
      (rs.tagged ??= new Map()).set(f.tag, rf);
      rs.taggedList.push(rf);
    }
  }
  return rs;
}

function minBytes(t: FieldType, version: number, flexible: boolean): number {
  if (typeof t === "string") {
    switch (t) {
      case "int8":
      case "bool":
        return 1;
      case "int16":
      case "uint16":
        return 2;
      case "int32":
        return 4;
      case "int64":
      case "float64":
        return 8;
      case "uuid":
        return 16;
      case "string":
        return flexible ? 1 : 2;
      case "bytes":
      case "records":
        return flexible ? 1 : 4;
    }
  }
  if (t.kind === "array") return flexible ? 1 : 4;
  return resolveStruct(t, version, flexible).minBytes;
}

function defaultFor(f: FieldSpec, nullable: boolean): () => unknown {
  if (f.default !== undefined) {
    const d = f.default;
    return () => d;
  }
  const t = f.type;
  if (typeof t === "string") {
    switch (t) {
      case "int64":
        return () => 0n;
      case "bool":
        return () => false;
      case "uuid":
        return () => ZERO_UUID;
      case "string":
        return nullable ? () => null : () => "";
      case "bytes":
      case "records":
        return nullable ? () => null : () => Buffer.alloc(0);
      default:
        return () => 0;
    }
  }
  if (t.kind === "array") return () => [];
  return () => ({});
}

function reader(t: FieldType, version: number, flexible: boolean, nullable: boolean): ReadFn {
  if (typeof t === "string") {
    switch (t) {
      case "int8":
        return (r) => r.int8();
      case "int16":
        return (r) => r.int16();
      case "uint16":
        return (r) => r.uint16();
      case "int32":
        return (r) => r.int32();
      case "int64":
        return (r) => r.int64();
      case "float64":
        return (r) => r.float64();
      case "bool":
        return (r) => r.bool();
      case "uuid":
        return (r) => r.uuid();
      case "string":
        if (flexible) return nullable ? (r) => r.compactNullableString() : (r) => r.compactString();
        return nullable ? (r) => r.nullableString() : (r) => r.string();
      case "bytes":
      case "records":
        if (flexible) return nullable ? (r) => r.compactNullableBytes() : (r) => r.compactBytes();
        return nullable ? (r) => r.nullableBytes() : (r) => r.bytes();
    }
  }
  if (t.kind === "array") {
    const el = t.of;
    let elementReader: ReadFn | undefined;
    let elementMin = -1;
    // Resolved lazily: struct types may be recursive through the cache.
    return (r) => {
      if (!elementReader) {
        elementReader = reader(el, version, flexible, false);
        elementMin = Math.max(1, minBytes(el, version, flexible));
      }
      return nullable
        ? r.nullableArray(flexible, elementReader, elementMin)
        : r.array(flexible, elementReader, elementMin);
    };
  }
  const s = t;
  let rs: ResolvedStruct | undefined;
  return (r) => decodeStruct((rs ??= resolveStruct(s, version, flexible)), r);
}

function writer(t: FieldType, version: number, flexible: boolean, nullable: boolean, path: string): WriteFn {
  const nullCheck = (v: unknown): void => {
    if (v === null && !nullable) throw unencodable(`${path} is null`);
  };
  if (typeof t === "string") {
    switch (t) {
      case "int8":
        return (w, v) => w.int8(v as number);
      case "int16":
        return (w, v) => w.int16(v as number);
      case "uint16":
        return (w, v) => w.uint16(v as number);
      case "int32":
        return (w, v) => w.int32(v as number);
      case "int64":
        return (w, v) => w.int64(v as bigint);
      case "float64":
        return (w, v) => w.float64(v as number);
      case "bool":
        return (w, v) => {
          if (typeof v !== "boolean") throw unencodable(`${path} is not a boolean`);
          w.bool(v);
        };
      case "uuid":
        return (w, v) => w.uuid(v as string);
      case "string":
        return (w, v) => {
          nullCheck(v);
          if (flexible) w.compactNullableString(v as string | null);
          else w.nullableString(v as string | null);
        };
      case "bytes":
      case "records":
        return (w, v) => {
          nullCheck(v);
          if (flexible) w.compactNullableBytes(v as Buffer | null);
          else w.nullableBytes(v as Buffer | null);
        };
    }
  }
  if (t.kind === "array") {
    const el = t.of;
    let elementWriter: WriteFn | undefined;
    return (w, v) => {
      nullCheck(v);
      if (v !== null && !Array.isArray(v)) throw unencodable(`${path} is not an array`);
      elementWriter ??= writer(el, version, flexible, false, `${path}[]`);
      w.nullableArray(v as unknown[] | null, flexible, elementWriter);
    };
  }
  const s = t;
  let rs: ResolvedStruct | undefined;
  return (w, v) => encodeStruct((rs ??= resolveStruct(s, version, flexible)), w, v);
}

export function decodeStruct(rs: ResolvedStruct, r: Reader): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of rs.fields) o[f.name] = f.read(r);
  if (rs.flexible) {
    const tagged = rs.tagged;
    const unknown = r.taggedFields(
      tagged
        ? (tag, sub) => {
            const f = tagged.get(tag);
            if (!f) return false;
            o[f.name] = f.read(sub);
            return true;
          }
        : undefined,
    );
    if (unknown) o.unknownTaggedFields = unknown;
  }
  return o;
}

export function encodeStruct(rs: ResolvedStruct, w: Writer, value: unknown): void {
  if (value === null || typeof value !== "object") throw unencodable(`${rs.name} is not an object`);
  const o = value as Record<string, unknown>;
  for (const f of rs.fields) {
    let v = o[f.name];
    if (v === undefined) v = f.defaultValue();
    f.write(w, v);
  }
  if (!rs.flexible) return;
  const unknown = o.unknownTaggedFields;
  let fields: TaggedField[] | undefined;
  let copied = false;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) throw unencodable(`${rs.name}.unknownTaggedFields is not an array`);
    for (const u of unknown as TaggedField[]) {
      if (u === null || typeof u !== "object" || !Buffer.isBuffer(u.data))
        throw unencodable(`${rs.name}.unknownTaggedFields holds a bad entry`);
      if (rs.tagged?.has(u.tag)) throw unencodable(`${rs.name}: unknown tagged field ${u.tag} is a known tag`);
    }
    fields = unknown as TaggedField[];
  }
  for (const f of rs.taggedList) {
    const v = o[f.name];
    if (v === undefined) continue;
    const tw = new Writer(32);
    f.write(tw, v);
    if (!copied) {
      fields = fields ? [...fields] : [];
      copied = true;
    }
    fields!.push({ tag: f.tag!, data: tw.finish() });
  }
  w.taggedFields(fields);
}

/** Decodes one whole message body; every byte must be consumed. */
export function decodeMessage(s: StructType, body: Buffer, version: number, flexibleFrom: number): Record<string, unknown> {
  const r = new Reader(body);
  const o = decodeStruct(resolveStruct(s, version, version >= flexibleFrom), r);
  r.expectEnd(s.name);
  return o;
}

export function encodeMessage(s: StructType, msg: unknown, version: number, flexibleFrom: number, sizeHint = 256): Buffer {
  const w = new Writer(sizeHint);
  encodeStruct(resolveStruct(s, version, version >= flexibleFrom), w, msg);
  return w.finish();
}

/** encodeMessage as parts (Writer.finishParts): large byte fields by reference, nothing joined. */
export function encodeMessageParts(s: StructType, msg: unknown, version: number, flexibleFrom: number, sizeHint = 256): Buffer[] {
  const w = new Writer(sizeHint);
  encodeStruct(resolveStruct(s, version, version >= flexibleFrom), w, msg);
  return w.finishParts();
}
