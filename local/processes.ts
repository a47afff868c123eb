import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

/**
 * Child processes the local runtime owns (DynamoDB Local's JVM, Lambda execution environments): they
 * never outlive it. On a normal exit or SIGINT/SIGTERM/SIGHUP every one still running is killed; on
 * Linux with util-linux's `setpriv` the kernel also kills them when this process is SIGKILLed
 * (parent-death signal). Elsewhere a SIGKILLed parent leaves them running.
 */
export const spawnOwned = (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
  const [file, argv] = pdeathsigSupported()
    ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]]
    : [command, [...args]];
  const child = spawn(file, argv, options);
  track(child);
  return child;
};

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export const terminate = async (child: ChildProcess, graceMs: number): Promise<void> => {
  // No pid: spawning failed, there is no process and no 'exit' will come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  // Keep the loop alive while waiting, or a caller awaiting stop() at the end of a script would never resume.
  child.ref();
  const exited = once(child, 'exit');
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const escalation = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(escalation);
};

let pdeathsig: boolean | undefined;

/**
 * `setpriv --pdeathsig KILL` asks the kernel to kill the child when its parent dies, even by SIGKILL,
 * then execs the command in place (same pid). Needs Linux and util-linux ≥ 2.33; probed once by
 * running it on `true`.
 */
const pdeathsigSupported = () => {
  pdeathsig ??=
    process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0;
  return pdeathsig;
};

const running = new Set<ChildProcess>();
let reaperInstalled = false;

/** Kills every still-running child when this process ends, however many were started. */
const track = (child: ChildProcess) => {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (reaperInstalled) return;
  reaperInstalled = true;
  const killAll = () => {
    for (const each of running) each.kill('SIGKILL');
  };
  // Only synchronous work runs in 'exit'; SIGKILL needs no waiting.
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // If the application handles this signal too, it owns the shutdown (and 'exit' still reaps). Otherwise
      // do what Node would have done without this listener: die by the signal, after killing the children.
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
};
