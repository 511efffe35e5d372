/**
 * Whole-process CPU of a local `wrangler dev` (Linux only, from /proc): which
 * processes serve a port (wrangler's node proxy and workerd) and the user +
 * system CPU they have spent. workerd's clock advances only on I/O, so this
 * is the truer measure of what a request or a batch costs the machine.
 */
import { readdir, readFile } from 'node:fs/promises';

interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

/** Every process on the machine with its parent and command line. */
async function processes(): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      found.push({ pid: Number(entry), ppid: Number(fields[1]), command });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The dev server's processes by role: wrangler's node (the proxy) and workerd. */
export async function serverProcesses(
  port: number,
): Promise<{ proxy: number[]; workerd: number[] }> {
  const all = await processes();
  const roots = all.filter(
    (p) =>
      /wrangler/.test(p.command) && / dev /.test(p.command) && p.command.includes(String(port)),
  );
  const proxy: number[] = [];
  const workerd: number[] = [];
  const seen = new Set<number>();
  const visit = (pid: number) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    const info = all.find((p) => p.pid === pid)!;
    (/workerd/.test(info.command) ? workerd : proxy).push(pid);
    for (const child of all.filter((p) => p.ppid === pid)) visit(child.pid);
  };
  for (const root of roots) visit(root.pid);
  return { proxy, workerd };
}

/** User + system CPU of these processes so far, in ms. */
export async function cpuMs(pids: number[]): Promise<number> {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    } catch {
      // exited
    }
  }
  return total;
}

/**
 * CPU time of these processes' live threads so far, in ms, to the
 * nanosecond (/proc/<pid>/task/<tid>/schedstat): `cpuMs` counts in 10 ms
 * ticks, too coarse for a block of cheap requests. A thread that exits takes
 * its time with it, so compare blocks of long-lived servers only.
 */
export async function threadCpuMs(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    try {
      for (const task of await readdir(`/proc/${pid}/task`)) {
        try {
          const schedstat = await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8');
          total += Number(schedstat.split(' ')[0]) / 1e6;
        } catch {
          // exited
        }
      }
    } catch {
      // exited
    }
  }
  return total;
}
