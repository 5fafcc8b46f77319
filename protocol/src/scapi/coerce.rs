//! Argument leniency: the conversions a JavaScript Workspace makes without a word, made here
//! once and written down.
//!
//! Genesys's Workspace is JavaScript: it hands a parameter on to string concatenation, an id
//! lookup or a CSS property, and JavaScript converts a number to its text or a numeric
//! string to its number on the way. A page that calls `voice.answer(1)` or
//! `outbound.callPreviewRecord(id, '1')` (the record's own `GSW_RECORD_HANDLE` is the string
//! `"1"`) therefore works against a real Workspace. Decoding accepts the same, converts to
//! the type the request table declares, and records each conversion as a [`Coercion`] on the
//! decoded [`super::RequestMessage`], so the traffic log can say what was converted. A value
//! no JavaScript implementation could use is still an error that names the parameter, its
//! position and the fix.
//!
//! Only request `parameters` are converted; the envelope (`request`, `referenceId`, ...) is
//! not. The text fast path never converts: a value that needs converting makes it fall back
//! to the precise decoder, which converts and records.
//!
//! # Per parameter type
//!
//! | parameter type | also accepted | becomes | still refused |
//! |---|---|---|---|
//! | `String` (ids, names, destinations, ...) | a JSON number | its text as JavaScript's `String(n)` writes it: `1` → `"1"`, `1.5` → `"1.5"`, `2.0` → `"2"` | booleans, arrays, objects; numbers JavaScript writes in exponent notation (magnitude ≥ 1e21 or below 1e-6) |
//! | `i64` (`recordHandle`, `callResult`) | a string of decimal digits with an optional sign, surrounding white space ignored; a number with no fraction (`2.0`) | the integer: `"2"` → `2` | fractions (`2.5`, `"2.5"`), empty and non-numeric strings (`"abc"`, `"0x10"`, `"1e3"`, `"NaN"`), values outside the 64-bit range, booleans, arrays, objects |
//! | [`RescheduleDate`] (`rescheduleDate`) | an ISO-8601 date-time, as `JSON.stringify` writes a `Date` (`"2026-12-02T10:00:00.000Z"`) or with an offset (`+02:00`), or a date alone (midnight UTC, as `new Date("2026-12-02")` reads it) | the sample's `M/D/YYYY H:mm`, in UTC, seconds dropped: `"12/2/2026 10:00"` | a string that starts like an ISO date (`YYYY-`) but is not a valid one; numbers (send `date.toISOString()`); anything not a string. Other strings are kept as they are for the back end to judge |
//! | [`ToastParameters`] `width` | a string of pixels: `"500"`, `"500px"` (unit case-insensitive, white space ignored) | the number of pixels: `500` | other CSS units (`"50%"`, `"20em"`, `"auto"`): a toast's width is a pixel count and a relative unit has nothing to be relative to; fractions, negative widths |
//! | [`ToastParameters`] `autoCloseTimeout` | a string of decimal digits | the milliseconds: `"5000"` → `5000` | as for `i64`, and negative timeouts |
//!
//! Booleans, objects, arrays, option selectors and target queries are not converted: no
//! plausible JavaScript call passes them as another type. A structured-clone `Date` reaches
//! agentdesk as its ISO text, since every transport to the engine serialises with JSON.
//!
//! [`RescheduleDate`]: super::types::RescheduleDate
//! [`ToastParameters`]: super::types::ToastParameters

use std::fmt;

use serde_json::{Number, Value};

/// One parameter value decoding converted, as a JavaScript Workspace would have.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Coercion {
    /// Position of the parameter in `parameters`, counted from 0 as in `$.parameters[0]`.
    pub index: usize,
    /// The parameter's name in the request table (`interactionId`).
    pub parameter: &'static str,
    /// JSON path of the converted value: `$.parameters[0]`, or below it for a field of an
    /// object parameter (`$.parameters[0].width`).
    pub path: String,
    /// The value as received.
    pub from: Value,
    /// The value decoded.
    pub to: Value,
}

/// JavaScript's `typeof` of a JSON value, as a coercion report names it.
fn js_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl fmt::Display for Coercion {
    /// `argument 0 `interactionId`: number 1 → "1"`; a field of an object parameter adds its
    /// path below the slot (`argument 0 `parameters`.width: string "500px" → 500`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = format!("$.parameters[{}]", self.index);
        let below = self.path.strip_prefix(&slot).unwrap_or_default();
        write!(
            f,
            "argument {} `{}`{below}: {} {} → {}",
            self.index,
            self.parameter,
            js_type(&self.from),
            self.from,
            self.to
        )
    }
}

/// Where decoding writes down each conversion it makes; it knows which parameter is being
/// decoded, so an [`super::Arg`] implementation records only the path and the values.
#[derive(Debug, Default)]
pub struct Coercions {
    index: usize,
    parameter: &'static str,
    list: Vec<Coercion>,
}

impl Coercions {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the parameter the following conversions belong to.
    pub(crate) fn enter(&mut self, index: usize, parameter: &'static str) {
        self.index = index;
        self.parameter = parameter;
    }

