import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { appCall, appToken, assertWsError, assertWsResult } from '../support/moodleWebService.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

/**
 * The app's Calendar tab, always in its main menu: the month grid comes from
 * core_calendar_get_calendar_monthly_view, sent as AddonCalendarProvider.getMonthlyEvents
 * sends it (year, month, mini=1), and the app reads the fields checked here
 * (src/addons/calendar/components/calendar/calendar.ts, loadItemData). Tapping a day asks
 * for core_calendar_get_calendar_day_view (getDayEvents: year, month, day) and "Upcoming
 * events" for core_calendar_get_calendar_upcoming_view (getUpcomingEvents: nothing); both
 * screens read `events` (pages/day/day.ts, components/upcoming-events/upcoming-events.ts).
 */
const MONTHLY_VIEW = 'core_calendar_get_calendar_monthly_view';
const DAY_VIEW = 'core_calendar_get_calendar_day_view';
const UPCOMING_VIEW = 'core_calendar_get_calendar_upcoming_view';
const DATE_NUMBERS = ['seconds', 'minutes', 'hours', 'mday', 'wday', 'mon', 'year', 'yday', 'timestamp'];

function assertWsDate(date: Record<string, unknown>, what: string): void {
  for (const field of DATE_NUMBERS) assert.equal(typeof date[field], 'number', `${what}.${field}`);
  for (const field of ['weekday', 'month']) assert.equal(typeof date[field], 'string', `${what}.${field}`);
}

const midnightUtc = (year: number, monthIndex: number, day: number) => Date.UTC(year, monthIndex, day) / 1000;
const secondsIntoUtcDay = (at: Date) => Math.floor(at.getTime() / 1000) % 86400;

