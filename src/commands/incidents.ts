import { listIncidents, type IncidentListing } from '../audit/list-incidents.js';
import { ExitCode } from '../errors.js';
import { Redactor } from '../redactor.js';
import { Output } from '../ui/output.js';

const HEADINGS = ['INCIDENT', 'TARGET', 'STARTED', 'OUTCOME', 'TRAIL'];

/** `ir incidents list`: every incident under the evidence directory, oldest first. */
export async function listIncidentsCommand(options: { evidenceDir: string; json: boolean }): Promise<number> {
  const incidents = await listIncidents(options.evidenceDir);
  const output = new Output(new Redactor(), { json: options.json, fancy: false });
  if (options.json) {
    output.json(incidents);
    return ExitCode.ok;
  }
  if (incidents.length === 0) {
    output.result(`no incidents in ${options.evidenceDir}`);
    return ExitCode.ok;
  }
  for (const line of table([HEADINGS, ...incidents.map(row)])) output.result(line);
  return ExitCode.ok;
}

function row(incident: IncidentListing): string[] {
  const trail = incident.brokenAt !== undefined ? `${incident.trail} at record ${incident.brokenAt}` : incident.trail;
  return [incident.id, incident.target ?? '?', incident.startedAt ?? '?', incident.outcome, trail];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  return rows.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
