import { invalidParameter } from './restErrors.ts';

/**
 * The calendar's dates, as Moodle's Gregorian calendar type computes them
 * (calendar/classes/type_base.php and calendar/type/gregorian): a day starts at midnight in
 * the site's time zone, which is UTC here (SITE_TIMEZONE, also reported by
 * tool_mobile_get_config). Every calendar function of the REST server reads its days here.
 */
export const SITE_TIMEZONE = 'UTC';
/** `calendar_startwday`: Monday (0 is Sunday), as tool_mobile_get_config reports it. */
export const CALENDAR_START_WEEKDAY = 1;
/** CALENDAR_DEFAULT_WEEKEND (calendar/lib.php): a bit per weekday, Saturday and Sunday. */
const CALENDAR_WEEKEND = 65;
export const DAY_SECONDS = 86400;

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** PHP's getdate() as usergetdate() returns it (`0` is the timestamp), in the site's time zone: date_exporter's fields. */
export interface DateArray {
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

export function dateArray(timestamp: number): DateArray {
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

/** The date array of this moment (usergetdate(time())). */
export const nowDate = () => dateArray(Math.floor(Date.now() / 1000));

/** type_base::convert_to_timestamp: midnight of that day; like PHP's mktime, day 0 or month 13 roll over. */
export function midnight(year: number, month: number, day: number): number {
  const ms = Date.UTC(year, month - 1, day);
  if (!Number.isFinite(ms) || year < 1 || year > 9999) throw invalidParameter(`year ${year}, month ${month}, day ${day} is not a date the calendar can show`);
  return ms / 1000;
}

/** The midnight `offset` days away (type_base get_prev_day / get_next_day), as a date array. */
export const dayStart = (date: DateArray, offset: number) => dateArray(midnight(date.year, date.mon, date.mday + offset));
/** The first day of the month `offset` months away (month_exporter get_previous/next_month_data). */
export const monthStart = (date: DateArray, offset: number) => dateArray(midnight(date.year, date.mon + offset, 1));

export const isWeekend = (date: DateArray) => (CALENDAR_WEEKEND & (1 << date.wday)) !== 0;

/**
 * `neweventtimestamp`: the day at the current time of day, where a new event would start
 * (day_exporter and calendar_day_exporter set the user's hours, minutes and seconds on the day).
 */
export const newEventTimestamp = (day: DateArray, now: DateArray) => day.timestamp + now.hours * 3600 + now.minutes * 60 + now.seconds;

// userdate() with the English strftime formats of langconfig.php; userdate's fixday drops %d's leading zero.

/** strftimemonthyear: "February 2026". */
export const monthYear = (date: DateArray) => `${date.month} ${date.year}`;
/** strftimedayshort: "Sunday, 1 February". */
export const dayShort = (date: DateArray) => `${date.weekday}, ${date.mday} ${date.month}`;
/** strftimedaydate: "Sunday, 1 February 2026". */
export const dayDate = (date: DateArray) => `${dayShort(date)} ${date.year}`;
