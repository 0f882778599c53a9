// The detectors on an interval (and soon after an integration falls into ERROR): for each workspace,
// read its rows once, run every detector, open or update the incidents found, resolve the ones
// whose condition has cleared, and announce each change. Every process may run it: the incident's
// unique key makes concurrent runs converge on one incident, and only the run whose statement
// opened (or resolved) it announces the change.
import {
  countUnresolvedIncidentsByKind,
  type Database,
  type EntityManager,
  findUnresolvedIncidents,
  findWorkspacesToWatch,
  INCIDENT_KINDS,
  incidentKey,
  readDetectorInputs,
  resolveIncidentsBySystem,
  upsertIncident,
} from '@switchboard/db';
import type { IncidentAnnouncement } from '@switchboard/schema';
import type { Config } from '../config.ts';
import type { ServerLiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { clearedIncidents, detect, detectorContext } from './detect.ts';
import { DEFAULT_INSIGHT_SETTINGS } from '@switchboard/db';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface InsightJobDeps {
  config: Config;
  db: Database;
  live: ServerLiveBus;
  logger: Logger;
  metrics: Metrics;
  announce: (a: IncidentAnnouncement) => Promise<void>;
}

export interface InsightRunReport {
  workspaces: number;
  opened: number;
  updated: number;
  resolved: number;
  ms: number;
}

export class InsightJob {
  readonly #d: InsightJobDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<InsightRunReport | undefined> | undefined;
  #stopped = true;
  #unlisten: (() => void) | undefined;

  constructor(deps: InsightJobDeps) {
    this.#d = deps;
  }

  start(): void {
    const interval = this.#d.config.insightIntervalMs;
    if (interval <= 0) return;
    this.#stopped = false;
    this.#schedule(Math.min(interval, 5000));
    // Auth failures move an integration to ERROR: look again soon rather than at the next tick.
    this.#unlisten = this.#d.live.listen('integration:state', (m) => {
      if (m.state === 'ERROR') this.#schedule(Math.min(interval, 1000));
    });
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const run =
        this.#running ??
        this.runOnce().catch((err: unknown) => {
          this.#d.logger.warn({ err: (err as Error).message }, 'insight: detector run failed; will run again');
          return undefined;
        });
      this.#running = run;
      void run.finally(() => {
        if (this.#running === run) this.#running = undefined;
        this.#schedule(this.#d.config.insightIntervalMs);
      });
    }, ms);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unlisten?.();
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass over every workspace. */
  async runOnce(now = new Date()): Promise<InsightRunReport> {
    const { config, db, metrics } = this.#d;
    const started = performance.now();
    const em = () => db.orm.em.fork() as EntityManager;
    const report: InsightRunReport = { workspaces: 0, opened: 0, updated: 0, resolved: 0, ms: 0 };
    const announcements: IncidentAnnouncement[] = [];
    for (const workspaceId of await findWorkspacesToWatch(em())) {
      report.workspaces++;
      const scale = config.timeScale;
      // Rows are read for the default windows; a workspace's longer stuck threshold filters them further (detector).
      const inputs = await readDetectorInputs(em(), workspaceId, {
        now,
        recentSince: new Date(now.getTime() - DAY * scale),
        attemptsPerIntegration: 200,
        finishedPerIntegration: 50,
        rollupSince: new Date(Math.floor(now.getTime() / HOUR) * HOUR - (DEFAULT_INSIGHT_SETTINGS.recurringDays + 1) * DAY),
        stuckBefore: new Date(now.getTime() - DEFAULT_INSIGHT_SETTINGS.stuckMinutes * 60_000 * scale),
      });
      const ctx = detectorContext(inputs, scale, now);
      const { findings, echoes } = detect(ctx);
      const unresolvedBefore = await findUnresolvedIncidents(em(), workspaceId);
      const openKeys = new Set(unresolvedBefore.map(incidentKey));
      for (const f of [...findings, ...echoes.filter((e) => openKeys.has(incidentKey(e)))]) {
        const t = await upsertIncident(em(), f, now);
        if (t.change === 'opened') {
          report.opened++;
          metrics.incidentsOpened.inc({ kind: f.kind });
        } else report.updated++;
        announcements.push({ workspaceId, incidentId: t.id, integrationIds: t.integrationIds, state: t.state, change: t.record });
      }
      const unresolved = await findUnresolvedIncidents(em(), workspaceId);
      const cleared = clearedIncidents(ctx, unresolved, [...findings, ...echoes]);
      for (const c of cleared) {
        for (const m of await resolveIncidentsBySystem(em(), [c.id], c.note, now)) {
          report.resolved++;
          announcements.push({ workspaceId, incidentId: m.id, integrationIds: m.integrationIds, state: 'RESOLVED', change: m.record });
        }
      }
    }
    const open = await countUnresolvedIncidentsByKind(em());
    for (const kind of INCIDENT_KINDS) metrics.incidentsOpen.set({ kind }, open.find((o) => o.kind === kind)?.n ?? 0);
    report.ms = performance.now() - started;
    metrics.detectorRunDuration.observe(report.ms / 1000);
    // Announced after every statement of the run has committed.
    for (const a of announcements) {
      try {
        await this.#d.announce(a);
      } catch (err) {
        this.#d.logger.warn({ err: (err as Error).message, incidentId: a.incidentId }, 'insight: announcing an incident change failed');
      }
    }
    if (report.opened || report.resolved) this.#d.logger.info(report, 'insight: incidents changed');
    return report;
  }
}
