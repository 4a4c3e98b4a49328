/**
 * Test helper: runs the reference YAML library (PyYAML, through `python3`) once for a whole batch
 * of cases, and canonical encodings of values on both sides so they compare exactly (integers
 * exact, floats bit for bit, key order, shared objects).
 */

import {
  keyText,
  YamlBinary,
  type YamlKey,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "../../lib/yaml/types.ts";

/** Whether `python3` with PyYAML is available. */
export const hasPyYaml: boolean = await (async () => {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", "import yaml, sys; sys.stdout.write(yaml.__version__)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
})();

const SCRIPT = String.raw`
import sys, json, base64, datetime, yaml

def encode(v, ids, stack):
    if v is None: return {"n": None}
    if isinstance(v, bool): return {"b": v}
    if isinstance(v, int): return {"i": ("-" if v < 0 else "") + hex(abs(v))}
    if isinstance(v, float): return {"f": repr(v)}
    if isinstance(v, str): return {"s": v}
    if isinstance(v, bytes): return {"bin": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime): return {"ts": v.isoformat()}
    if isinstance(v, datetime.date): return {"ts": v.isoformat()}
    if isinstance(v, tuple): return {"t": [encode(x, ids, stack) for x in v]}
    if id(v) in ids:
        if id(v) in stack: raise RecursionError("recursive")
        return {"ref": ids[id(v)]}
    ids[id(v)] = len(ids) + 1
    me = ids[id(v)]
    stack.add(id(v))
    try:
        if isinstance(v, list): return {"id": me, "l": [encode(x, ids, stack) for x in v]}
        if isinstance(v, dict): return {"id": me, "m": [[encode(k, ids, stack), encode(x, ids, stack)] for k, x in v.items()]}
        if isinstance(v, set):
            return {"id": me, "set": sorted((encode(x, ids, stack) for x in v), key=lambda e: json.dumps(e, sort_keys=True))}
    finally:
        stack.discard(id(v))
    raise TypeError("unexpected type " + type(v).__name__)

def decode(e, refs):
    if "n" in e: return None
    if "b" in e: return e["b"]
    if "i" in e: return int(e["i"], 16) if not e["i"].startswith("-") else -int(e["i"][1:], 16)
    if "f" in e: return float(e["f"])
    if "s" in e: return e["s"]
    if "ref" in e: return refs[e["ref"]]
    if "l" in e:
        out = []
        refs[e["id"]] = out
        out.extend(decode(x, refs) for x in e["l"])
        return out
    if "m" in e:
        out = {}
        refs[e["id"]] = out
        for k, x in e["m"]:
            out[decode(k, refs)] = decode(x, refs)
        return out
    if "set" in e:
        out = set()
        refs[e["id"]] = out
        out.update(decode(x, refs) for x in e["set"])
        return out
    raise TypeError("cannot decode")

def run(case):
    try:
        if case["op"] == "load":
            return {"ok": encode(yaml.safe_load(case["text"]), {}, set())}
        if case["op"] == "json":
            return {"ok": encode(json.loads(case["text"]), {}, set())}
        if case["op"] == "dump":
            value = decode(case["value"], {})
            return {"ok": yaml.safe_dump(value, sort_keys=False)}
        raise ValueError("unknown op")
    except RecursionError as e:
        return {"err": "RecursionError"}
    except Exception as e:
        return {"err": type(e).__name__ + ": " + str(e).replace("\n", " ")[:300]}

cases = json.load(sys.stdin)
json.dump([run(c) for c in cases], sys.stdout)
`;

/** A case for the reference: load YAML or JSON text, or dump a value (given in the tagged encoding). */
export type PyCase = { op: "load" | "json"; text: string } | { op: "dump"; value: Tagged };

/** A reference result: the tagged value or dumped text, or the exception it raised. */
export type PyResult = { ok: Tagged | string } | { err: string };

/** Values in the tagged JSON encoding exchanged with Python. */
export type Tagged = { [k: string]: unknown };

/** Runs all cases in one Python process. */
export async function runPyYaml(cases: PyCase[]): Promise<PyResult[]> {
  const child = new Deno.Command("python3", {
    args: ["-c", SCRIPT],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error("python3 failed: " + new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)) as PyResult[];
}

/** Python's `isoformat()` of a timestamp. */
export function isoformat(t: YamlTimestamp): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const date = `${String(t.year).padStart(4, "0")}-${p2(t.month)}-${p2(t.day)}`;
  if (t.time === null) return date;
  let s = `${date}T${p2(t.time.hour)}:${p2(t.time.minute)}:${p2(t.time.second)}`;
  if (t.time.microsecond !== 0) s += "." + String(t.time.microsecond).padStart(6, "0");
  const off = t.time.offsetMinutes;
  if (off !== null) {
    s += `${off < 0 ? "-" : "+"}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
  }
  return s;
}

/** Our value in the tagged encoding (identity recorded as ids in first-occurrence order). */
export function toTagged(value: YamlValue): Tagged {
  const ids = new Map<object, number>();
  const enc = (v: YamlValue): Tagged => {
    if (v === null) return { n: null };
    switch (typeof v) {
      case "boolean":
        return { b: v };
      case "bigint":
        return { i: (v < 0n ? "-" : "") + "0x" + (v < 0n ? -v : v).toString(16) };
      case "number":
        return { f: pyFloatText(v) };
      case "string":
        return { s: v };
    }
    if (v instanceof YamlBinary) return { bin: btoa(String.fromCharCode(...v.bytes)) };
    if (v instanceof YamlTimestamp) return { ts: isoformat(v) };
    const seen = ids.get(v);
    if (seen !== undefined) return { ref: seen };
    const id = ids.size + 1;
    ids.set(v, id);
    if (Array.isArray(v)) return { id, l: v.map(enc) };
    if (v instanceof YamlMap) return { id, m: v.entries().map(([k, x]) => [enc(k), enc(x)]) };
    if (v instanceof YamlSet) {
      return { id, set: v.members.map(enc).sort((a, b) => sortedJson(a) < sortedJson(b) ? -1 : 1) };
    }
    if (v instanceof YamlPairs) return { id, l: v.pairs.map(([k, x]) => ({ t: [enc(k), enc(x)] })) };
    throw new TypeError("unexpected value");
  };
  return enc(value);
}

/** A float as Python writes it with `repr` (enough for exact comparison after normalising). */
function pyFloatText(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return Object.is(x, -0) ? "-0.0" : String(x);
}

/** Normalises a tagged value so that both sides compare with `JSON.stringify`. */
export function canonical(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(canonical);
  if (t === null || typeof t !== "object") return t;
  const o = t as Record<string, unknown>;
  if (typeof o.f === "string") {
    const f = o.f === "nan" ? NaN : o.f === "inf" ? Infinity : o.f === "-inf" ? -Infinity : Number(o.f);
    return { f: Number.isNaN(f) ? "nan" : Object.is(f, -0) ? "-0" : String(f) };
  }
  if (typeof o.i === "string") {
    const neg = o.i.startsWith("-");
    const v = BigInt(neg ? o.i.slice(1) : o.i);
    return { i: (neg ? -v : v).toString() };
  }
  if (Array.isArray(o.set)) {
    const members = (o.set as unknown[]).map(canonical);
    members.sort((a, b) => sortedJson(a) < sortedJson(b) ? -1 : 1);
    return { id: o.id, set: members };
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = canonical(o[k]);
  return out;
}

function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === "object" && !Array.isArray(x)) {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
    }
    return x;
  });
}

/** Renders a key for messages in tests. */
export function describeKey(k: YamlKey): string {
  return keyText(k);
}
