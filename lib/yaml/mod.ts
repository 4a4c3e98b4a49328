/**
 * YAML for handoff: a YAML 1.1 loader that reads exactly what the reference reads (§2.12) and an
 * emitter that writes exactly what the reference writes, minus YAML 1.1/1.2 ambiguities (§2.13).
 *
 * @example
 * ```ts
 * import { emitYaml, loadYaml, YamlMap } from "./mod.ts";
 * const r = loadYaml("b: yes\na: 1e3\n");
 * if (!r.ok || !(r.value instanceof YamlMap)) throw new Error("unexpected");
 * console.assert(emitYaml(r.value) === "b: true\na: '1e3'\n");
 * ```
 *
 * @module
 */

export { emitYaml, emitYamlAsReference } from "./emit.ts";
export { loadYaml, type YamlLoadOptions, type YamlLoadResult, type YamlNote } from "./load.ts";
export {
  keyIdentity,
  keyText,
  YamlBinary,
  type YamlEntry,
  type YamlKey,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "./types.ts";
