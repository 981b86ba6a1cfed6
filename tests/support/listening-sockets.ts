// The TCP sockets a set of processes listens on, read from /proc (Linux): each process's socket inodes
// from /proc/<pid>/fd, matched against the LISTEN rows of /proc/net/tcp and tcp6. No `ss` needed.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  pid: number;
  address: string;
  port: number;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of safe(() => readdirSync(`/proc/${pid}/task`), [])) {
    const text = safe(() => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8'), '');
    out.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

/** pid and every descendant. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i] as number));
  return all;
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback; // a process that exited meanwhile
  }
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4 in host (little-endian) order.
    return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  // IPv6: four 32-bit words, each little-endian.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(Number.parseInt(word.slice(i, i + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  const v6 = groups.join(':');
  if (v6.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${bytes.slice(12).join('.')}`;
  return v6;
}

/** Every listening TCP socket held by the given processes. */
export function listeningSockets(pids: number[]): ListeningSocket[] {
  const owner = new Map<string, number>();
  for (const pid of pids) {
    for (const fd of safe(() => readdirSync(`/proc/${pid}/fd`), [])) {
      const link = safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`), '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1]) owner.set(m[1], pid);
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = safe(() => readFileSync(table, 'utf8'), '')
      .split('\n')
      .slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      const pid = owner.get(cols[9] as string);
      if (pid === undefined) continue;
      const [addr, port] = (cols[1] as string).split(':');
      sockets.push({
        pid,
        address: decodeAddress(addr as string),
        port: Number.parseInt(port as string, 16),
      });
    }
  }
  return sockets;
}
