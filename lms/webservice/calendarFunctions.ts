import { MOBILE_APP_SERVICE } from '../mobileApp.ts';
import {
  CALENDAR_START_WEEKDAY,
  DAY_SECONDS,
  type DateArray,
  dateArray,
  dayDate,
  dayShort,
  dayStart,
  isWeekend,
  midnight,
  monthStart,
  monthYear,
  newEventTimestamp,
  nowDate,
  WEEKDAYS,
} from './calendarDates.ts';
import { externalFunction } from './externalFunction.ts';
import { missingRecord, WsError } from './restErrors.ts';
import { wsBool, wsInt, wsStruct } from './wsParams.ts';

/**
 * The app's Calendar tab: it is in the main menu of every site (AddonCalendarMainMenuHandler
 * is enabled unless the site disables the feature) and none of its screens checks that the
 * site lists these functions before calling them, showing "Error loading events" when a call
 * fails: the month (src/addons/calendar/components/calendar/calendar.ts, loadItemData), a
 * tapped day (pages/day/day.ts, loadItemData) and "Upcoming events"
 * (components/upcoming-events/upcoming-events.ts, fetchEvents). This site has no events:
 * every day and every upcoming list is empty. Dates come from calendarDates.ts.
 */
const SITE_COURSE_ID = 1;

/** core_renderer::larrow()/rarrow() of a left-to-right theme. */
const ARROWS = { larrow: '&#x25C4;', rarrow: '&#x25BA;' };

/** calendar_information::create: the course (SITEID when empty) and the category must exist; only the site course does. */
function checkCalendarScope(courseid: number, categoryid: number | undefined): void {
  if (courseid !== SITE_COURSE_ID && courseid !== 0) throw missingRecord('course', `courseid ${courseid}`);
  if (categoryid) throw new WsError('moodle_exception', 'unknowncategory', 'Unknown category', `categoryid ${categoryid}`);
}

/** What every calendar view exports about adding events and filtering by course. */
const NOBODY_ADDS_EVENTS = {
  // No event context: nobody can add events here (calendar_user_can_add_event), and the app offers none.
  defaulteventcontext: 0,
  // The course selector's HTML: the app builds its own filter from core_enrol_get_users_courses and never reads this.
  filter_selector: '',
  courseid: SITE_COURSE_ID,
};

const viewUrl = (siteUrl: string, view: 'month' | 'day', time: number) => `${siteUrl}/calendar/view.php?view=${view}&time=${time}`;

/** The parameters every view takes after its date (calendar/externallib.php, NULL_ALLOWED aside). */
const scopeParams = { courseid: wsInt.default(SITE_COURSE_ID), categoryid: wsInt.optional() };

/** week_day_exporter (extends day_exporter): one day of the month grid, with no events. */
function weekDay(date: DateArray, calendarTime: number, now: DateArray, siteUrl: string) {
  const istoday = date.year === now.year && date.yday === now.yday;
  const title = istoday ? `Today ${dayShort(date)}` : undefined;
  return {
    seconds: date.seconds,
    minutes: date.minutes,
    hours: date.hours,
    mday: date.mday,
    wday: date.wday,
    year: date.year,
    yday: date.yday,
    istoday,
    isweekend: isWeekend(date),
    timestamp: date.timestamp,
    neweventtimestamp: newEventTimestamp(date, now),
    viewdaylink: `${viewUrl(siteUrl, 'day', date.timestamp)}&course=${SITE_COURSE_ID}`,
    ...(title ? { viewdaylinktitle: title } : {}),
    events: [],
    hasevents: false,
    calendareventtypes: [],
    // day_exporter counts these from the calendar's time, not the day's.
    previousperiod: calendarTime - DAY_SECONDS,
    nextperiod: calendarTime + DAY_SECONDS,
    haslastdayofevent: false,
    popovertitle: title ?? '',
  };
}

/** month_exporter::get_weeks: the days in weeks starting on CALENDAR_START_WEEKDAY, padded at both ends. */
function weeksOf(days: ReturnType<typeof weekDay>[]) {
  const prepadding = ((days[0]?.wday ?? 0) + 7 - CALENDAR_START_WEEKDAY) % 7;
  const chunks = [days.slice(0, 7 - prepadding)];
  for (let i = 7 - prepadding; i < days.length; i += 7) chunks.push(days.slice(i, i + 7));
  const count = (n: number) => Array.from({ length: n }, (_, i) => i);
  return chunks.map((chunk, index) => {
    const pre = index === 0 ? prepadding : 0;
    return { prepadding: count(pre), postpadding: count(7 - chunk.length - pre), days: chunk };
  });
}