for (const kind of databaseKinds) {
  describe(`the Moodle app's Calendar tab on ${kind}`, () => {
    let site: TestSite;
    let token: string;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('learner');
      token = await appToken(site, 'learner');
    });
    after(() => site.close());

    it('answers the month grid the app asks for: weeks from Monday, padded, every day empty, typed as the app reads them', async () => {
      // February 2026 starts on a Sunday: with weeks starting on Monday the first week holds one day.
      const res = await appCall(site, token, MONTHLY_VIEW, { year: '2026', month: '2', mini: '1' });
      assertWsResult(res);
      const month = res.body;
      assert.deepEqual(month.daynames.map((d: { dayno: number }) => d.dayno), [1, 2, 3, 4, 5, 6, 0]);
      assert.deepEqual(month.daynames[0], { dayno: 1, shortname: 'Mon', fullname: 'Monday' });
      assert.equal(month.view, 'month');
      assert.equal(month.courseid, 1);
      assert.equal(month.filter_selector, '', 'mini leaves out the course selector');
      assert.equal(month.periodname, 'February 2026');
      assert.equal(month.defaulteventcontext, 0);
      assert.equal(month.includenavigation, true);
      assert.equal(month.url, `http://localhost/calendar/view.php?view=month&time=${midnightUtc(2026, 1, 1)}`);
      assertWsDate(month.date, 'date');
      assert.equal(month.date.timestamp, midnightUtc(2026, 1, 1));
      assert.deepEqual([month.date.mday, month.date.mon, month.date.wday, month.date.yday], [1, 2, 0, 31]);
      assertWsDate(month.previousperiod, 'previousperiod');
      assertWsDate(month.nextperiod, 'nextperiod');
      assert.deepEqual([month.previousperiod.mon, month.previousperiod.year, month.previousperiodname], [1, 2026, 'January 2026']);
      assert.deepEqual([month.nextperiod.mon, month.nextperiod.year, month.nextperiodname], [3, 2026, 'March 2026']);

      const weeks = month.weeks as Array<{ prepadding: number[]; postpadding: number[]; days: Array<Record<string, unknown>> }>;
      assert.deepEqual(weeks.map((w) => [w.prepadding.length, w.days.length, w.postpadding.length]), [[6, 1, 0], [0, 7, 0], [0, 7, 0], [0, 7, 0], [0, 6, 1]]);
      assert.deepEqual(weeks[0]?.prepadding, [0, 1, 2, 3, 4, 5]);
      const days = weeks.flatMap((w) => w.days);
      assert.deepEqual(days.map((d) => d.mday), Array.from({ length: 28 }, (_, i) => i + 1));
      for (const day of days) {
        for (const field of ['seconds', 'minutes', 'hours', 'mday', 'wday', 'year', 'yday', 'timestamp', 'neweventtimestamp', 'previousperiod', 'nextperiod']) {
          assert.equal(typeof day[field], 'number', `day ${day.mday}: ${field}`);
        }
        for (const field of ['istoday', 'isweekend', 'hasevents', 'haslastdayofevent']) assert.equal(typeof day[field], 'boolean', `day ${day.mday}: ${field}`);
        assert.deepEqual([day.events, day.calendareventtypes, day.hasevents], [[], [], false]);
        assert.equal(day.timestamp, midnightUtc(2026, 1, day.mday as number));
        // day_exporter counts the neighbours from the calendar's time (the 1st), not the day's.
        assert.deepEqual([day.previousperiod, day.nextperiod], [midnightUtc(2026, 0, 31), midnightUtc(2026, 1, 2)]);
        assert.equal(day.wday, new Date((day.timestamp as number) * 1000).getUTCDay());
        assert.equal(day.isweekend, day.wday === 0 || day.wday === 6, `day ${day.mday}`);
        assert.equal(day.istoday, false, 'February 2026 is not this month');
      }
    });

    it('rolls a December over into January of the next year, as PHP does', async () => {
      const res = await appCall(site, token, MONTHLY_VIEW, { year: '2025', month: '12', mini: '1' });
      assertWsResult(res);
      assert.deepEqual([res.body.nextperiod.mon, res.body.nextperiod.year], [1, 2026]);
      assert.deepEqual([res.body.previousperiod.mon, res.body.previousperiod.year], [11, 2025]);
      assert.equal(res.body.weeks.flatMap((w: { days: unknown[] }) => w.days).length, 31);
    });

    it('marks today, and only today, in the current month', async () => {
      const before = new Date();
      const res = await appCall(site, token, MONTHLY_VIEW, { year: String(before.getUTCFullYear()), month: String(before.getUTCMonth() + 1), mini: '1' });
      const afterCall = new Date();
      assertWsResult(res);
      const today = res.body.weeks.flatMap((w: { days: Array<{ istoday: boolean; mday: number }> }) => w.days).filter((d: { istoday: boolean }) => d.istoday);
      assert.equal(today.length, 1);
      // The call may straddle midnight UTC: either day is right.
      assert.ok([before.getUTCDate(), afterCall.getUTCDate()].includes(today[0].mday), JSON.stringify(today));
    });

    it('keeps Moodle’s refusals: a course or category that does not exist, a month that is not a number', async () => {
      assertWsError(await appCall(site, token, MONTHLY_VIEW, { year: '2026', month: '2', mini: '1', courseid: '7' }), 'invalidrecord');
      assertWsError(await appCall(site, token, MONTHLY_VIEW, { year: '2026', month: '2', mini: '1', categoryid: '3' }), 'unknowncategory');
      assertWsError(await appCall(site, token, MONTHLY_VIEW, { year: '2026', month: 'feb' }), 'invalidparameter');
      assertWsError(await appCall(site, token, MONTHLY_VIEW, { year: '2026' }), 'invalidparameter');
      assertWsError(await appCall(site, token, MONTHLY_VIEW, { year: '99999', month: '1' }), 'invalidparameter');
      // The site course is the calendar's default, named or not.
      assertWsResult(await appCall(site, token, MONTHLY_VIEW, { year: '2026', month: '2', courseid: '1' }));
    });

    it('answers the day the app asks for when a day is tapped: no events, the day and its neighbours typed as the app reads them', async () => {
      const res = await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: '1' });
      assertWsResult(res);
      const day = res.body;
      assert.deepEqual(day.events, []);
      assert.equal('categoryid' in day, false, 'categoryid only when the calendar is a category’s');
      assert.deepEqual([day.courseid, day.defaulteventcontext, day.filter_selector], [1, 0, '']);
      for (const field of ['date', 'previousperiod', 'nextperiod']) assertWsDate(day[field], field);
      for (const field of ['periodname', 'previousperiodname', 'nextperiodname', 'previousperiodlink', 'nextperiodlink', 'larrow', 'rarrow']) {
        assert.equal(typeof day[field], 'string', field);
      }
      assert.equal(typeof day.neweventtimestamp, 'number');
      assert.deepEqual([day.date.timestamp, day.date.mday, day.date.mon, day.date.year, day.date.wday], [midnightUtc(2026, 1, 1), 1, 2, 2026, 0]);
      assert.equal(day.periodname, 'Sunday, 1 February 2026');
      // The neighbours cross the month: 31 January (a Saturday) and 2 February (a Monday).
      assert.deepEqual([day.previousperiod.timestamp, day.previousperiod.mday, day.previousperiod.mon, day.previousperiodname], [midnightUtc(2026, 0, 31), 31, 1, 'Saturday']);
      assert.deepEqual([day.nextperiod.timestamp, day.nextperiod.mday, day.nextperiod.mon, day.nextperiodname], [midnightUtc(2026, 1, 2), 2, 2, 'Monday']);
      assert.equal(day.previousperiodlink, `http://localhost/calendar/view.php?view=day&time=${midnightUtc(2026, 0, 31)}`);
      assert.equal(day.nextperiodlink, `http://localhost/calendar/view.php?view=day&time=${midnightUtc(2026, 1, 2)}`);
    });

    it('puts a new event on the tapped day at the current time of day', async () => {
      const before = new Date();
      const res = await appCall(site, token, DAY_VIEW, { year: '2026', month: '7', day: '15' });
      const afterCall = new Date();
      assertWsResult(res);
      const offset = res.body.neweventtimestamp - midnightUtc(2026, 6, 15);
      const [from, to] = [secondsIntoUtcDay(before), secondsIntoUtcDay(afterCall)];
      // The call may straddle midnight UTC: then the time of day wrapped round.
      assert.ok(from <= to ? offset >= from && offset <= to : offset >= from || offset <= to, `${offset} not within ${from}..${to}`);
    });

    it('rolls days over as PHP does: the last of the year, day 0 of March', async () => {
      const newYearsEve = (await appCall(site, token, DAY_VIEW, { year: '2025', month: '12', day: '31' })).body;
      assert.deepEqual([newYearsEve.nextperiod.mday, newYearsEve.nextperiod.mon, newYearsEve.nextperiod.year, newYearsEve.nextperiod.yday], [1, 1, 2026, 0]);
      assert.equal(newYearsEve.date.yday, 364);
      const dayZero = (await appCall(site, token, DAY_VIEW, { year: '2026', month: '3', day: '0' })).body;
      assert.deepEqual([dayZero.date.mday, dayZero.date.mon, dayZero.periodname], [28, 2, 'Saturday, 28 February 2026']);
    });

    it('keeps Moodle’s refusals for a day: a missing or mistyped day, an unknown course or category, an unexpected key', async () => {
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2' }), 'invalidparameter', 'invalid_parameter_exception');
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: 'first' }), 'invalidparameter');
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: '1', mini: '1' }), 'invalidparameter');
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '99999', month: '2', day: '1' }), 'invalidparameter');
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: '1', courseid: '7' }), 'invalidrecord');
      assertWsError(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: '1', categoryid: '3' }), 'unknowncategory');
      assertWsResult(await appCall(site, token, DAY_VIEW, { year: '2026', month: '2', day: '1', courseid: '1' }));
    });

    it('answers "Upcoming events" as the app asks for it: calendar_upcoming_exporter’s fields, no events', async () => {
      const res = await appCall(site, token, UPCOMING_VIEW);
      assertWsResult(res);
      // The whole answer: the exporter's fields, typed, and no categoryid for the site calendar.
      assert.deepEqual(res.body, { events: [], defaulteventcontext: 0, filter_selector: '', courseid: 1, isloggedin: true });
      assertWsResult(await appCall(site, token, UPCOMING_VIEW, { courseid: '1' }));
    });

    it('keeps Moodle’s refusals for upcoming events: an unknown course or category, a mistyped or unexpected key', async () => {
      assertWsError(await appCall(site, token, UPCOMING_VIEW, { courseid: '7' }), 'invalidrecord', 'dml_missing_record_exception');
      assertWsError(await appCall(site, token, UPCOMING_VIEW, { categoryid: '3' }), 'unknowncategory');
      assertWsError(await appCall(site, token, UPCOMING_VIEW, { courseid: 'all' }), 'invalidparameter', 'invalid_parameter_exception');
      assertWsError(await appCall(site, token, UPCOMING_VIEW, { lookahead: '30' }), 'invalidparameter');
    });

    it('tells the app the calendar’s first weekday and time zone in tool_mobile_get_config', async () => {
      const settings = new Map<string, unknown>(
        (await appCall(site, token, 'tool_mobile_get_config')).body.settings.map((s: { name: string; value: unknown }) => [s.name, s.value]),
      );
      assert.equal(settings.get('calendar_startwday'), '1');
      assert.equal(settings.get('timezone'), 'UTC');
    });
  });
}
