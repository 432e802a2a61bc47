import type { FactorReportRow } from '../../../plugin/admin/index.ts';
import { html } from '../../html.ts';
import { renderAdminPage } from './adminLayout.ts';

export const REPORT_PERIODS_DAYS = [1, 7, 30, 90, 365] as const;

export interface FactorReportPageModel {
  csrf: string;
  username: string;
  days: number;
  rows: FactorReportRow[];
}

/** `/admin/mfa/report`: Moodle tool_mfa's factor report. */
export function renderFactorReportPage(model: FactorReportPageModel): string {
  const body = html`
    <h1>Factor report</h1>
    <form method="get" action="/admin/mfa/report" class="card">
      <label for="report-days">Passed MFA within</label>
      <select id="report-days" name="days">${REPORT_PERIODS_DAYS.map(
        (d) => html`<option value="${d}" ${d === model.days ? 'selected' : ''}>${d === 1 ? 'the last day' : `the last ${d} days`}</option>`,
      )}</select>
      <button type="submit">Show</button>
    </form>
    <table>
      <caption>Enabled factors; users passing in the last ${model.days === 1 ? 'day' : `${model.days} days`}</caption>
      <thead><tr><th scope="col">Factor</th><th scope="col">Users set up</th><th scope="col">Users passed with it</th><th scope="col">Users locked</th></tr></thead>
      <tbody>${model.rows.map(
        (r) => html`<tr data-factor="${r.factor}"><th scope="row">${r.displayName}</th><td>${r.enrolledUsers ?? 'no set-up'}</td><td>${r.passedUsers}</td><td>${r.lockedUsers}</td></tr>`,
      )}</tbody>
    </table>`;
  return renderAdminPage({ title: 'MFA factor report', current: 'report', body, username: model.username, csrf: model.csrf });
}