    /// Records that the value at `path` was received as `from` and decoded as `to`.
    pub fn record(&mut self, path: &str, from: &Value, to: Value) {
        self.list.push(Coercion {
            index: self.index,
            parameter: self.parameter,
            path: path.to_owned(),
            from: from.clone(),
            to,
        });
    }

    /// The conversions, in decoding order.
    pub fn into_vec(self) -> Vec<Coercion> {
        self.list
    }
}

/// The text JavaScript's `String(n)` gives a number, where it writes plain digits.
pub(crate) fn number_text(n: &Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    let f = n.as_f64()?;
    if f == 0.0 {
        // JavaScript writes negative zero as "0".
        return Some("0".to_owned());
    }
    let magnitude = f.abs();
    // Outside this range JavaScript switches to exponent notation ("1e+21", "1e-7"), which
    // no id is written in; Rust's shortest round-trip digits agree with JavaScript inside it.
    if !f.is_finite() || !(1e-6..1e21).contains(&magnitude) {
        return None;
    }
    Some(f.to_string())
}

/// The integer a number without fraction stands for (`2.0` → 2).
pub(crate) fn whole_number(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // 2^63 is exact as f64; anything from there on does not fit.
    let fits = f.is_finite() && f.fract() == 0.0 && (-(2f64.powi(63))..2f64.powi(63)).contains(&f);
    #[allow(clippy::cast_possible_truncation)]
    fits.then_some(f as i64)
}

/// The integer a string of decimal digits stands for: an optional sign, digits, white space
/// around ignored (`Number(" 2 ")` is 2 in JavaScript). Hexadecimal, exponents, fractions
/// and the empty string are refused although JavaScript reads some of them: they are not how
/// anyone writes a handle or a code.
pub(crate) fn integer_text(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    trimmed.parse().ok()
}

/// Why a CSS width is not a pixel count; the caller names the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WidthProblem {
    /// A unit other than `px` (`%`, `em`, ...), or no number at all.
    NotPixels,
    /// A number of pixels that is not a whole, non-negative count that fits.
    NotACount,
}

/// The pixels of a CSS length written as `500` or `500px`.
pub(crate) fn css_pixels(text: &str) -> Result<u32, WidthProblem> {
    let trimmed = text.trim();
    let number = match trimmed.len().checked_sub(2) {
        Some(end) if trimmed.is_char_boundary(end) && trimmed[end..].eq_ignore_ascii_case("px") => {
            trimmed[..end].trim_end()
        }
        _ => trimmed,
    };
    let numeric = !number.is_empty()
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
    if !numeric || number.parse::<f64>().is_err() {
        return Err(WidthProblem::NotPixels);
    }
    number.parse().map_err(|_| WidthProblem::NotACount)
}

/// An ISO-8601 date or date-time as the sample's `M/D/YYYY H:mm` in UTC; `Ok(None)` when
/// the text does not start like an ISO date (`YYYY-`), `Err` naming the problem when it does
/// but is not a valid one.
pub(crate) fn iso_to_sample_date(text: &str) -> Result<Option<String>, &'static str> {
    let bytes = text.as_bytes();
    let starts_iso =
        bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
    if !starts_iso {
        return Ok(None);
    }
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (year, month, day) = parse_date(date)?;
    let (mut minutes, offset) = match time {
        Some(time) => parse_time(time)?,
        None => (0, 0),
    };
    // Minutes since the start of the day, in UTC; the offset may carry into a neighbour day.
    minutes -= offset;
    let days = days_from_civil(year, month, day) + minutes.div_euclid(24 * 60);
    minutes = minutes.rem_euclid(24 * 60);
    if days < days_from_civil(0, 1, 1) {
        return Err("the date is before year 0");
    }
    let (year, month, day) = civil_from_days(days);
    Ok(Some(format!(
        "{month}/{day}/{year} {}:{:02}",
        minutes / 60,
        minutes % 60
    )))
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse_date(date: &str) -> Result<(i64, i64, i64), &'static str> {
    let mut parts = date.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the date is not YYYY-MM-DD");
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return Err("the date is not YYYY-MM-DD");
    };
    if !(1..=12).contains(&month) {
        return Err("the month is not 01 to 12");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("the day is not in that month");
    }
    Ok((year, month, day))
}

