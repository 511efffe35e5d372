/**
 * Node side of the benches' BENCH_PROCESS binding (bench/vitest.config.ts):
 * the CPU and memory of the workerd processes this vitest run spawned, read
 * from /proc (Linux). Inside workerd a bench has no clock that advances
 * while it computes and no view of its memory, so it asks here, around the
 * work it measures: `GET` gives `{ cpuMs, rssMb, peakMb }` (user + system
 * CPU of every workerd under this process, in 10 ms ticks; resident and
 * peak resident memory), `POST` resets the peak first (clear_refs 5).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';

async function workerdPids(): Promise<number[]> {
  const parents = new Map<number, number>();
  const workerd = new Set<number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (stat.includes('(workerd)')) workerd.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let at = pid; at > 1; at = parents.get(at) ?? 0) if (at === process.pid) return true;
    return false;
  };
  return [...workerd].filter(ours);
}

export async function workerdProcess(request: Request): Promise<Response> {
  const pids = await workerdPids();
  let cpuMs = 0;
  let rssMb = 0;
  let peakMb = 0;
  for (const pid of pids) {
    try {
      if (request.method === 'POST') await writeFile(`/proc/${pid}/clear_refs`, '5');
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += (Number(fields[11]) + Number(fields[12])) * 10;
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      rssMb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      peakMb += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      // exited
    }
  }
  return Response.json({ pids: pids.length, cpuMs, rssMb, peakMb });
}
