// An attempt log as a table: number, trigger, time, duration, outcome, status, error, response excerpt.
import type { Attempt } from '../api';
import { Badge, TableBox } from '../components';
import { duration, when } from '../format';

export function AttemptsTable(props: { attempts: Attempt[]; label?: string }) {
  if (props.attempts.length === 0) return <p class="muted">No attempt yet.</p>;
  return (
    <TableBox label={props.label ?? 'Attempt log'}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Trigger</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Outcome</th>
          <th scope="col">Status</th>
          <th scope="col">Error</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {props.attempts.map((a) => (
          <tr>
            <td>{a.number}</td>
            <td>{a.trigger}</td>
            <td class="nowrap">{when(a.startedAt)}</td>
            <td class="nowrap">{duration(a.durationMs)}</td>
            <td>
              <Badge value={a.outcome} />
            </td>
            <td>{a.statusCode ?? ''}</td>
            <td>{a.error ?? ''}</td>
            <td>
              {a.responseBody ? (
                <details>
                  <summary>{a.responseBody.length} chars</summary>
                  <pre>{a.responseBody}</pre>
                </details>
              ) : (
                ''
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}
