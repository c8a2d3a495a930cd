/**
 * `text` as one flat string. A string made by `+` or a template literal is a rope (a node of about 32 bytes
 * for each piece joined) until something reads it whole, and a rope kept until it is sent costs up to three
 * times the text: an event's summary, about 150 characters, kept about 500 bytes. A regular expression
 * reads its subject whole (V8 flattens the rope in place), after which the garbage collector keeps only the
 * flat text. For texts made once and kept (event summaries, titles, ids), not for short-lived ones.
 */
export function flat(text: string): string {
  START.test(text);
  return text;
}

const START = /^/;