/**
 * `core_calendar_get_calendar_monthly_view` (calendar/externallib.php): month_exporter's
 * structure, as calendar_get_view returns it. The app sends `year`, `month`, `mini=1` and,
 * when filtering, `courseid`/`categoryid`.
 */
const monthlyView = externalFunction({
  name: 'core_calendar_get_calendar_monthly_view',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({
    year: wsInt,
    month: wsInt,
    ...scopeParams,
    includenavigation: wsBool.default(true),
    mini: wsBool.default(false),
    day: wsInt.default(1),
  }),
  async handler({ year, month, courseid, categoryid, includenavigation, day }, { host }) {
    checkCalendarScope(courseid, categoryid);
    const siteUrl = host.siteOrigin();
    const time = midnight(year, month, day);
    const date = dateArray(time);
    const now = nowDate();
    const daysInMonth = new Date(Date.UTC(date.year, date.mon, 0)).getUTCDate();
    const days = Array.from({ length: daysInMonth }, (_, i) => weekDay(dateArray(midnight(date.year, date.mon, i + 1)), time, now, siteUrl));
    const previous = monthStart(date, -1);
    const next = monthStart(date, 1);
    return {
      ...NOBODY_ADDS_EVENTS,
      url: viewUrl(siteUrl, 'month', time),
      weeks: weeksOf(days),
      daynames: WEEKDAYS.map((_, i) => (i + CALENDAR_START_WEEKDAY) % 7).map((dayno) => ({
        dayno,
        shortname: (WEEKDAYS[dayno] as string).slice(0, 3),
        fullname: WEEKDAYS[dayno] as string,
      })),
      view: 'month',
      date,
      periodname: monthYear(date),
      includenavigation,
      initialeventsloaded: true,
      previousperiod: previous,
      previousperiodlink: viewUrl(siteUrl, 'month', previous.timestamp),
      previousperiodname: monthYear(previous),
      nextperiod: next,
      nextperiodname: monthYear(next),
      nextperiodlink: viewUrl(siteUrl, 'month', next.timestamp),
      ...ARROWS,
    };
  },
});

/**
 * `core_calendar_get_calendar_day_view` (calendar/externallib.php): calendar_day_exporter's
 * structure. The app sends only `year`, `month` and `day` (AddonCalendarProvider.getDayEvents;
 * it filters by course itself) and reads `events`. The neighbours are named by weekday
 * (calendar_get_days), the day by strftimedaydate.
 */
const dayView = externalFunction({
  name: 'core_calendar_get_calendar_day_view',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct({ year: wsInt, month: wsInt, day: wsInt, ...scopeParams }),
  async handler({ year, month, day, courseid, categoryid }, { host }) {
    checkCalendarScope(courseid, categoryid);
    const siteUrl = host.siteOrigin();
    const date = dateArray(midnight(year, month, day));
    const previous = dayStart(date, -1);
    const next = dayStart(date, 1);
    return {
      events: [],
      ...NOBODY_ADDS_EVENTS,
      neweventtimestamp: newEventTimestamp(date, nowDate()),
      date,
      periodname: dayDate(date),
      previousperiod: previous,
      previousperiodlink: viewUrl(siteUrl, 'day', previous.timestamp),
      previousperiodname: previous.weekday,
      nextperiod: next,
      nextperiodname: next.weekday,
      nextperiodlink: viewUrl(siteUrl, 'day', next.timestamp),
      ...ARROWS,
    };
  },
});

/**
 * `core_calendar_get_calendar_upcoming_view` (calendar/externallib.php): calendar_upcoming_exporter's
 * structure for the calendar at this moment. The app sends no parameters
 * (AddonCalendarProvider.getUpcomingEvents; it filters by course itself) and reads `events`.
 * Moodle's exporter has no `date`, whatever the app's type says.
 */
const upcomingView = externalFunction({
  name: 'core_calendar_get_calendar_upcoming_view',
  services: [MOBILE_APP_SERVICE],
  params: wsStruct(scopeParams),
  async handler({ courseid, categoryid }) {
    checkCalendarScope(courseid, categoryid);
    // A token's holder is logged in: isloggedin() is true for every web service call.
    return { events: [], ...NOBODY_ADDS_EVENTS, isloggedin: true };
  },
});

export const calendarFunctions = [monthlyView, dayView, upcomingView];
