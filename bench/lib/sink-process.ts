// The sink in a process of its own (forked by the benchmarks), so that its work runs on the other
// core instead of competing with the client being measured. Talks to the parent over IPC only.
import { startSink } from './sink';

async function main(): Promise<void> {
  if (!process.send) throw new Error('sink-process must be forked (it reports its port over IPC)');
  const sink = await startSink();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', stats: sink.stats() });
  });
  // The parent going away (normally or not) ends the sink: no orphan keeps the port.
  process.on('disconnect', () => void sink.close().then(() => process.exit(0)));
  process.send({ type: 'ready', port: sink.port });
}

void main();
