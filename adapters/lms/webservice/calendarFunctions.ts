import { externalFunction, MOBILE_SERVICE } from './externalFunction.ts';
import { invalidParameter, missingRecord, WsError } from './restErrors.ts';
import { wsBool, wsInt, wsStruct } from './wsParams.ts';

/**
 * The app's Calendar tab: it is in the main menu of every site (AddonCalendarMainMenuHandler
 * is enabled unless the site disables the feature) and its first screen asks for the month
 * with no guard (src/addons/calendar/components/calendar/calendar.ts, loadItemData), showing
 * "Error loading events" when the call fails. This site has no events: every day is empty.
 *
 * Dates follow Moodle's Gregorian calendar type (calendar/classes/type_base.php and
 * calendar/type/gregorian): a day starts at midnight in the site's time zone, which is UTC
 * here (SITE_TIMEZONE, also reported by tool_mobile_get_config).
 */
export const SITE_TIMEZONE = 'UTC';
/** `calendar_startwday`: Monday (0 is Sunday), as tool_mobile_get_config reports it. */
export const CALENDAR_START_WEEKDAY = 1;
/** CALENDAR_DEFAULT_WEEKEND (calendar/lib.php): a bit per weekday, Saturday and Sunday. */
const CALENDAR_WEEKEND = 65;
const SITE_COURSE_ID = 1;
const DAY_SECONDS = 86400;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** PHP's getdate() as usergetdate() returns it (`0` is the timestamp), in the site's time zone. */
interface DateArray {
  seconds: number;
  minutes: number;
  hours: number;
  mday: number;
  wday: number;
  mon: number;
  year: number;
  /** Day of the year, 0-based as in PHP. */
  yday: number;
  weekday: string;
  month: string;
  timestamp: number;
}

function dateArray(timestamp: number): DateArray {
  const d = new Date(timestamp * 1000);
  const year = d.getUTCFullYear();
  return {
    seconds: d.getUTCSeconds(),
    minutes: d.getUTCMinutes(),
    hours: d.getUTCHours(),
    mday: d.getUTCDate(),
    wday: d.getUTCDay(),
    mon: d.getUTCMonth() + 1,
    year,
    yday: Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / (DAY_SECONDS * 1000)),
    weekday: WEEKDAYS[d.getUTCDay()] as string,
    month: MONTHS[d.getUTCMonth()] as string,
    timestamp,
  };
}

/** type_base::convert_to_timestamp: midnight of that day; like PHP's mktime, day 0 or month 13 roll over. */
function midnight(year: number, month: number, day: number): number {
  const ms = Date.UTC(year, month - 1, day);
  if (!Number.isFinite(ms) || year < 1 || year > 9999) throw invalidParameter(`year ${year}, month ${month}, day ${day} is not a date the calendar can show`);
  return ms / 1000;
}

/** userdate($time, '%B %Y') (strftimemonthyear). */
const monthYear = (date: DateArray) => `${date.month} ${date.year}`;
/** userdate($time, '%A, %d %B') (strftimedayshort), the leading zero dropped as userdate's fixday does. */
const dayShort = (date: DateArray) => `${date.weekday}, ${date.mday} ${date.month}`;

/** week_day_exporter (extends day_exporter): one day of the grid, with no events. */
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
    isweekend: (CALENDAR_WEEKEND & (1 << date.wday)) !== 0,
    timestamp: date.timestamp,
    // The day at the current time of day: where a new event would start.
    neweventtimestamp: date.timestamp + now.hours * 3600 + now.minutes * 60 + now.seconds,
    viewdaylink: `${siteUrl}/calendar/view.php?view=day&time=${date.timestamp}&course=${SITE_COURSE_ID}`,
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

/** The first day of the month `offset` months away, as a date array (get_previous/next_month_data). */
const monthStart = (date: DateArray, offset: number) => dateArray(midnight(date.year, date.mon + offset, 1));

/**
 * `core_calendar_get_calendar_monthly_view` (calendar/externallib.php): month_exporter's
 * structure, as calendar_get_view returns it. The app sends `year`, `month`, `mini=1` and,
 * when filtering, `courseid`/`categoryid`; `mini` leaves out the course selector's HTML.
 * `defaulteventcontext` stays 0: nobody can add events here, and the app offers none.
 */
const monthlyView = externalFunction({
  name: 'core_calendar_get_calendar_monthly_view',
  services: [MOBILE_SERVICE],
  params: wsStruct({
    year: wsInt,
    month: wsInt,
    courseid: wsInt.default(SITE_COURSE_ID),
    categoryid: wsInt.optional(),
    includenavigation: wsBool.default(true),
    mini: wsBool.default(false),
    day: wsInt.default(1),
  }),
  async handler({ year, month, courseid, categoryid, includenavigation, day }, { host }) {
    // calendar_information::create: the course (SITEID when empty) and the category must exist.
    if (courseid !== SITE_COURSE_ID && courseid !== 0) throw missingRecord('course', `courseid ${courseid}`);
    if (categoryid) throw new WsError('moodle_exception', 'unknowncategory', 'Unknown category', `categoryid ${categoryid}`);
    const siteUrl = host.siteOrigin();
    const time = midnight(year, month, day);
    const date = dateArray(time);
    const now = dateArray(Math.floor(Date.now() / 1000));
    const daysInMonth = new Date(Date.UTC(date.year, date.mon, 0)).getUTCDate();
    const days = Array.from({ length: daysInMonth }, (_, i) => weekDay(dateArray(midnight(date.year, date.mon, i + 1)), time, now, siteUrl));
    const previous = monthStart(date, -1);
    const next = monthStart(date, 1);
    const monthUrl = (at: number) => `${siteUrl}/calendar/view.php?view=month&time=${at}`;
    return {
      url: monthUrl(time),
      courseid: SITE_COURSE_ID,
      filter_selector: '',
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
      previousperiodlink: monthUrl(previous.timestamp),
      previousperiodname: monthYear(previous),
      nextperiod: next,
      nextperiodname: monthYear(next),
      nextperiodlink: monthUrl(next.timestamp),
      // core_renderer::larrow()/rarrow() of a left-to-right theme.
      larrow: '&#x25C4;',
      rarrow: '&#x25BA;',
      defaulteventcontext: 0,
    };
  },
});

export const calendarFunctions = [monthlyView];
