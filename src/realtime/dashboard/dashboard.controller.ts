import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiJson } from '../../openapi/api-responses.js';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CurrentPerson, Public } from '../../auth/auth.guard.js';
import { NotFoundError } from '../../common/broker-error.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { DirectoryService, hasRole } from '../../directory/directory.service.js';
import type { Person } from '../../directory/person.js';
import { DASHBOARD_CSP } from './dashboard-csp.js';

/** The dashboard's files live in the source tree (plain JS, no build), found from here or from dist/. */
function publicFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root for the dashboard files');
    dir = parent;
  }
  return join(dir, 'src', 'realtime', 'dashboard', 'public');
}

/** Every file the page loads: its modules (one concern each) and two stylesheets. */
const FILES: Record<string, string> = {
  'app.js': 'text/javascript',
  'state.js': 'text/javascript',
  'format.js': 'text/javascript',
  'calls.js': 'text/javascript',
  'timeline.js': 'text/javascript',
  'alerts.js': 'text/javascript',
  'console.js': 'text/javascript',
  'callbacks.js': 'text/javascript',
  'join.js': 'text/javascript',
  'search.js': 'text/javascript',
  'supervision.js': 'text/javascript',
  'wrap-up.js': 'text/javascript',
  'sessions.js': 'text/javascript',
  'session-calendar.js': 'text/javascript',
  'reports.js': 'text/javascript',
  'sign-in.js': 'text/javascript',
  'style.css': 'text/css',
  'layout.css': 'text/css',
  'reports.css': 'text/css',
};

/** Chart.js's own browser build, from its package: the reports page's charts, no CDN. */
const CHART_JS = join(
  dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);

/** The tab's icon: a headset-blue disc with a plus, as SVG (browsers take SVG at this path). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<circle cx="16" cy="16" r="15" fill="#1f5bc4"/>
<path d="M16 8v16M8 16h16" stroke="#fff" stroke-width="4" stroke-linecap="round"/>
</svg>
`;

export interface SessionInfo {
  person: { id: string; displayName: string; roles: string[] };
  demoMode: boolean;
  /**
   * In demo mode, who the demo button asks a call for: through `queueId` when the directory has
   * a queue (for an expert, one whose skills they have), else the named `expertIds`.
   */
  demoCall: { technicianId: string; expertIds: string[]; queueId?: string } | null;
}

@ApiTags('dashboard')
@Controller()
export class DashboardController {
  private readonly folder = publicFolder();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
  ) {}

  @Public()
  @Get()
  @ApiExcludeEndpoint()
  index(@Res() response: Response): void {
    response.sendFile(join(this.folder, 'index.html'), {
      headers: { 'cache-control': 'no-cache', 'content-security-policy': DASHBOARD_CSP },
    });
  }

  /** The supervisors' reports page (src/realtime/dashboard/public/reports.js). */
  @Public()
  @Get('reports')
  @ApiExcludeEndpoint()
  reports(@Res() response: Response): void {
    response.sendFile(join(this.folder, 'reports.html'), {
      headers: { 'cache-control': 'no-cache', 'content-security-policy': DASHBOARD_CSP },
    });
  }

  @Public()
  @Get('dashboard/chart.umd.min.js')
  @ApiExcludeEndpoint()
  chartJs(@Res() response: Response): void {
    response
      .type('text/javascript')
      .sendFile(CHART_JS, { headers: { 'cache-control': 'public, max-age=86400' } });
  }

  @Public()
  @Get('dashboard/:file')
  @ApiExcludeEndpoint()
  asset(@Param('file') file: string, @Res() response: Response): void {
    const type = FILES[file];
    if (!type) throw new NotFoundError(`no dashboard file ${file}`);
    response
      .type(type)
      .sendFile(join(this.folder, file), { headers: { 'cache-control': 'no-cache' } });
  }

  /** Browsers ask for /favicon.ico by themselves; a 404 in every console helps nobody. */
  @Public()
  @Get('favicon.ico')
  @ApiExcludeEndpoint()
  favicon(@Res() response: Response): void {
    response
      .type('image/svg+xml')
      .setHeader('cache-control', 'public, max-age=86400')
      .send(FAVICON);
  }

  /** Who the token belongs to, and what the dashboard may offer them. */
  @Get('v1/session')
  @ApiBearerAuth()
  @ApiOperation({
    operationId: 'getSession',
    summary: 'Who the token belongs to (the dashboard asks this first)',
  })
  @ApiJson(200, 'Session', 'The person and what the dashboard may offer them')
  @ApiErrors(401)
  session(@CurrentPerson() person: Person): SessionInfo {
    const technician = this.directory.withRole('technician')[0];
    const expert = this.directory.withRole('expert')[0];
    const demoCall =
      this.config.demoMode && technician && expert
        ? { technicianId: technician.id, expertIds: [expert.id] }
        : null;
    // Through a queue, so a newcomer sees routing: an expert one they can take (they are offered
    // it), anyone else the first (a demo expert takes it, src/routing/demo-experts.ts).
    const queues = this.directory.queues();
    const queue = hasRole(person, 'expert')
      ? queues.find((q) => q.skills.every((skill) => person.skills.includes(skill)))
      : queues[0];
    return {
      person: { id: person.id, displayName: person.displayName, roles: person.roles },
      demoMode: this.config.demoMode,
      demoCall: demoCall && queue ? { ...demoCall, queueId: queue.id } : demoCall,
    };
  }
}
