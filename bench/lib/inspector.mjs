/**
 * Asks a process started with --inspect for a full garbage collection and its memory usage, so
 * memory figures measure what is retained, not garbage that happens to be waiting.
 */
import { once } from 'node:events';
import WebSocket from 'ws';

async function connect(inspectPort) {
  const [target] = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await once(socket, 'open');
  let nextId = 0;
  const pending = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { socket, send };
}

export async function memoryAfterGc(inspectPort) {
  const { socket, send } = await connect(inspectPort);
  try {
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const answer = await send('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    return JSON.parse(answer.result.result.value);
  } finally {
    socket.close();
  }
}

/** Starts the V8 CPU profiler in the process; the returned function stops it and gives the profile. */
export async function startCpuProfile(inspectPort) {
  const { socket, send } = await connect(inspectPort);
  await send('Profiler.enable');
  await send('Profiler.start');
  return async () => {
    const answer = await send('Profiler.stop');
    socket.close();
    return answer.result.profile;
  };
}

/** The functions with the most self time in a V8 CPU profile, as `[share, name (url:line)]`. */
export function topSelfTime(profile, count = 15) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const total = profile.samples.length;
  for (const id of profile.samples) {
    const { callFrame } = byNode.get(id);
    const key = `${callFrame.functionName || '(anonymous)'} (${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1})`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, n]) => [`${((100 * n) / total).toFixed(1)} %`, name]);
}

/**
 * The functions whose calls (themselves and what they call) took most of a CPU profile, as
 * `[share, name (url:line)]`: where a tick's time goes, which self time alone scatters.
 */
export function topTotalTime(profile, count = 15, match = () => true) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const name = ({ callFrame }) =>
    `${callFrame.functionName || '(anonymous)'} (${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1})`;
  const total = new Map();
  for (const id of profile.samples) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = name(byNode.get(at));
      if (!seen.has(key)) {
        seen.add(key);
        total.set(key, (total.get(key) ?? 0) + 1);
      }
    }
  }
  return [...total]
    .filter(([key]) => match(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => [`${((100 * n) / profile.samples.length).toFixed(1)} %`, key]);
}
