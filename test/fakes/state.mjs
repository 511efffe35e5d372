// State shared by the fakes: what reached them, and the failures scripted for
// the next calls to a host. Reset by POST http://fakes.test/_reset.

export const calls = [];
export const scripts = new Map();

/** The next scripted behaviour for a host, or {} (taken off the queue). */
export function nextScript(host) {
  return scripts.get(host)?.shift() ?? {};
}

export function queueScript(script) {
  scripts.set(script.host, [...(scripts.get(script.host) ?? []), script]);
}
