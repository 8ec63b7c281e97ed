/** Whether a process with this pid runs on this machine (EPERM: it runs, under another user). Lock files and
 * writer registrations of both stores use it to tell a live holder from one that died. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
