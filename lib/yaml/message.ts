/**
 * Message helpers: every piece of document text that goes into a message passes through here, so
 * messages stay on one line and never carry control characters.
 *
 * @module
 */

/** Describes a character for a message (`"x"`, `a tab`, `U+0007`). */
export function describeChar(c: number): string {
  if (c === 0) return "the end of the input";
  if (c >= 0x21 && c <= 0x7e) return `"${String.fromCharCode(c)}"`;
  if (c === 0x20) return "a space";
  if (c === 0x09) return "a tab";
  if (c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029) return "a line break";
  return "U+" + c.toString(16).toUpperCase().padStart(4, "0");
}

/** Quotes text for a message: double quotes, escapes for quotes and control characters, shortened. */
export function quote(text: string): string {
  const short = text.length > 60 ? Array.from(text).slice(0, 57).join("") + "..." : text;
  // deno-lint-ignore no-control-regex
  return '"' + short.replace(/[\\"\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\\" || c === '"') return "\\" + c;
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    return "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  }) + '"';
}

/** A tag in its short form (`!!str` for the YAML type repository), quoted for a message. */
export function quoteTag(tag: string): string {
  return quote(tag.startsWith("tag:yaml.org,2002:") ? "!!" + tag.slice("tag:yaml.org,2002:".length) : tag);
}