/// Minutes into the day and the zone offset in minutes (0 for `Z` or no zone: agentdesk's
/// Workspace keeps UTC as its local time).
fn parse_time(time: &str) -> Result<(i64, i64), &'static str> {
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else if let Some(at) = time.rfind(['+', '-']) {
        (&time[..at], parse_offset(&time[at..])?)
    } else {
        (time, 0)
    };
    let (hours_minutes, seconds) = match (clock.len(), clock.get(..5), clock.get(5..)) {
        (5, Some(hours_minutes), _) => (hours_minutes, None),
        (8.., Some(hours_minutes), Some(seconds)) => (hours_minutes, Some(seconds)),
        _ => return Err("the time is not HH:MM or HH:MM:SS"),
    };
    let (Some(hour), Some(b':'), Some(minute)) = (
        hours_minutes.get(..2).and_then(|h| number(h, 2)),
        hours_minutes.as_bytes().get(2).copied(),
        hours_minutes.get(3..).and_then(|m| number(m, 2)),
    ) else {
        return Err("the time is not HH:MM or HH:MM:SS");
    };
    if let Some(seconds) = seconds {
        let valid = seconds.as_bytes().first() == Some(&b':')
            && seconds
                .get(1..3)
                .and_then(|s| number(s, 2))
                .is_some_and(|s| s < 60)
            && match seconds.get(3..) {
                Some("") => true,
                Some(fraction) => {
                    fraction.len() > 1
                        && fraction.starts_with(['.', ','])
                        && fraction[1..].bytes().all(|b| b.is_ascii_digit())
                }
                None => false,
            };
        if !valid {
            return Err("the seconds are not SS or SS.fff");
        }
    }
    if hour > 23 || minute > 59 {
        return Err("the time is not a time of day");
    }
    Ok((hour * 60 + minute, offset))
}

fn parse_offset(offset: &str) -> Result<i64, &'static str> {
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = offset[1..].replace(':', "");
    let (Some(hours), Some(minutes)) = (
        digits.get(..2).and_then(|h| number(h, 2)),
        digits.get(2..).and_then(|m| number(m, 2)),
    ) else {
        return Err("the zone offset is not +HH:MM");
    };
    if hours > 23 || minutes > 59 {
        return Err("the zone offset is not +HH:MM");
    }
    Ok(sign * (hours * 60 + minutes))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01, the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_are_inverse_across_four_centuries() {
        let start = days_from_civil(1900, 1, 1);
        let end = days_from_civil(2300, 12, 31);
        let mut expected = (1900, 1, 1);
        for days in start..=end {
            assert_eq!(civil_from_days(days), expected, "{days}");
            let (year, month, day) = expected;
            expected = if day < days_in_month(year, month) {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn iso_dates_and_other_texts() {
        assert_eq!(
            iso_to_sample_date("2026-12-02T10:00:00.000Z"),
            Ok(Some("12/2/2026 10:00".to_owned()))
        );
        assert_eq!(
            iso_to_sample_date("2026-12-02t10:00:00,25+00:00"),
            Ok(Some("12/2/2026 10:00".to_owned()))
        );
        assert_eq!(
            iso_to_sample_date("0000-01-01T00:30+01:00"),
            Err("the date is before year 0")
        );
        assert_eq!(iso_to_sample_date("10/21/2021 14:30"), Ok(None));
        assert_eq!(iso_to_sample_date("2026"), Ok(None));
        assert!(iso_to_sample_date("2026-12-02T10:00:00.Z").is_err());
        assert!(iso_to_sample_date("2026-12-02T10:00:00Zjunk").is_err());
        assert!(iso_to_sample_date("2026-12-02Té").is_err());
        assert!(iso_to_sample_date("2026-12-02T10:00+é").is_err());
        assert!(iso_to_sample_date("2026-12-02T10:0é:00").is_err());
        assert!(iso_to_sample_date("2026-12-02T10:00:0é").is_err());
    }

    proptest::proptest! {
        #[test]
        fn texts_never_panic(text in "[0-9T:+\\-.,Zpxé ]{0,24}", tail in "\\PC{0,8}") {
            let text = format!("2026-{text}{tail}");
            let _ = iso_to_sample_date(&text);
            let _ = css_pixels(&text[5..]);
            let _ = integer_text(&text);
        }
    }

    #[test]
    fn integer_texts() {
        assert_eq!(integer_text("42"), Some(42));
        assert_eq!(integer_text("\t-42\n"), Some(-42));
        for bad in ["", "-", "+", "4 2", "4_2", "٤٢", "1e3", "0x1", "1.0"] {
            assert_eq!(integer_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn pixel_texts() {
        assert_eq!(css_pixels("0px"), Ok(0));
        assert_eq!(css_pixels("500Px"), Ok(500));
        assert_eq!(css_pixels("é"), Err(WidthProblem::NotPixels));
        assert_eq!(css_pixels("ép"), Err(WidthProblem::NotPixels));
        assert_eq!(css_pixels("1e3px"), Err(WidthProblem::NotPixels));
        assert_eq!(css_pixels("--5"), Err(WidthProblem::NotPixels));
        assert_eq!(css_pixels("5.5"), Err(WidthProblem::NotACount));
    }

    #[test]
    fn whole_numbers() {
        let number = |v: f64| Number::from_f64(v).unwrap_or_else(|| Number::from(0));
        assert_eq!(whole_number(&number(6.0)), Some(6));
        assert_eq!(whole_number(&number(-0.0)), Some(0));
        assert_eq!(whole_number(&number(6.5)), None);
        assert_eq!(whole_number(&number(9.3e18)), None);
        assert_eq!(whole_number(&Number::from(u64::MAX)), None);
    }
}
