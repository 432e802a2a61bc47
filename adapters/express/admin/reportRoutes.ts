import { Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { REPORT_PERIODS_DAYS, renderFactorReportPage } from '../../../web/pages/admin/factorReportPage.ts';
import { csrfToken } from '../csrf.ts';
import { adminOf } from './adminAccess.ts';

const DEFAULT_DAYS = 30;

/** `/admin/mfa/report?days=N`: per enabled factor, users set up, passed in the period, locked. */
export function reportRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  router.get('/report', async (req, res, next) => {
    try {
      const asked = Number(req.query.days);
      // Only the periods the form offers: an odd value falls back rather than erroring.
      const days = (REPORT_PERIODS_DAYS as readonly number[]).includes(asked) ? asked : DEFAULT_DAYS;
      const rows = await plugin.admin.factorReport({ since: plugin.now() - days * 86_400_000 });
      res.send(renderFactorReportPage({ csrf: csrfToken(req), username: adminOf(res).username, days, rows }));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
