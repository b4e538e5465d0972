//! Go's `time.Time`, `time.Duration` and `time.Location` as templates see them, and Sprig's
//! date functions (`now`, `date`, `dateInZone`, `htmlDate`, `htmlDateInZone`, `dateModify`,
//! `mustDateModify`, `ago`, `duration`, `durationRound`, `toDate`, `mustToDate`, `unixEpoch`),
//! byte-identical to Helm v4.2.3 (built with Go 1.26, Sprig v3.3.0).
//!
//! Owns: Go's layout formatting and parsing (with Go's error messages), `time.ParseDuration`
//! and `Duration.String`, Go's calendar arithmetic (including its wrap-around for absurd Unix
//! seconds), the monotonic suffix `now` prints, and zone lookup by IANA name.
//!
//! Zones come from jiff's bundled copy of the IANA database (feature `tzdb-bundle-always`),
//! never from the filesystem, so rendering stays pure. Go's `time.Local` is taken to be UTC:
//! the operator runs in containers with `TZ` unset and `/etc/localtime` pointing at UTC, which
//! is what Helm sees there too.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const SECONDS_PER_MINUTE: i64 = 60;
const SECONDS_PER_HOUR: i64 = 60 * SECONDS_PER_MINUTE;
const SECONDS_PER_DAY: i64 = 24 * SECONDS_PER_HOUR;
const NANOS_PER_SECOND: i64 = 1_000_000_000;

// Go's calendar runs on "absolute" days counted from March 1 of year -292277022400, so
// every time it can hold is a non-negative count; the constants below are Go's own, and the
// wrapping arithmetic that uses them reproduces what Go prints for out-of-range instants.
const ABSOLUTE_YEARS: u64 = 292_277_022_400;
const MARCH_THRU_DECEMBER: i64 = 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31;
const ABSOLUTE_TO_INTERNAL: i64 =
    -(((ABSOLUTE_YEARS / 400) as i64 * 146_097 + MARCH_THRU_DECEMBER) * SECONDS_PER_DAY);
const INTERNAL_TO_ABSOLUTE: i64 = -ABSOLUTE_TO_INTERNAL;
const UNIX_TO_INTERNAL: i64 = (1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * SECONDS_PER_DAY;
const INTERNAL_TO_UNIX: i64 = -UNIX_TO_INTERNAL;
const ABSOLUTE_TO_UNIX: i64 = ABSOLUTE_TO_INTERNAL + INTERNAL_TO_UNIX;
const UNIX_TO_ABSOLUTE: i64 = UNIX_TO_INTERNAL + INTERNAL_TO_ABSOLUTE;
// A monotonic reading rides along only while the wall clock fits Go's packed 33-bit field.
const WALL_TO_INTERNAL: i64 = (1884 * 365 + 1884 / 4 - 1884 / 100 + 1884 / 400) * SECONDS_PER_DAY;
const MAX_WALL_OFFSET: i64 = (1 << 33) - 1;

const LONG_DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
// Days before each month of a non-leap year; index 13 closes December.
const DAYS_BEFORE: [i64; 14] = [
    0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365,
];

/// Go's layout for `time.Time.String()`.
pub const STRING_LAYOUT: &str = "2006-01-02 15:04:05.999999999 -0700 MST";
/// Go's `time.RFC3339Nano`, the form `MarshalJSON` and `MarshalText` use.
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

// ---------------------------------------------------------------------------------------------
// Locations

/// A Go `*time.Location`: a name plus the rule that maps instants to an abbreviation and an
/// offset east of UTC in seconds.
#[derive(Clone, Debug)]
pub struct Location {
    name: String,
    zone: Zone,
}

#[derive(Clone, Debug)]
enum Zone {
    /// UTC; `time.Local` is this too (see the module header).
    Utc,
    /// `time.FixedZone`, which parsing creates for offsets and abbreviations it cannot place.
    Fixed { abbrev: String, offset: i32 },
    /// An IANA zone from the bundled database.
    Tz(jiff::tz::TimeZone),
}

impl Location {
    /// `time.UTC`.
    pub fn utc() -> Location {
        Location {
            name: "UTC".to_string(),
            zone: Zone::Utc,
        }
    }

    /// `time.Local`, which is UTC for the operator (see the module header).
    pub fn local() -> Location {
        Location {
            name: "Local".to_string(),
            zone: Zone::Utc,
        }
    }

    /// `time.FixedZone(name, offset)`.
    pub fn fixed(name: &str, offset: i32) -> Location {
        Location {
            name: name.to_string(),
            zone: Zone::Fixed {
                abbrev: name.to_string(),
                offset,
            },
        }
    }

    /// `time.LoadLocation(name)`: `None` where Go returns an error ("unknown time zone").
    ///
    /// Go opens `/usr/share/zoneinfo/<name>`, so the name is case-sensitive, `.` and empty
    /// path segments are harmless, and a trailing `/` fails; the bundled database answers in
    /// its place. `posix/<zone>` and `right/<zone>` resolve to `<zone>` (the `right/` copies'
    /// leap-second shifts of a few seconds are not modelled).
    pub fn load(name: &str) -> Option<Location> {
        if name.is_empty() || name == "UTC" {
            return Some(Location::utc());
        }
        if name == "Local" {
            return Some(Location::local());
        }
        if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
            return None;
        }
        let file = zone_file_name(name)?;
        let file = file
            .strip_prefix("posix/")
            .or_else(|| file.strip_prefix("right/"))
            .unwrap_or(&file);
        let zone = match file {
            // Debian's zoneinfo links `localtime` to /etc/localtime (UTC in the container) and
            // ships `posixrules` as a copy of New York; neither is in the IANA name list.
            "localtime" => Zone::Utc,
            "posixrules" => Zone::Tz(bundled_tzdb().get("America/New_York").ok()?),
            _ => {
                let tz = bundled_tzdb().get(file).ok()?;
                if tz.iana_name() != Some(file) {
                    return None;
                }
                Zone::Tz(tz)
            }
        };
        Some(Location {
            name: name.to_string(),
            zone,
        })
    }

    /// The name Go's `Location.String()` reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone abbreviation and offset (seconds east of UTC) in effect at a Unix second.
    pub fn lookup(&self, unix: i64) -> (String, i32) {
        match &self.zone {
            Zone::Utc => ("UTC".to_string(), 0),
            Zone::Fixed { abbrev, offset } => (abbrev.clone(), *offset),
            Zone::Tz(tz) => {
                let info = tz.to_offset_info(clamp_for_tzdb(unix));
                (info.abbreviation().to_string(), info.offset().seconds())
            }
        }
    }

    /// Go's `Location.lookupName`: the offset of a zone abbreviation this location uses.
    /// Sprig parses only in `Local` (UTC), whose sole abbreviation is "UTC"; for IANA zones
    /// only the abbreviation in effect around the instant is considered.
    fn lookup_name(&self, name: &str, unix: i64) -> Option<i32> {
        match &self.zone {
            Zone::Utc => (name == "UTC").then_some(0),
            Zone::Fixed { abbrev, offset } => (abbrev == name).then_some(*offset),
            Zone::Tz(_) => {
                let (abbrev, offset) = self.lookup(unix);
                if abbrev != name {
                    return None;
                }
                let (abbrev2, offset2) = self.lookup(unix.wrapping_sub(offset as i64));
                Some(if abbrev2 == name { offset2 } else { offset })
            }
        }
    }

    fn is_utc(&self) -> bool {
        matches!(self.zone, Zone::Utc) && self.name == "UTC"
    }
}

fn bundled_tzdb() -> &'static jiff::tz::TimeZoneDatabase {
    static DB: OnceLock<jiff::tz::TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
}

/// Resolves a zone name the way opening it under a zoneinfo directory would: `None` when the
/// path names a directory (trailing `/` or `/.`), otherwise the name with `.` and empty
/// segments dropped.
fn zone_file_name(name: &str) -> Option<String> {
    let last = name.rsplit('/').next().unwrap_or("");
    if last.is_empty() || last == "." {
        return None;
    }
    let kept: Vec<&str> = name
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    Some(kept.join("/"))
}

/// Brings a Unix second into jiff's range (years -9999..=9999) without changing the zone
/// answer: before the range every zone is in its earliest type, and after it zone rules
/// repeat every 400 years, just as Go's rule expansion does.
fn clamp_for_tzdb(unix: i64) -> jiff::Timestamp {
    const CYCLE: i128 = 146_097 * SECONDS_PER_DAY as i128;
    let min = jiff::Timestamp::MIN.as_second();
    let max = jiff::Timestamp::MAX.as_second();
    let sec = if unix < min {
        min
    } else if unix > max {
        let over = unix as i128 - max as i128;
        (unix as i128 - (over / CYCLE + 1) * CYCLE) as i64
    } else {
        unix
    };
    jiff::Timestamp::from_second(sec).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

// ---------------------------------------------------------------------------------------------
// Durations

/// A Go `time.Duration`: signed nanoseconds. `Display` is `Duration.String()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// `time.Second`.
    pub const SECOND: GoDuration = GoDuration(NANOS_PER_SECOND);

    /// `Duration.Round(m)`: to the nearest multiple of `m`, halves away from zero,
    /// saturating at the extremes.
    pub fn round(self, m: GoDuration) -> GoDuration {
        let (d, m) = (self.0, m.0);
        if m <= 0 {
            return self;
        }
        let mut r = d % m;
        let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
        if d < 0 {
            r = -r;
            if less_than_half(r, m) {
                return GoDuration(d + r);
            }
            let d1 = d.wrapping_sub(m).wrapping_add(r);
            return GoDuration(if d1 < d { d1 } else { i64::MIN });
        }
        if less_than_half(r, m) {
            return GoDuration(d - r);
        }
        let d1 = d.wrapping_add(m).wrapping_sub(r);
        GoDuration(if d1 > d { d1 } else { i64::MAX })
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&duration_string(self.0))
    }
}

fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    // Built back to front, as the digits come out of the divisions.
    let mut out: Vec<u8> = Vec::with_capacity(32);
    if u < NANOS_PER_SECOND as u64 {
        let prec;
        out.push(b's');
        if u == 0 {
            return "0s".to_string();
        } else if u < 1_000 {
            prec = 0;
            out.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            // "µ" (U+00B5), pushed reversed.
            out.extend_from_slice(&[0xB5, 0xC2]);
        } else {
            prec = 6;
            out.push(b'm');
        }
        u = push_frac_reversed(&mut out, u, prec);
        push_int_reversed(&mut out, u);
    } else {
        out.push(b's');
        u = push_frac_reversed(&mut out, u, 9);
        push_int_reversed(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            push_int_reversed(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                push_int_reversed(&mut out, u);
            }
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Go's `fmtFrac`: the fraction of `v / 10^prec` without trailing zeros (and without the
/// point when it is zero), reversed; returns the integer part.
fn push_frac_reversed(out: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    v
}

fn push_int_reversed(out: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        out.push(b'0');
    }
    while v > 0 {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

/// Go's `time.ParseDuration`, with its error messages.
pub fn parse_duration(s: &str) -> Result<GoDuration, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", go_quote(orig.as_bytes()));
    let mut s = s.as_bytes();
    let mut d: u64 = 0;
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(GoDuration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = before != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0u64, 1f64);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let before = s.len();
            let (ff, sc, rest) = leading_fraction(s);
            (f, scale, s) = (ff, sc, rest);
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_quote(orig.as_bytes())
            ));
        }
        let (u, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match u {
            b"ns" => 1,
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(u),
                    go_quote(orig.as_bytes())
                ));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // Go goes through float64 here, and so must we to truncate identically.
            v = v.wrapping_add((f as f64 * (unit as f64 / scale)) as u64);
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d = d.wrapping_add(v);
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(GoDuration((d as i64).wrapping_neg()));
    }
    if d > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(GoDuration(d as i64))
}

/// Go's `leadingInt`: the leading decimal digits, `None` past 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > (1u64 << 63) / 10 {
            return None;
        }
        x = x * 10 + (s[i] - b'0') as u64;
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Go's `leadingFraction`: digits after a point; precision stops accumulating on overflow.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if !overflow {
            if x > (i64::MAX as u64) / 10 {
                overflow = true;
            } else {
                let y = x * 10 + (s[i] - b'0') as u64;
                if y > 1 << 63 {
                    overflow = true;
                } else {
                    x = y;
                    scale *= 10.0;
                }
            }
        }
        i += 1;
    }
    (x, scale, &s[i..])
}

/// The `quote` of Go's time package (used in its error messages): every byte outside
/// printable ASCII becomes `\xNN`, and `"` and `\` are backslashed.
fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if !(b' '..0x80).contains(&b) {
            out.push_str(&format!("\\x{b:02x}"));
        } else {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(b as char);
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Times

/// A Go `time.Time`: an instant (seconds since January 1, year 1, plus nanoseconds), the
/// location it is shown in, and the monotonic clock reading only `time.Now` attaches.
/// `Display` is Go's `Time.String()`.
#[derive(Clone, Debug)]
pub struct GoTime {
    /// Seconds since 0001-01-01 00:00:00 UTC, Go's "internal" seconds.
    sec: i64,
    nsec: u32,
    /// Nanoseconds since the process's clock origin; printed as ` m=±s.nnnnnnnnn`.
    mono: Option<i64>,
    loc: Location,
}

impl GoTime {
    /// The zero `time.Time` (January 1, year 1, 00:00:00 UTC), what `toDate` returns on error.
    pub fn zero() -> GoTime {
        GoTime {
            sec: 0,
            nsec: 0,
            mono: None,
            loc: Location::utc(),
        }
    }

    /// `time.Now()`: wall clock in `Local`, with a monotonic reading measured from the first
    /// time this process asked (Go measures from process start; either way it is noise).
    pub fn now() -> GoTime {
        static START: OnceLock<Instant> = OnceLock::new();
        let start = *START.get_or_init(Instant::now);
        let mono = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
        let (unix, nsec) = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let (s, n) = (-(d.as_secs() as i64), d.subsec_nanos());
                if n == 0 {
                    (s, 0)
                } else {
                    (s - 1, 1_000_000_000 - n)
                }
            }
        };
        GoTime::from_clock(unix, nsec, mono)
    }

    /// What `time.Now()` returns for a given wall clock (Unix seconds and nanoseconds) and
    /// monotonic reading (nanoseconds since process start), for deterministic callers.
    pub fn from_clock(unix_sec: i64, nsec: u32, mono: i64) -> GoTime {
        let mut t = GoTime::unix(unix_sec, nsec as i64);
        let wall = t.sec.wrapping_sub(WALL_TO_INTERNAL);
        if (0..=MAX_WALL_OFFSET).contains(&wall) {
            t.mono = Some(mono);
        }
        t
    }

    /// `time.Unix(sec, nsec)`, in `Local`.
    pub fn unix(sec: i64, nsec: i64) -> GoTime {
        let (mut sec, mut nsec) = (sec, nsec);
        if !(0..NANOS_PER_SECOND).contains(&nsec) {
            let n = nsec / NANOS_PER_SECOND;
            sec = sec.wrapping_add(n);
            nsec -= n * NANOS_PER_SECOND;
            if nsec < 0 {
                nsec += NANOS_PER_SECOND;
                sec = sec.wrapping_sub(1);
            }
        }
        GoTime {
            sec: sec.wrapping_add(UNIX_TO_INTERNAL),
            nsec: nsec as u32,
            mono: None,
            loc: Location::local(),
        }
    }

    /// `time.Date(year, month, day, hour, min, sec, nsec, loc)`, normalizing out-of-range
    /// fields as Go does.
    #[allow(clippy::too_many_arguments)]
    pub fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nsec: i64,
        loc: &Location,
    ) -> GoTime {
        let (year, m) = norm(year, month - 1, 12);
        let month = m + 1;
        let (sec, nsec) = norm(sec, nsec, NANOS_PER_SECOND);
        let (min, sec) = norm(min, sec, 60);
        let (hour, min) = norm(hour, min, 60);
        let (day, hour) = norm(day, hour, 24);
        let days = date_to_abs_days(year, month, day);
        let mut unix = (days as i64)
            .wrapping_mul(SECONDS_PER_DAY)
            .wrapping_add(hour * SECONDS_PER_HOUR + min * SECONDS_PER_MINUTE + sec)
            .wrapping_add(ABSOLUTE_TO_UNIX);
        // Offsets are looked up by UTC instant; look again from the shifted guess in case
        // the wall time sits near a transition (Go's two-step adjustment).
        let (_, offset) = loc.lookup(unix);
        if offset != 0 {
            let (_, offset2) = loc.lookup(unix.wrapping_sub(offset as i64));
            unix = unix.wrapping_sub(offset2 as i64);
        }
        GoTime {
            sec: unix.wrapping_add(UNIX_TO_INTERNAL),
            nsec: nsec as u32,
            mono: None,
            loc: loc.clone(),
        }
    }

    /// `t.Unix()`.
    pub fn unix_seconds(&self) -> i64 {
        self.sec.wrapping_add(INTERNAL_TO_UNIX)
    }

    /// `t.Nanosecond()`.
    pub fn nanosecond(&self) -> u32 {
        self.nsec
    }

    /// `t.IsZero()`.
    pub fn is_zero(&self) -> bool {
        self.sec == 0 && self.nsec == 0
    }

    /// `t.Location()`.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// The monotonic clock reading, if the time carries one (only `now` and times derived
    /// from it by `Add`).
    pub fn monotonic(&self) -> Option<i64> {
        self.mono
    }

    /// `t.In(loc)`: the same instant shown in `loc` (drops the monotonic reading, as Go does).
    pub fn in_location(&self, loc: &Location) -> GoTime {
        GoTime {
            mono: None,
            loc: loc.clone(),
            ..self.clone()
        }
    }

    /// `t.Add(d)`.
    pub fn add(&self, d: GoDuration) -> GoTime {
        let d = d.0;
        let mut dsec = d / NANOS_PER_SECOND;
        let mut nsec = self.nsec as i64 + d % NANOS_PER_SECOND;
        if nsec >= NANOS_PER_SECOND {
            dsec += 1;
            nsec -= NANOS_PER_SECOND;
        } else if nsec < 0 {
            dsec -= 1;
            nsec += NANOS_PER_SECOND;
        }
        let mut t = self.clone();
        t.nsec = nsec as u32;
        t.add_sec(dsec);
        if let Some(m) = t.mono {
            let te = m.wrapping_add(d);
            t.mono = if (d < 0 && te > m) || (d > 0 && te < m) {
                None
            } else {
                Some(te)
            };
        }
        t
    }

    /// Go's `addSec`: keeps the monotonic reading while the wall time stays in its packed
    /// range, and saturates instead of wrapping.
    fn add_sec(&mut self, d: i64) {
        if self.mono.is_some() {
            let wall = (self.sec - WALL_TO_INTERNAL).wrapping_add(d);
            if (0..=MAX_WALL_OFFSET).contains(&wall) {
                self.sec = WALL_TO_INTERNAL + wall;
                return;
            }
            self.mono = None;
        }
        let sum = self.sec.wrapping_add(d);
        self.sec = if (sum > self.sec) == (d > 0) {
            sum
        } else if d > 0 {
            i64::MAX
        } else {
            -i64::MAX
        };
    }

    /// `t.Equal(u)`.
    pub fn equal(&self, u: &GoTime) -> bool {
        if let (Some(a), Some(b)) = (self.mono, u.mono) {
            return a == b;
        }
        self.sec == u.sec && self.nsec == u.nsec
    }

    fn before(&self, u: &GoTime) -> bool {
        if let (Some(a), Some(b)) = (self.mono, u.mono) {
            return a < b;
        }
        self.sec < u.sec || (self.sec == u.sec && self.nsec < u.nsec)
    }

    /// `t.Sub(u)`, saturating at the extremes.
    pub fn sub(&self, u: &GoTime) -> GoDuration {
        if let (Some(te), Some(ue)) = (self.mono, u.mono) {
            let d = te.wrapping_sub(ue);
            if d < 0 && te > ue {
                return GoDuration(i64::MAX);
            }
            if d > 0 && te < ue {
                return GoDuration(i64::MIN);
            }
            return GoDuration(d);
        }
        let d = self
            .sec
            .wrapping_sub(u.sec)
            .wrapping_mul(NANOS_PER_SECOND)
            .wrapping_add(self.nsec as i64 - u.nsec as i64);
        if u.add(GoDuration(d)).equal(self) {
            GoDuration(d)
        } else if self.before(u) {
            GoDuration(i64::MIN)
        } else {
            GoDuration(i64::MAX)
        }
    }

    /// Zone abbreviation, offset and Go's absolute seconds (its `locabs`).
    fn locabs(&self) -> (String, i32, u64) {
        let unix = self.unix_seconds();
        let (name, offset) = if self.loc.is_utc() {
            ("UTC".to_string(), 0)
        } else {
            self.loc.lookup(unix)
        };
        let abs = unix
            .wrapping_add(offset as i64)
            .wrapping_add(UNIX_TO_ABSOLUTE) as u64;
        (name, offset, abs)
    }

    /// `t.Format(layout)`, with every element Go's layouts know.
    pub fn format(&self, layout: &str) -> String {
        let (name, offset, abs) = self.locabs();
        let days = abs / SECONDS_PER_DAY as u64;
        let mut date: Option<(i64, usize, i64)> = None;
        let mut yday: Option<i64> = None;
        let clock = abs % SECONDS_PER_DAY as u64;
        let (hour, min, sec) = (
            (clock / 3600) as i64,
            (clock % 3600 / 60) as i64,
            (clock % 60) as i64,
        );
        let mut b: Vec<u8> = Vec::with_capacity(layout.len() + 10);
        let mut layout = layout.as_bytes();
        while !layout.is_empty() {
            let chunk = next_std_chunk(layout);
            b.extend_from_slice(&layout[..chunk.prefix_end]);
            let Some(std) = chunk.std else { break };
            layout = &layout[chunk.suffix_start..];
            let (year, month, day) = *date.get_or_insert_with(|| abs_date(days));
            match std {
                Std::Year => append_int(&mut b, year.wrapping_abs() % 100, 2),
                Std::LongYear => append_int(&mut b, year, 4),
                Std::Month => b.extend_from_slice(SHORT_MONTH_NAMES[month - 1].as_bytes()),
                Std::LongMonth => b.extend_from_slice(LONG_MONTH_NAMES[month - 1].as_bytes()),
                Std::NumMonth => append_int(&mut b, month as i64, 0),
                Std::ZeroMonth => append_int(&mut b, month as i64, 2),
                Std::WeekDay => b.extend_from_slice(SHORT_DAY_NAMES[weekday(days)].as_bytes()),
                Std::LongWeekDay => {
                    b.extend_from_slice(LONG_DAY_NAMES[weekday(days)].as_bytes());
                }
                Std::Day => append_int(&mut b, day, 0),
                Std::UnderDay => {
                    if day < 10 {
                        b.push(b' ');
                    }
                    append_int(&mut b, day, 0);
                }
                Std::ZeroDay => append_int(&mut b, day, 2),
                Std::UnderYearDay => {
                    let yd = *yday.get_or_insert_with(|| abs_year_day(days));
                    if yd < 100 {
                        b.push(b' ');
                        if yd < 10 {
                            b.push(b' ');
                        }
                    }
                    append_int(&mut b, yd, 0);
                }
                Std::ZeroYearDay => {
                    let yd = *yday.get_or_insert_with(|| abs_year_day(days));
                    append_int(&mut b, yd, 3);
                }
                Std::Hour => append_int(&mut b, hour, 2),
                Std::Hour12 => append_int(&mut b, if hour % 12 == 0 { 12 } else { hour % 12 }, 0),
                Std::ZeroHour12 => {
                    append_int(&mut b, if hour % 12 == 0 { 12 } else { hour % 12 }, 2);
                }
                Std::Minute => append_int(&mut b, min, 0),
                Std::ZeroMinute => append_int(&mut b, min, 2),
                Std::Second => append_int(&mut b, sec, 0),
                Std::ZeroSecond => append_int(&mut b, sec, 2),
                Std::PM => b.extend_from_slice(if hour >= 12 { b"PM" } else { b"AM" }),
                Std::Pm => b.extend_from_slice(if hour >= 12 { b"pm" } else { b"am" }),
                Std::Tz(tz) => append_offset(&mut b, tz, offset),
                Std::Abbrev => {
                    if !name.is_empty() {
                        b.extend_from_slice(name.as_bytes());
                    } else {
                        // An unnamed fixed zone shows as -0700.
                        let mut zone = offset / 60;
                        if zone < 0 {
                            b.push(b'-');
                            zone = -zone;
                        } else {
                            b.push(b'+');
                        }
                        append_int(&mut b, (zone / 60) as i64, 2);
                        append_int(&mut b, (zone % 60) as i64, 2);
                    }
                }
                Std::Frac { trim, digits, sep } => {
                    append_nano(&mut b, self.nsec, trim, digits, sep)
                }
            }
        }
        String::from_utf8(b).unwrap_or_default()
    }

    /// Go's `time.Parse(layout, value)`: no zone in the value means UTC.
    pub fn parse(layout: &str, value: &str) -> Result<GoTime, String> {
        parse_time(layout, value, &Location::utc(), &Location::local())
    }

    /// Go's `time.ParseInLocation(layout, value, time.Local)`, which `toDate` uses.
    pub fn parse_in_local(layout: &str, value: &str) -> Result<GoTime, String> {
        let local = Location::local();
        parse_time(layout, value, &local, &local)
    }

    /// The text `MarshalJSON`/`MarshalText` produce (RFC 3339 with nanoseconds, unquoted), or
    /// Go's error for years outside 0..=9999 and offsets of 24 hours or more.
    pub fn marshal_text(&self) -> Result<String, String> {
        let s = self.format(RFC3339_NANO);
        let b = s.as_bytes();
        if b.get(4) != Some(&b'-') {
            return Err("year outside of range [0,9999]".to_string());
        }
        if b.last() != Some(&b'Z') {
            let c = b[b.len() - 6];
            let hh = (b[b.len() - 5] - b'0') * 10 + (b[b.len() - 4] - b'0');
            if c.is_ascii_digit() || hh >= 24 {
                return Err("timezone hour outside of range [0,23]".to_string());
            }
        }
        Ok(s)
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(STRING_LAYOUT))?;
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let m2 = m.unsigned_abs();
            let (m1, m2) = (m2 / 1_000_000_000, m2 % 1_000_000_000);
            let (m0, m1) = (m1 / 1_000_000_000, m1 % 1_000_000_000);
            if m0 != 0 {
                write!(f, " m={sign}{m0}{m1:09}.{m2:09}")?;
            } else {
                write!(f, " m={sign}{m1}.{m2:09}")?;
            }
        }
        Ok(())
    }
}

/// Go's `norm`: carries `lo` into `hi` so that `0 <= lo < base`.
fn norm(mut hi: i64, mut lo: i64, base: i64) -> (i64, i64) {
    if lo < 0 {
        let n = (-lo - 1) / base + 1;
        hi -= n;
        lo += n * base;
    }
    if lo >= base {
        let n = lo / base;
        hi += n;
        lo -= n * base;
    }
    (hi, lo)
}

/// Go's `dateToAbsDays` (Neri–Schneider, March-based years), wrapping as Go's does.
fn date_to_abs_days(year: i64, month: i64, day: i64) -> u64 {
    let mut amonth = month as u32;
    let jan_feb: u32 = u32::from(amonth < 3);
    amonth += 12 * jan_feb;
    let y = (year as u64)
        .wrapping_sub(jan_feb as u64)
        .wrapping_add(ABSOLUTE_YEARS);
    let ayday = (979 * amonth - 2919) >> 5;
    let century = y / 100;
    let cyear = (y % 100) as u32;
    let cday = 1461 * cyear / 4;
    let century_days = 146_097u64.wrapping_mul(century) / 4;
    century_days.wrapping_add(((cday + ayday) as i64 + day - 1) as u64)
}

/// Go's `absDays.split`: century, year in century, March-based day of year.
fn split_days(days: u64) -> (u64, u32, u32) {
    let d = days.wrapping_mul(4).wrapping_add(3);
    let century = d / 146_097;
    let cd = ((d % 146_097) as u32) | 3;
    let prod = 2_939_745u64 * cd as u64;
    let cyear = (prod >> 32) as u32;
    let ayday = (prod as u32) / 2_939_745 / 4;
    (century, cyear, ayday)
}

fn abs_year(century: u64, cyear: u32, jan_feb: u32) -> i64 {
    (century.wrapping_mul(100).wrapping_sub(ABSOLUTE_YEARS) as i64)
        .wrapping_add(cyear as i64)
        .wrapping_add(jan_feb as i64)
}

/// Year, month (1-based) and day of month for absolute days.
fn abs_date(days: u64) -> (i64, usize, i64) {
    let (century, cyear, ayday) = split_days(days);
    let d = 2141 * ayday + 197_913;
    let (amonth, mday) = (d >> 16, 1 + (d & 0xFFFF) / 2141);
    let jan_feb = u32::from(ayday >= MARCH_THRU_DECEMBER as u32);
    (
        abs_year(century, cyear, jan_feb),
        (amonth - jan_feb * 12) as usize,
        mday as i64,
    )
}

/// The 1-based day of the year for absolute days.
fn abs_year_day(days: u64) -> i64 {
    let (century, cyear, ayday) = split_days(days);
    let jan_feb = i64::from(ayday >= MARCH_THRU_DECEMBER as u32);
    let leap = i64::from(cyear % 4 == 0 && (cyear != 0 || century % 4 == 0));
    ayday as i64 + (1 + 31 + 28) + (leap & !jan_feb) - 365 * jan_feb
}

fn weekday(days: u64) -> usize {
    // Absolute day 0, a March 1, was a Wednesday.
    (days.wrapping_add(3) % 7) as usize
}

/// Go's `appendInt`: decimal, zero-padded to `width` digits after any sign.
fn append_int(b: &mut Vec<u8>, x: i64, width: usize) {
    if x < 0 {
        b.push(b'-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        b.push(b'0');
    }
    b.extend_from_slice(digits.as_bytes());
}

fn append_nano(b: &mut Vec<u8>, nanosec: u32, trim: bool, digits: usize, sep: u8) {
    if trim && (digits == 0 || nanosec == 0) {
        return;
    }
    let start = b.len();
    b.push(sep);
    b.extend_from_slice(format!("{nanosec:09}").as_bytes());
    if digits < 9 {
        b.truncate(b.len() - 9 + digits);
    }
    if trim {
        while b.len() > start && b.last() == Some(&b'0') {
            b.pop();
        }
        if b.len() > start && b.last() == Some(&sep) {
            b.pop();
        }
    }
}

fn append_offset(b: &mut Vec<u8>, tz: TzStyle, offset: i32) {
    if offset == 0 && tz.z_for_utc {
        b.push(b'Z');
        return;
    }
    let mut zone = offset / 60;
    let mut abs_offset = offset;
    if zone < 0 {
        b.push(b'-');
        zone = -zone;
        abs_offset = -abs_offset;
    } else {
        b.push(b'+');
    }
    append_int(b, (zone / 60) as i64, 2);
    if tz.colon {
        b.push(b':');
    }
    if tz.fields != TzFields::Hours {
        append_int(b, (zone % 60) as i64, 2);
    }
    if tz.fields == TzFields::Seconds {
        if tz.colon {
            b.push(b':');
        }
        append_int(b, (abs_offset % 60) as i64, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Layout elements

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TzFields {
    Hours,
    Minutes,
    Seconds,
}

/// A numeric zone element: `Z0700`-style ones print `Z` for UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TzStyle {
    z_for_utc: bool,
    colon: bool,
    fields: TzFields,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Abbrev,
    Tz(TzStyle),
    /// `.000`/`,000` (kept zeros) or `.999`/`,999` (`trim`); Go keeps 12 bits of the count.
    Frac {
        trim: bool,
        digits: usize,
        sep: u8,
    },
}

struct Chunk {
    prefix_end: usize,
    std: Option<Std>,
    suffix_start: usize,
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the literal text before the first layout element, the element, and
/// where the rest of the layout starts.
fn next_std_chunk(layout: &[u8]) -> Chunk {
    let at = |i: usize, std: Std, len: usize| Chunk {
        prefix_end: i,
        std: Some(std),
        suffix_start: i + len,
    };
    let tz = |z_for_utc, colon, fields| {
        Std::Tz(TzStyle {
            z_for_utc,
            colon,
            fields,
        })
    };
    for i in 0..layout.len() {
        let rest = &layout[i..];
        match layout[i] {
            b'J' if rest.starts_with(b"Jan") => {
                if rest.starts_with(b"January") {
                    return at(i, Std::LongMonth, 7);
                }
                if !starts_with_lower(&rest[3..]) {
                    return at(i, Std::Month, 3);
                }
            }
            b'M' => {
                if rest.starts_with(b"Mon") {
                    if rest.starts_with(b"Monday") {
                        return at(i, Std::LongWeekDay, 6);
                    }
                    if !starts_with_lower(&rest[3..]) {
                        return at(i, Std::WeekDay, 3);
                    }
                }
                if rest.starts_with(b"MST") {
                    return at(i, Std::Abbrev, 3);
                }
            }
            b'0' => {
                if let Some(&c) = rest.get(1)
                    && (b'1'..=b'6').contains(&c)
                {
                    let std = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][(c - b'1') as usize];
                    return at(i, std, 2);
                }
                if rest.starts_with(b"002") {
                    return at(i, Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if rest.get(1) == Some(&b'5') {
                    return at(i, Std::Hour, 2);
                }
                return at(i, Std::NumMonth, 1);
            }
            b'2' => {
                if rest.starts_with(b"2006") {
                    return at(i, Std::LongYear, 4);
                }
                return at(i, Std::Day, 1);
            }
            b'_' => {
                if rest.get(1) == Some(&b'2') {
                    // "_2006" is a literal underscore followed by the year.
                    if rest[1..].starts_with(b"2006") {
                        return at(i + 1, Std::LongYear, 4);
                    }
                    return at(i, Std::UnderDay, 2);
                }
                if rest.starts_with(b"__2") {
                    return at(i, Std::UnderYearDay, 3);
                }
            }
            b'3' => return at(i, Std::Hour12, 1),
            b'4' => return at(i, Std::Minute, 1),
            b'5' => return at(i, Std::Second, 1),
            b'P' if rest.get(1) == Some(&b'M') => return at(i, Std::PM, 2),
            b'p' if rest.get(1) == Some(&b'm') => return at(i, Std::Pm, 2),
            b'-' | b'Z' => {
                // Longest forms first, in Go's order; the sign or Z is the first byte.
                const FORMS: [(&[u8], bool, TzFields); 5] = [
                    (b"070000", false, TzFields::Seconds),
                    (b"07:00:00", true, TzFields::Seconds),
                    (b"0700", false, TzFields::Minutes),
                    (b"07:00", true, TzFields::Minutes),
                    (b"07", false, TzFields::Hours),
                ];
                let z = layout[i] == b'Z';
                for (form, colon, fields) in FORMS {
                    if rest[1..].starts_with(form) {
                        return at(i, tz(z, colon, fields), 1 + form.len());
                    }
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&ch) = rest.get(1)
                    && (ch == b'0' || ch == b'9')
                {
                    let mut j = i + 1;
                    while j < layout.len() && layout[j] == ch {
                        j += 1;
                    }
                    // Only a run that is not followed by more digits is a fraction.
                    if !layout.get(j).is_some_and(u8::is_ascii_digit) {
                        let digits = (j - (i + 1)) & 0xfff;
                        return at(
                            i,
                            Std::Frac {
                                trim: ch == b'9',
                                digits,
                                sep: c,
                            },
                            j - i,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Chunk {
        prefix_end: layout.len(),
        std: None,
        suffix_start: layout.len(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn parse_error(layout: &str, value: &str, layout_elem: &[u8], value_elem: &[u8]) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        go_quote(value.as_bytes()),
        go_quote(layout.as_bytes()),
        go_quote(value_elem),
        go_quote(layout_elem)
    )
}

fn parse_error_msg(value: &str, message: &str) -> String {
    format!("parsing time {}{}", go_quote(value.as_bytes()), message)
}

/// Go's `atoi` in the time package: optional sign, then digits only.
fn go_atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (q, rem) = leading_int(digits)?;
    if !rem.is_empty() {
        return None;
    }
    let x = q as i64;
    Some(if neg { x.wrapping_neg() } else { x })
}

/// Go's `getnum`: one or two digits (`fixed` demands two).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = *s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        None if fixed => None,
        None => Some(((d0 - b'0') as i64, &s[1..])),
        Some(&d1) => Some((((d0 - b'0') * 10 + (d1 - b'0')) as i64, &s[2..])),
    }
}

/// Go's `getnum3`: one to three digits (`fixed` demands three).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && s.get(i).is_some_and(u8::is_ascii_digit) {
        n = n * 10 + (s[i] - b'0') as i64;
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's `skip`: consumes a literal, where a space matches any run of spaces.
fn skip<'a>(mut value: &'a [u8], mut prefix: &[u8]) -> Result<&'a [u8], &'a [u8]> {
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            while prefix.first() == Some(&b' ') {
                prefix = &prefix[1..];
            }
            while value.first() == Some(&b' ') {
                value = &value[1..];
            }
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

/// Go's case-insensitive `lookup` of a name table; returns the index and the rest.
fn lookup_name<'a>(tab: &[&str], val: &'a [u8]) -> Option<(usize, &'a [u8])> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let name = name.as_bytes();
        if val.len() < name.len() {
            return None;
        }
        let matches = val[..name.len()].iter().zip(name).all(|(&c1, &c2)| {
            c1 == c2 || {
                let (l1, l2) = (c1 | 0x20, c2 | 0x20);
                l1 == l2 && l1.is_ascii_lowercase()
            }
        });
        matches.then(|| (i, &val[name.len()..]))
    })
}

/// Go's `parseNanoseconds`: a separator then digits, scaled to nanoseconds.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> (i64, &'static str, bool) {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return (0, "", false);
    }
    let nbytes = nbytes.min(10);
    let Some(mut ns) = go_atoi(&value[1..nbytes]) else {
        return (0, "", false);
    };
    if ns < 0 {
        return (ns, "fractional second", true);
    }
    for _ in nbytes..10 {
        ns *= 10;
    }
    (ns, "", true)
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + parse_signed_offset(&value[3..]));
    }
    if value[0] == b'+' || value[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        5 if value[4] == b'T' => Some(5),
        4 if value[3] == b'T' || value.starts_with(b"WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: a sign and an hour count up to 23; 0 when absent.
fn parse_signed_offset(value: &[u8]) -> usize {
    let Some(&sign) = value.first() else { return 0 };
    if sign != b'-' && sign != b'+' {
        return 0;
    }
    match leading_int(&value[1..]) {
        Some((x, rem)) if rem.len() != value.len() - 1 && x <= 23 => value.len() - rem.len(),
        _ => 0,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    if month == 2 {
        if is_leap(year) { 29 } else { 28 }
    } else {
        DAYS_BEFORE[month as usize + 1] - DAYS_BEFORE[month as usize]
    }
}

/// Go's RFC 3339 fast path, tried before the general parser for that exact layout.
fn parse_rfc3339(s: &[u8], local: &Location) -> Option<GoTime> {
    if s.len() < "2006-01-02T15:04:05".len() {
        return None;
    }
    let num = |b: &[u8], min: i64, max: i64| -> Option<i64> {
        let mut x = 0i64;
        for &c in b {
            if !c.is_ascii_digit() {
                return None;
            }
            x = x * 10 + (c - b'0') as i64;
        }
        (min..=max).contains(&x).then_some(x)
    };
    let year = num(&s[0..4], 0, 9999);
    let month = num(&s[5..7], 1, 12);
    let day = num(&s[8..10], 1, days_in(month.unwrap_or(1), year.unwrap_or(0)));
    let hour = num(&s[11..13], 0, 23);
    let min = num(&s[14..16], 0, 59);
    let sec = num(&s[17..19], 0, 59);
    let (year, month, day, hour, min, sec) = (year?, month?, day?, hour?, min?, sec?);
    if !(s[4] == b'-' && s[7] == b'-' && s[10] == b'T' && s[13] == b':' && s[16] == b':') {
        return None;
    }
    let mut s = &s[19..];
    let mut nsec = 0;
    if s.len() >= 2 && s[0] == b'.' && s[1].is_ascii_digit() {
        let n = 2 + s[2..].iter().take_while(|c| c.is_ascii_digit()).count();
        nsec = parse_nanoseconds(s, n).0;
        s = &s[n..];
    }
    let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, &Location::utc());
    if s != b"Z" {
        if s.len() != "-07:00".len() {
            return None;
        }
        let hr = num(&s[1..3], 0, 23)?;
        let mm = num(&s[4..6], 0, 59)?;
        if !((s[0] == b'-' || s[0] == b'+') && s[3] == b':') {
            return None;
        }
        let mut zone_offset = (hr * 60 + mm) * 60;
        if s[0] == b'-' {
            zone_offset = -zone_offset;
        }
        t.add_sec(-zone_offset);
        let (_, offset) = local.lookup(t.unix_seconds());
        t.loc = if offset as i64 == zone_offset {
            local.clone()
        } else {
            Location::fixed("", zone_offset as i32)
        };
    }
    Some(t)
}

/// Go's `parse(layout, value, defaultLocation, local)`.
fn parse_time(
    alayout: &str,
    avalue: &str,
    default_loc: &Location,
    local: &Location,
) -> Result<GoTime, String> {
    if (alayout == RFC3339 || alayout == RFC3339_NANO)
        && let Some(t) = parse_rfc3339(avalue.as_bytes(), local)
    {
        return Ok(t);
    }
    let mut layout = alayout.as_bytes();
    let mut value = avalue.as_bytes();
    let mut range_err = "";
    let (mut am_set, mut pm_set) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut z: Option<Location> = None;
    let mut zone_offset: i64 = -1;
    let mut zone_name: &[u8] = b"";

    loop {
        let chunk = next_std_chunk(layout);
        let prefix = &layout[..chunk.prefix_end];
        let stdstr = &layout[chunk.prefix_end..chunk.suffix_start];
        value = skip(value, prefix).map_err(|rest| parse_error(alayout, avalue, prefix, rest))?;
        let Some(std) = chunk.std else {
            if !value.is_empty() {
                return Err(parse_error_msg(
                    avalue,
                    &format!(": extra text: {}", go_quote(value)),
                ));
            }
            break;
        };
        layout = &layout[chunk.suffix_start..];
        let hold = value;
        // `ok == false` is Go's errBad.
        let mut ok = true;
        match std {
            Std::Year => {
                if value.len() < 2 {
                    ok = false;
                } else {
                    let p = &value[..2];
                    value = &value[2..];
                    match go_atoi(p) {
                        Some(y) => year = if y >= 69 { y + 1900 } else { y + 2000 },
                        None => ok = false,
                    }
                }
            }
            Std::LongYear => {
                if value.len() < 4 || !value[0].is_ascii_digit() {
                    ok = false;
                } else {
                    let p = &value[..4];
                    value = &value[4..];
                    match go_atoi(p) {
                        Some(y) => year = y,
                        None => ok = false,
                    }
                }
            }
            Std::Month | Std::LongMonth => {
                let tab: &[&str] = if std == Std::Month {
                    &SHORT_MONTH_NAMES
                } else {
                    &LONG_MONTH_NAMES
                };
                match lookup_name(tab, value) {
                    Some((i, rest)) => {
                        month = i as i64 + 1;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::NumMonth | Std::ZeroMonth => match getnum(value, std == Std::ZeroMonth) {
                Some((m, rest)) => {
                    month = m;
                    value = rest;
                    if month <= 0 || 12 < month {
                        range_err = "month";
                    }
                }
                None => ok = false,
            },
            Std::WeekDay | Std::LongWeekDay => {
                let tab: &[&str] = if std == Std::WeekDay {
                    &SHORT_DAY_NAMES
                } else {
                    &LONG_DAY_NAMES
                };
                match lookup_name(tab, value) {
                    Some((_, rest)) => value = rest,
                    None => ok = false,
                }
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.first() == Some(&b' ') {
                    value = &value[1..];
                }
                match getnum(value, std == Std::ZeroDay) {
                    Some((d, rest)) => {
                        day = d;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                        value = &value[1..];
                    }
                }
                match getnum3(value, std == Std::ZeroYearDay) {
                    Some((d, rest)) => {
                        yday = d;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::Hour => match getnum(value, false) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if hour >= 24 {
                        range_err = "hour";
                    }
                }
                None => ok = false,
            },
            Std::Hour12 | Std::ZeroHour12 => match getnum(value, std == Std::ZeroHour12) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if hour > 12 {
                        range_err = "hour";
                    }
                }
                None => ok = false,
            },
            Std::Minute | Std::ZeroMinute => match getnum(value, std == Std::ZeroMinute) {
                Some((m, rest)) => {
                    min = m;
                    value = rest;
                    if min >= 60 {
                        range_err = "minute";
                    }
                }
                None => ok = false,
            },
            Std::Second | Std::ZeroSecond => match getnum(value, std == Std::ZeroSecond) {
                Some((s, rest)) => {
                    sec = s;
                    value = rest;
                    if sec >= 60 {
                        range_err = "second";
                    } else if value.len() >= 2
                        && matches!(value[0], b'.' | b',')
                        && value[1].is_ascii_digit()
                    {
                        // A fraction in the value that the layout does not spell out is
                        // still taken, unless a fraction element comes next.
                        let next = next_std_chunk(layout).std;
                        if !matches!(next, Some(Std::Frac { .. })) {
                            let n =
                                2 + value[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                            let (ns, re, good) = parse_nanoseconds(value, n);
                            (nsec, range_err, ok) = (ns, re, good);
                            value = &value[n..];
                        }
                    }
                }
                None => ok = false,
            },
            Std::PM | Std::Pm => {
                if value.len() < 2 {
                    ok = false;
                } else {
                    let p = &value[..2];
                    value = &value[2..];
                    let (pm, am): (&[u8], &[u8]) = if std == Std::PM {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        ok = false;
                    }
                }
            }
            Std::Tz(style) => {
                if style.z_for_utc && value.first() == Some(&b'Z') {
                    value = &value[1..];
                    z = Some(Location::utc());
                } else {
                    let need = match (style.colon, style.fields) {
                        (true, TzFields::Minutes) => 6,
                        (_, TzFields::Hours) => 3,
                        (true, TzFields::Seconds) => 9,
                        (false, TzFields::Seconds) => 7,
                        (false, TzFields::Minutes) => 5,
                    };
                    let colons_ok = match (style.colon, style.fields) {
                        (true, TzFields::Minutes) => value.get(3) == Some(&b':'),
                        (true, TzFields::Seconds) => {
                            value.get(3) == Some(&b':') && value.get(6) == Some(&b':')
                        }
                        _ => true,
                    };
                    if value.len() < need || !colons_ok {
                        ok = false;
                    } else {
                        let sign = value[0];
                        let hh = &value[1..3];
                        let (mm, ss): (&[u8], &[u8]) = match (style.colon, style.fields) {
                            (_, TzFields::Hours) => (b"00", b"00"),
                            (true, TzFields::Minutes) => (&value[4..6], b"00"),
                            (false, TzFields::Minutes) => (&value[3..5], b"00"),
                            (true, TzFields::Seconds) => (&value[4..6], &value[7..9]),
                            (false, TzFields::Seconds) => (&value[3..5], &value[5..7]),
                        };
                        value = &value[need..];
                        let mut hr = 0;
                        let (mut m, mut s) = (0, 0);
                        match getnum(hh, true) {
                            Some((h, _)) => {
                                hr = h;
                                match getnum(mm, true) {
                                    Some((x, _)) => {
                                        m = x;
                                        match getnum(ss, true) {
                                            Some((y, _)) => s = y,
                                            None => ok = false,
                                        }
                                    }
                                    None => ok = false,
                                }
                            }
                            None => ok = false,
                        }
                        // Go accepts offsets of exactly 24 hours, 60 minutes or 60 seconds.
                        if hr > 24 {
                            range_err = "time zone offset hour";
                        }
                        if m > 60 {
                            range_err = "time zone offset minute";
                        }
                        if s > 60 {
                            range_err = "time zone offset second";
                        }
                        zone_offset = (hr * 60 + m) * 60 + s;
                        match sign {
                            b'+' => {}
                            b'-' => zone_offset = -zone_offset,
                            _ => ok = false,
                        }
                    }
                }
            }
            Std::Abbrev => {
                if value.starts_with(b"UTC") {
                    z = Some(Location::utc());
                    value = &value[3..];
                } else {
                    match parse_time_zone(value) {
                        Some(n) => {
                            zone_name = &value[..n];
                            value = &value[n..];
                        }
                        None => ok = false,
                    }
                }
            }
            Std::Frac {
                trim: false,
                digits,
                ..
            } => {
                let ndigit = 1 + digits;
                if value.len() < ndigit {
                    ok = false;
                } else {
                    let (ns, re, good) = parse_nanoseconds(value, ndigit);
                    (nsec, range_err, ok) = (ns, re, good);
                    value = &value[ndigit..];
                }
            }
            Std::Frac { trim: true, .. } => {
                if value.len() >= 2 && matches!(value[0], b'.' | b',') && value[1].is_ascii_digit()
                {
                    // As many digits as there are, like a fraction after seconds.
                    let i = value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    let (ns, re, good) = parse_nanoseconds(value, 1 + i);
                    (nsec, range_err, ok) = (ns, re, good);
                    value = &value[1 + i..];
                }
            }
        }
        if !range_err.is_empty() {
            return Err(parse_error_msg(
                avalue,
                &format!(": {range_err} out of range"),
            ));
        }
        if !ok {
            return Err(parse_error(alayout, avalue, stdstr, hold));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }

    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(parse_error_msg(avalue, ": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if DAYS_BEFORE[m as usize + 1] < yday {
                m += 1;
            }
            d = yday - DAYS_BEFORE[m as usize];
        }
        if month >= 0 && month != m {
            return Err(parse_error_msg(
                avalue,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(parse_error_msg(avalue, ": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }

    if day < 1 || day > days_in(month, year) {
        return Err(parse_error_msg(avalue, ": day out of range"));
    }

    if let Some(z) = z {
        return Ok(GoTime::date(year, month, day, hour, min, sec, nsec, &z));
    }

    let zone_name = std::str::from_utf8(zone_name).unwrap_or_default();
    if zone_offset != -1 {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, &Location::utc());
        t.add_sec(-zone_offset);
        let (name, offset) = local.lookup(t.unix_seconds());
        t.loc = if offset as i64 == zone_offset && (zone_name.is_empty() || name == zone_name) {
            local.clone()
        } else {
            Location::fixed(zone_name, zone_offset as i32)
        };
        return Ok(t);
    }

    if !zone_name.is_empty() {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, &Location::utc());
        if let Some(offset) = local.lookup_name(zone_name, t.unix_seconds()) {
            t.add_sec(-(offset as i64));
            t.loc = local.clone();
            return Ok(t);
        }
        // An unknown abbreviation keeps the wall time and gets offset 0, except GMT±h.
        let mut offset = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            offset = go_atoi(&zone_name.as_bytes()[3..]).unwrap_or(0) * 3600;
        }
        t.loc = Location::fixed(zone_name, offset as i32);
        return Ok(t);
    }

    Ok(GoTime::date(
        year,
        month,
        day,
        hour,
        min,
        sec,
        nsec,
        default_loc,
    ))
}

// ---------------------------------------------------------------------------------------------
// Sprig

/// A template value handed to a Sprig date function, classified by its Go dynamic type,
/// because Sprig's type switches treat Go's `int`, `int32` and `int64` differently (template
/// number literals and `int` are `int`; `int64` gives `int64`; values from YAML are
/// `float64`, which every function here treats as "something else").
#[derive(Clone, Copy, Debug)]
pub enum DateArg<'a> {
    /// A `time.Time`.
    Time(&'a GoTime),
    /// A `*time.Time` (only `date`, `dateInZone` and the `htmlDate`s know it).
    TimePtr(&'a GoTime),
    /// A Go `int`.
    Int(i64),
    /// A Go `int32`.
    Int32(i32),
    /// A Go `int64`.
    Int64(i64),
    /// A Go `string`.
    Str(&'a str),
    /// Anything else: floats, bools, nil, maps, lists...
    Other,
}

/// Sprig's `now`: `time.Now()`.
pub fn now() -> GoTime {
    GoTime::now()
}

/// Sprig's `date FMT DATE`: `dateInZone` in `Local`.
pub fn date(fmt: &str, date: DateArg<'_>, now: &GoTime) -> String {
    date_in_zone(fmt, date, "Local", now)
}

/// Sprig's `dateInZone FMT DATE ZONE`. Times and Unix seconds (`int`, `int32`, `int64`) are
/// formatted; any other argument means the current time. An unknown zone means UTC.
pub fn date_in_zone(fmt: &str, date: DateArg<'_>, zone: &str, now: &GoTime) -> String {
    let t = match date {
        DateArg::Time(t) | DateArg::TimePtr(t) => t.clone(),
        DateArg::Int(n) | DateArg::Int64(n) => GoTime::unix(n, 0),
        DateArg::Int32(n) => GoTime::unix(n as i64, 0),
        DateArg::Str(_) | DateArg::Other => now.clone(),
    };
    let loc = Location::load(zone).unwrap_or_else(Location::utc);
    t.in_location(&loc).format(fmt)
}

/// Sprig's `htmlDate DATE`: `2006-01-02` in `Local`.
pub fn html_date(date: DateArg<'_>, now: &GoTime) -> String {
    date_in_zone("2006-01-02", date, "Local", now)
}

/// Sprig's `htmlDateInZone DATE ZONE`.
pub fn html_date_in_zone(date: DateArg<'_>, zone: &str, now: &GoTime) -> String {
    date_in_zone("2006-01-02", date, zone, now)
}

/// Sprig's `dateModify DURATION TIME` (also `date_modify`): the time moved by a Go duration
/// string, or unchanged when the string does not parse.
pub fn date_modify(fmt: &str, date: &GoTime) -> GoTime {
    match parse_duration(fmt) {
        Ok(d) => date.add(d),
        Err(_) => date.clone(),
    }
}

/// Sprig's `mustDateModify` (also `must_date_modify`): like `dateModify` but fails with
/// `time.ParseDuration`'s error.
pub fn must_date_modify(fmt: &str, date: &GoTime) -> Result<GoTime, String> {
    parse_duration(fmt).map(|d| date.add(d))
}

/// Sprig's `ago DATE`: time since a `time.Time` or Unix seconds (`int`, `int64`), rounded to
/// seconds; any other argument gives `0s`.
pub fn ago(date: DateArg<'_>, now: &GoTime) -> String {
    let t = match date {
        DateArg::Time(t) => t.clone(),
        DateArg::Int(n) | DateArg::Int64(n) => GoTime::unix(n, 0),
        _ => now.clone(),
    };
    now.sub(&t).round(GoDuration::SECOND).to_string()
}

/// Sprig's `duration SECONDS`: a decimal string or an `int64` of seconds as a Go duration
/// (a Go `int`, such as a template literal, or a float counts as 0).
pub fn duration(sec: DateArg<'_>) -> String {
    let n = match sec {
        DateArg::Str(s) => go_parse_int(s),
        DateArg::Int64(n) => n,
        _ => 0,
    };
    GoDuration(n.wrapping_mul(NANOS_PER_SECOND)).to_string()
}

/// `strconv.ParseInt(s, 10, 64)` with the error ignored, as Sprig does: 0 for bad syntax,
/// the nearest limit when out of range.
fn go_parse_int(s: &str) -> i64 {
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() {
        return 0;
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for &c in digits {
        if !c.is_ascii_digit() {
            return 0;
        }
        if n > u64::MAX / 10 {
            overflow = true;
            break;
        }
        let n1 = (n * 10).wrapping_add((c - b'0') as u64);
        if n1 < n * 10 {
            overflow = true;
            break;
        }
        n = n1;
    }
    let cutoff = 1u64 << 63;
    if overflow {
        return if neg { i64::MIN } else { i64::MAX };
    }
    if !neg && n >= cutoff {
        return i64::MAX;
    }
    if neg && n > cutoff {
        return i64::MIN;
    }
    if neg {
        (n as i64).wrapping_neg()
    } else {
        n as i64
    }
}

/// Sprig's `durationRound D`: the largest whole unit (`y` of 365 days, `mo` of 30 days, `d`,
/// `h`, `m`, `s`) of a duration string, an `int64` of nanoseconds, or the time since a
/// `time.Time`; the sign is dropped, and anything else (including a Go `int`) gives `0s`.
pub fn duration_round(d: DateArg<'_>, now: &GoTime) -> String {
    let d = match d {
        DateArg::Str(s) => parse_duration(s).map(|d| d.0).unwrap_or(0),
        DateArg::Int64(n) => n,
        DateArg::Time(t) => now.sub(t).0,
        _ => 0,
    };
    let u = d.unsigned_abs();
    const SECOND: u64 = NANOS_PER_SECOND as u64;
    const MINUTE: u64 = 60 * SECOND;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const MONTH: u64 = 30 * DAY;
    const YEAR: u64 = 365 * DAY;
    for (unit, suffix) in [
        (YEAR, "y"),
        (MONTH, "mo"),
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
    ] {
        if u > unit {
            return format!("{}{suffix}", u / unit);
        }
    }
    "0s".to_string()
}

/// Sprig's `toDate LAYOUT VALUE`: `time.ParseInLocation` in `Local`, the zero time on error.
pub fn to_date(fmt: &str, s: &str) -> GoTime {
    GoTime::parse_in_local(fmt, s).unwrap_or_else(|_| GoTime::zero())
}

/// Sprig's `mustToDate LAYOUT VALUE`: like `toDate` but fails with Go's parse error.
pub fn must_to_date(fmt: &str, s: &str) -> Result<GoTime, String> {
    GoTime::parse_in_local(fmt, s)
}

/// Sprig's `unixEpoch TIME`: Unix seconds as a decimal string.
pub fn unix_epoch(date: &GoTime) -> String {
    date.unix_seconds().to_string()
}

#[cfg(test)]
mod tests {
    //! Every expected value below is what Helm v4.2.3 rendered for the same input.

    use super::*;
    use DateArg as A;

    /// The `now` of a Helm render: `{{ $n := now }}{{ $n }}` printed
    /// `2026-11-29 17:07:40.444680979 +0000 UTC m=+0.054622088`.
    fn helm_now() -> GoTime {
        GoTime::from_clock(1_795_972_060, 444_680_979, 54_622_088)
    }

    #[test]
    fn date_in_zone_formats_unix_seconds_in_any_zone_as_helm_does() {
        const DATE_IN_ZONE: &[(&str, i64, &str, &str)] = &[
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "America/New_York",
                "2023-11-14 17:13:20 -0500 EST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1710053999,
                "America/New_York",
                "2024-03-10 01:59:59 -0500 EST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1710054000,
                "America/New_York",
                "2024-03-10 03:00:00 -0400 EDT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1730613599,
                "America/New_York",
                "2024-11-03 01:59:59 -0400 EDT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1730613600,
                "America/New_York",
                "2024-11-03 01:00:00 -0500 EST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1712415600,
                "Australia/Lord_Howe",
                "2024-04-07 01:30:00 +1030 +1030",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1728144000,
                "Australia/Lord_Howe",
                "2024-10-06 03:00:00 +1100 +11",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Asia/Kolkata",
                "2023-11-15 03:43:20 +0530 IST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Pacific/Chatham",
                "2023-11-15 11:58:20 +1345 +1345",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                -1000000000,
                "Africa/Monrovia",
                "1938-04-24 21:28:50 -0044 MMT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                -5364662400,
                "America/New_York",
                "1799-12-31 19:03:58 -0456 LMT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                9223372036854775807,
                "UTC",
                "292277026596-12-04 15:30:07 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                -9223372036854775808,
                "America/Los_Angeles",
                "292277026596-12-04 07:37:10 -0752 LMT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                -62135596801,
                "Asia/Kolkata",
                "0001-01-01 05:53:27 +0553 LMT",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                253402300800,
                "UTC",
                "10000-01-01 00:00:00 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                99999999999999,
                "America/New_York",
                "3170843-11-07 04:46:39 -0500 EST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                -99999999999999,
                "UTC",
                "-3166904-02-24 14:13:21 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Nope/Zone",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "america/new_york",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Asia//Tokyo",
                "2023-11-15 07:13:20 +0900 JST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Asia/Tokyo/",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Local",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "US/Eastern",
                "2023-11-14 17:13:20 -0500 EST",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "../Asia/Tokyo",
                "2023-11-14 22:13:20 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "posix/Europe/Paris",
                "2023-11-14 23:13:20 +0100 CET",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Pacific/Kiritimati",
                "2023-11-15 12:13:20 +1400 +14",
            ),
            (
                "2006-01-02 15:04:05.999999999 -0700 MST",
                1700000000,
                "Etc/GMT+12",
                "2023-11-14 10:13:20 -1200 -12",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                -5364662400,
                "UTC",
                "Wednesday Wed January Jan 1800 00 01 1 01 1  1 001   1 00 12 12 00 0 00 0 AM am UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                1730613600,
                "UTC",
                "Sunday Sun November Nov 2024 24 11 11 03 3  3 308 308 06 06 6 00 0 00 0 AM am UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                -2208988800,
                "UTC",
                "Monday Mon January Jan 1900 00 01 1 01 1  1 001   1 00 12 12 00 0 00 0 AM am UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                3000000000000,
                "UTC",
                "Sunday Sun March Mar 97036 36 03 3 20 20 20 080  80 05 05 5 20 20 00 0 AM am UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                1700000000,
                "UTC",
                "Tuesday Tue November Nov 2023 23 11 11 14 14 14 318 318 22 10 10 13 13 20 20 PM pm UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Monday Mon January Jan 2006 06 01 1 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm MST -0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00",
                -1,
                "UTC",
                "Wednesday Wed December Dec 1969 69 12 12 31 31 31 365 365 23 11 11 59 59 59 59 PM pm UTC +0000 +00:00 +00 +000000 +00:00:00 Z Z Z Z Z",
            ),
            (
                "Mon Jan _2 15:04:05 MST 2006",
                1712415600,
                "UTC",
                "Sat Apr  6 15:00:00 UTC 2024",
            ),
            ("3:04PM", 1700000000, "UTC", "10:13PM"),
            ("__2 002 _2", 1730613600, "UTC", "308 308  3"),
            (
                "Month Monthly Janx January",
                -1,
                "UTC",
                "Month Monthly Janx December",
            ),
            ("_2006 __2006", 2147483647, "UTC", "_2038  19038"),
            ("1 2 3 4 5", 1728144000, "UTC", "10 5 4 0 0"),
            ("15h04m05s", 1234567890, "UTC", "23h31m30s"),
            (
                "日付 2006年01月02日",
                951782400,
                "UTC",
                "日付 2000年02月29日",
            ),
            ("06", 978307200, "UTC", "01"),
            ("Z07", -62135596800, "UTC", "Z"),
        ];
        let now = helm_now();
        for (layout, unix, zone, want) in DATE_IN_ZONE {
            let got = date_in_zone(layout, A::Int(*unix), zone, &now);
            assert_eq!(got, *want, "dateInZone {layout:?} {unix} {zone:?}");
        }
    }

    #[test]
    fn fractional_second_elements_pad_or_trim_as_helm_does() {
        const FRACTIONS: &[(&str, &str, &str)] = &[
            ("2024-03-10 06:59:59.123456789", ".0", ".1"),
            ("2024-03-10 06:59:59.123456789", ".00", ".12"),
            ("2024-03-10 06:59:59.123456789", ".000", ".123"),
            ("2024-03-10 06:59:59.123456789", ".000000", ".123456"),
            ("2024-03-10 06:59:59.123456789", ".000000000", ".123456789"),
            ("2024-03-10 06:59:59.123456789", ".9", ".1"),
            ("2024-03-10 06:59:59.123456789", ".99", ".12"),
            ("2024-03-10 06:59:59.123456789", ".999", ".123"),
            ("2024-03-10 06:59:59.123456789", ".999999999", ".123456789"),
            ("2024-03-10 06:59:59.123456789", ",000", ",123"),
            ("2024-03-10 06:59:59.123456789", ",999", ",123"),
            ("2024-03-10 06:59:59.123456789", ".0000000000", ".123456789"),
            ("2024-03-10 06:59:59.123456789", ".9999999999", ".123456789"),
            ("2024-03-10 06:59:59.123456789", "05.000", "59.123"),
            ("2024-03-10 06:59:59.123456789", "05,999", "59,123"),
            (
                "2024-03-10 06:59:59.123456789",
                "15:04:05.00000",
                "06:59:59.12345",
            ),
            ("2024-03-10 06:59:59.123456789", ".0a", ".1a"),
            ("2024-03-10 06:59:59.123456789", ".09", ".09"),
            ("2024-03-10 06:59:59.100", ".000", ".100"),
            ("2024-03-10 06:59:59.100", ".999", ".1"),
            ("2024-03-10 06:59:59.100", ",999", ",1"),
            ("2024-03-10 06:59:59.100", ".0000000000", ".100000000"),
            ("2024-03-10 06:59:59.100", ".9999999999", ".1"),
            ("2024-03-10 06:59:59.100", "05,999", "59,1"),
        ];
        let now = helm_now();
        for (value, layout, want) in FRACTIONS {
            let t = to_date("2006-01-02 15:04:05.999999999", value);
            assert_eq!(
                date_in_zone(layout, A::Time(&t), "UTC", &now),
                *want,
                "{value} {layout}"
            );
        }
    }

    #[test]
    fn to_date_parses_layouts_and_reports_go_errors() {
        const PARSE: &[(&str, &str, Result<&str, &str>)] = &[
            (
                "2006-01-02",
                "2024-03-05",
                Ok("2024-03-05 00:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02",
                "x",
                Err("parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\""),
            ),
            (
                "2006-01-02",
                "2024-13-05",
                Err("parsing time \"2024-13-05\": month out of range"),
            ),
            (
                "2006-01-02",
                "2024-02-30",
                Err("parsing time \"2024-02-30\": day out of range"),
            ),
            (
                "2006-01-02",
                "2024-02-29",
                Ok("2024-02-29 00:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02",
                "2023-02-29",
                Err("parsing time \"2023-02-29\": day out of range"),
            ),
            (
                "2006-01-02",
                "2024-03-05 extra",
                Err("parsing time \"2024-03-05 extra\": extra text: \" extra\""),
            ),
            (
                "2006-01-02",
                "24-03-05",
                Err(
                    "parsing time \"24-03-05\" as \"2006-01-02\": cannot parse \"24-03-05\" as \"2006\"",
                ),
            ),
            ("2006-1-2", "2024-3-5", Ok("2024-03-05 00:00:00 +0000 UTC")),
            (
                "2006-01-02",
                "2024-3-5",
                Err("parsing time \"2024-3-5\" as \"2006-01-02\": cannot parse \"3-5\" as \"01\""),
            ),
            (
                "Jan 2 2006",
                "feb 3 2021",
                Ok("2021-02-03 00:00:00 +0000 UTC"),
            ),
            (
                "January 2 2006",
                "FEBRUARY 3 2021",
                Ok("2021-02-03 00:00:00 +0000 UTC"),
            ),
            (
                "Mon Jan 2 2006",
                "Tue Feb 3 2021",
                Ok("2021-02-03 00:00:00 +0000 UTC"),
            ),
            (
                "Mon Jan 2 2006",
                "Xyz Feb 3 2021",
                Err(
                    "parsing time \"Xyz Feb 3 2021\" as \"Mon Jan 2 2006\": cannot parse \"Xyz Feb 3 2021\" as \"Mon\"",
                ),
            ),
            ("Monday", "friday", Ok("0000-01-01 00:00:00 +0000 UTC")),
            ("3:04PM", "12:30AM", Ok("0000-01-01 00:30:00 +0000 UTC")),
            ("3:04PM", "12:30PM", Ok("0000-01-01 12:30:00 +0000 UTC")),
            (
                "3:04PM",
                "1:30pm",
                Err("parsing time \"1:30pm\" as \"3:04PM\": cannot parse \"pm\" as \"PM\""),
            ),
            ("3:04pm", "1:30pm", Ok("0000-01-01 13:30:00 +0000 UTC")),
            (
                "3:04PM",
                "13:30PM",
                Err("parsing time \"13:30PM\": hour out of range"),
            ),
            (
                "15:04",
                "24:00",
                Err("parsing time \"24:00\": hour out of range"),
            ),
            (
                "15:04",
                "23:60",
                Err("parsing time \"23:60\": minute out of range"),
            ),
            (
                "15:04:05",
                "23:59:60",
                Err("parsing time \"23:59:60\": second out of range"),
            ),
            (
                "15:04:05",
                "23:59:59.123",
                Ok("0000-01-01 23:59:59.123 +0000 UTC"),
            ),
            (
                "15:04:05",
                "23:59:59,5",
                Ok("0000-01-01 23:59:59.5 +0000 UTC"),
            ),
            (
                "15:04:05.000",
                "23:59:59.12",
                Err(
                    "parsing time \"23:59:59.12\" as \"15:04:05.000\": cannot parse \".12\" as \".000\"",
                ),
            ),
            (
                "15:04:05.000",
                "23:59:59.1234",
                Err("parsing time \"23:59:59.1234\": extra text: \"4\""),
            ),
            (
                "15:04:05.999",
                "23:59:59",
                Ok("0000-01-01 23:59:59 +0000 UTC"),
            ),
            (
                "15:04:05.999",
                "23:59:59.123456789123",
                Ok("0000-01-01 23:59:59.123456789 +0000 UTC"),
            ),
            ("06", "68", Ok("2068-01-01 00:00:00 +0000 UTC")),
            ("06", "69", Ok("1969-01-01 00:00:00 +0000 UTC")),
            ("06", "-1", Ok("1999-01-01 00:00:00 +0000 UTC")),
            (
                "2006",
                "-123",
                Err("parsing time \"-123\" as \"2006\": cannot parse \"-123\" as \"2006\""),
            ),
            (
                "2006",
                "+123",
                Err("parsing time \"+123\" as \"2006\": cannot parse \"+123\" as \"2006\""),
            ),
            (
                "2006",
                "12",
                Err("parsing time \"12\" as \"2006\": cannot parse \"12\" as \"2006\""),
            ),
            ("002 2006", "060 2024", Ok("2024-02-29 00:00:00 +0000 UTC")),
            (
                "002 2006",
                "366 2023",
                Err("parsing time \"366 2023\": day-of-year out of range"),
            ),
            ("002 2006", "366 2024", Ok("2024-12-31 00:00:00 +0000 UTC")),
            ("__2 2006", "  5 2024", Ok("2024-01-05 00:00:00 +0000 UTC")),
            (
                "Jan 002 2006",
                "Mar 060 2024",
                Err("parsing time \"Mar 060 2024\": day-of-year does not match month"),
            ),
            (
                "Jan 002 2006",
                "Feb 060 2024",
                Ok("2024-02-29 00:00:00 +0000 UTC"),
            ),
            ("_2 Jan", " 5 Feb", Ok("0000-02-05 00:00:00 +0000 UTC")),
            (
                "2006-01-02 15:04:05 -0700",
                "2024-01-01 10:00:00 +0000",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02 15:04:05 -0700",
                "2024-01-01 10:00:00 *0100",
                Err(
                    "parsing time \"2024-01-01 10:00:00 *0100\" as \"2006-01-02 15:04:05 -0700\": cannot parse \"*0100\" as \"-0700\"",
                ),
            ),
            (
                "2006-01-02 15:04:05 -07",
                "2024-01-01 10:00:00 +05",
                Ok("2024-01-01 10:00:00 +0500 +0500"),
            ),
            (
                "2006-01-02 15:04:05 Z07:00",
                "2024-01-01 10:00:00 Z",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02 15:04:05 MST",
                "2024-01-01 10:00:00 UTC",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02 15:04:05 MST",
                "2024-01-01 10:00:00 GMT-11",
                Ok("2023-12-31 23:00:00 -1100 GMT-11"),
            ),
            (
                "2006-01-02 15:04:05 MST",
                "2024-01-01 10:00:00 +03",
                Ok("2024-01-01 10:00:00 +0000 +03"),
            ),
            (
                "2006-01-02 15:04:05 MST",
                "2024-01-01 10:00:00 AEST",
                Ok("2024-01-01 10:00:00 +0000 AEST"),
            ),
            (
                "2006-01-02 15:04:05 MST",
                "2024-01-01 10:00:00 ABCD",
                Err(
                    "parsing time \"2024-01-01 10:00:00 ABCD\" as \"2006-01-02 15:04:05 MST\": cannot parse \"ABCD\" as \"MST\"",
                ),
            ),
            (
                "2006-01-02 15:04:05 -0700 MST",
                "2024-01-01 10:00:00 +0000 UTC",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2024-01-01T10:00:00Z",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2024-01-01T10:00:00+24:00",
                Ok("2024-01-01 10:00:00 +2400 +2400"),
            ),
            (
                "2006-01-02T15:04:05.999999999Z07:00",
                "2024-01-01T10:00:00.123456789-08:00",
                Ok("2024-01-01 10:00:00.123456789 -0800 -0800"),
            ),
            (
                "2006-01-02 15:04:05",
                "2024-01-01  10:00:00",
                Ok("2024-01-01 10:00:00 +0000 UTC"),
            ),
            (
                "2006-01-02",
                "",
                Err("parsing time \"\" as \"2006-01-02\": cannot parse \"\" as \"2006\""),
            ),
            ("literal", "literal", Ok("0000-01-01 00:00:00 +0000 UTC")),
            (
                "2006-01-02",
                "2024-01-0é",
                Err(
                    "parsing time \"2024-01-0\\xc3\\xa9\" as \"2006-01-02\": cannot parse \"0\\xc3\\xa9\" as \"02\"",
                ),
            ),
            (
                "Jan",
                "January",
                Err("parsing time \"January\": extra text: \"uary\""),
            ),
            (
                "15:04:05.000",
                "10:00:00x123",
                Err(
                    "parsing time \"10:00:00x123\" as \"15:04:05.000\": cannot parse \"x123\" as \".000\"",
                ),
            ),
            (
                "2006.01.02",
                "2024.01.02",
                Ok("2024-01-02 00:00:00 +0000 UTC"),
            ),
            ("1", "0", Err("parsing time \"0\": month out of range")),
            ("2006 __2", "2024  60", Ok("2024-02-29 00:00:00 +0000 UTC")),
            (
                "2006-01-02 .000",
                "2024-01-02 .5",
                Err(
                    "parsing time \"2024-01-02 .5\" as \"2006-01-02 .000\": cannot parse \".5\" as \".000\"",
                ),
            ),
            (
                "05 .000",
                "07.123 .456",
                Err(
                    "parsing time \"07.123 .456\" as \"05 .000\": cannot parse \".123 .456\" as \" \"",
                ),
            ),
        ];
        for (layout, value, want) in PARSE {
            let got = must_to_date(layout, value).map(|t| t.to_string());
            assert_eq!(
                got,
                want.map(str::to_string).map_err(str::to_string),
                "{layout:?} {value:?}"
            );
            let lenient = to_date(layout, value).to_string();
            assert_eq!(lenient, want.unwrap_or("0001-01-01 00:00:00 +0000 UTC"));
        }
    }

    #[test]
    fn a_formatted_value_parses_back_with_the_same_layout() {
        const ROUND_TRIP: &[(&str, i64, &str, Result<&str, &str>)] = &[
            (
                "-070000-Z07001, 4-",
                -1748118029,
                "Asia/Kolkata",
                Ok("0000-08-01 00:09:00 +0530 +0530"),
            ),
            (
                "MST/.000 -070000:MST 2006 at ",
                152735322,
                "Europe/Dublin",
                Ok("1974-01-01 00:00:00 +0000 GMT"),
            ),
            (
                "023Z0700, PM_",
                -90509441,
                "Australia/Lord_Howe",
                Ok("0000-01-18 20:00:00 +1000 +1000"),
            ),
            (
                "MST:05",
                1466759684,
                "America/New_York",
                Ok("0000-01-01 00:00:44 +0000 EDT"),
            ),
            (
                "2-002, ",
                -1150144669,
                "Asia/Kolkata",
                Err("parsing time \"22-203, \": day-of-year does not match day"),
            ),
            (
                "02 at Z0700-MonxJanuaryx06 at 4TPMx",
                -2329172670,
                "Europe/Dublin",
                Ok("1996-03-10 12:10:00 -0025 -0025"),
            ),
            (
                "__2/Z07:,000/Z07:00:00_01 at ",
                1463475484,
                "Asia/Kolkata",
                Ok("0000-05-17 00:00:00 +0530 +0530"),
            ),
            (
                "-07:00, 15-07:00/,000PM_",
                3998458449,
                "America/New_York",
                Ok("0000-01-01 06:00:00 -0400 -0400"),
            ),
        ];
        let now = helm_now();
        for (layout, unix, zone, want) in ROUND_TRIP {
            let shown = date_in_zone(layout, A::Int(*unix), zone, &now);
            let got = must_to_date(layout, &shown).map(|t| t.to_string());
            assert_eq!(
                got,
                want.map(str::to_string).map_err(str::to_string),
                "{layout:?}"
            );
        }
    }

    #[test]
    fn parse_duration_accepts_and_rejects_what_go_does() {
        const PARSE_DURATION: &[(&str, Result<&str, &str>)] = &[
            ("1h2m3.5s", Ok("1h2m3.5s")),
            ("1.5µs", Ok("1.5µs")),
            ("1.5μs", Ok("1.5µs")),
            ("1.5us", Ok("1.5µs")),
            ("0", Ok("0s")),
            ("-0", Ok("0s")),
            ("+0", Ok("0s")),
            ("", Err("time: invalid duration \"\"")),
            ("-", Err("time: invalid duration \"-\"")),
            ("+", Err("time: invalid duration \"+\"")),
            ("1", Err("time: missing unit in duration \"1\"")),
            ("1x", Err("time: unknown unit \"x\" in duration \"1x\"")),
            ("1hh", Err("time: unknown unit \"hh\" in duration \"1hh\"")),
            (".5s", Ok("500ms")),
            ("5.s", Ok("5s")),
            (".s", Err("time: invalid duration \".s\"")),
            ("-.5h", Ok("-30m0s")),
            ("2562047h47m16.854775807s", Ok("2562047h47m16.854775807s")),
            (
                "2562047h47m16.854775808s",
                Err("time: invalid duration \"2562047h47m16.854775808s\""),
            ),
            ("-2562047h47m16.854775808s", Ok("-2562047h47m16.854775808s")),
            (
                "-2562047h47m16.854775809s",
                Err("time: invalid duration \"-2562047h47m16.854775809s\""),
            ),
            ("9223372036854775807ns", Ok("2562047h47m16.854775807s")),
            (
                "9223372036854775808ns",
                Err("time: invalid duration \"9223372036854775808ns\""),
            ),
            ("-9223372036854775808ns", Ok("-2562047h47m16.854775808s")),
            ("1.0000000000000000000000001s", Ok("1s")),
            ("0.3333333333333333333h", Ok("20m0s")),
            ("1h1h", Ok("2h0m0s")),
            (
                "100000000000000000000h",
                Err("time: invalid duration \"100000000000000000000h\""),
            ),
            ("1.5h30m", Ok("2h0m0s")),
            ("3mo", Err("time: unknown unit \"mo\" in duration \"3mo\"")),
            ("2d", Err("time: unknown unit \"d\" in duration \"2d\"")),
            ("1s2ms3us4ns", Ok("1.002003004s")),
            (
                "10µ",
                Err("time: unknown unit \"\\xc2\\xb5\" in duration \"10\\xc2\\xb5\""),
            ),
            ("µs", Err("time: invalid duration \"\\xc2\\xb5s\"")),
            ("1e3s", Err("time: unknown unit \"e\" in duration \"1e3s\"")),
            (" 1s", Err("time: invalid duration \" 1s\"")),
            ("1s ", Err("time: unknown unit \"s \" in duration \"1s \"")),
            (
                "1_000s",
                Err("time: unknown unit \"_\" in duration \"1_000s\""),
            ),
            ("1,5s", Err("time: unknown unit \",\" in duration \"1,5s\"")),
            ("1.5.5s", Err("time: missing unit in duration \"1.5.5s\"")),
            ("0.000000001s", Ok("1ns")),
            ("0.0000000001s", Ok("0s")),
            ("-1.5h", Ok("-1h30m0s")),
            ("+1.5h", Ok("1h30m0s")),
            ("abc", Err("time: invalid duration \"abc\"")),
            (
                "1m-2s",
                Err("time: unknown unit \"m-\" in duration \"1m-2s\""),
            ),
            ("300ms", Ok("300ms")),
            ("2400h10m5s", Ok("2400h10m5s")),
            ("8760h", Ok("8760h0m0s")),
            ("-3000000h", Err("time: invalid duration \"-3000000h\"")),
            ("1.9999999999s", Ok("1.999999999s")),
            ("12345.6789m", Ok("205h45m40.734s")),
        ];
        for (input, want) in PARSE_DURATION {
            let got = parse_duration(input).map(|d| d.to_string());
            assert_eq!(
                got,
                want.map(str::to_string).map_err(str::to_string),
                "{input:?}"
            );
        }
    }

    #[test]
    fn durations_print_with_go_units() {
        const DURATION_STRING: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1000, "1µs"),
            (1001, "1.001µs"),
            (1500, "1.5µs"),
            (999999, "999.999µs"),
            (1000000, "1ms"),
            (1234567, "1.234567ms"),
            (999999999, "999.999999ms"),
            (1000000000, "1s"),
            (1000000001, "1.000000001s"),
            (59999999999, "59.999999999s"),
            (60000000000, "1m0s"),
            (3599999999999, "59m59.999999999s"),
            (3600000000000, "1h0m0s"),
            (86400000000000, "24h0m0s"),
            (9223372036854775807, "2562047h47m16.854775807s"),
            (-9223372036854775808, "-2562047h47m16.854775808s"),
            (-1, "-1ns"),
            (-1500, "-1.5µs"),
            (-1500000, "-1.5ms"),
        ];
        for (nanos, want) in DURATION_STRING {
            assert_eq!(GoDuration(*nanos).to_string(), *want, "{nanos}");
        }
    }

    #[test]
    fn sprig_duration_counts_only_strings_and_int64_seconds() {
        let duration_cases: &[(A<'_>, &str)] = &[
            (A::Int(95), "0s"),
            (A::Int64(95), "1m35s"),
            (A::Str("95"), "1m35s"),
            (A::Str("-95"), "-1m35s"),
            (A::Str(" 95"), "0s"),
            (A::Str("+95"), "1m35s"),
            (A::Str("9.5"), "0s"),
            (A::Other, "0s"),
            (A::Str("99999999999999999999"), "-1s"),
            (A::Str("-99999999999999999999"), "0s"),
            (A::Str("9223372036854775807"), "-1s"),
            (A::Str("9223372036854775"), "-808ms"),
            (A::Str("9223372036"), "2562047h47m16s"),
            (A::Str("9223372037"), "-2562047h47m16.709551616s"),
            (A::Int64(9223372037), "-2562047h47m16.709551616s"),
            (A::Int64(-9223372037), "2562047h47m16.709551616s"),
            (A::Str(""), "0s"),
            (A::Str("0x10"), "0s"),
            (A::Str("1_000"), "0s"),
            (A::Str("99999999999999999999x"), "-1s"),
            (A::Int64(0), "0s"),
            (A::Int64(86400), "24h0m0s"),
            (A::Int64(31536000), "8760h0m0s"),
            (A::Other, "0s"),
            (A::Other, "0s"),
            (A::Str("-"), "0s"),
            (A::Int64(-1), "-1s"),
        ];
        for (arg, want) in duration_cases {
            assert_eq!(duration(*arg), *want, "{arg:?}");
        }
    }

    #[test]
    fn duration_round_keeps_only_the_largest_unit() {
        let round_cases: &[(A<'_>, &str)] = &[
            (A::Str("2h10m5s"), "2h"),
            (A::Str("2400h10m5s"), "3mo"),
            (A::Str("-2400h"), "3mo"),
            (A::Str("bad"), "0s"),
            (A::Str("1s"), "0s"),
            (A::Str("1.5s"), "1s"),
            (A::Str("59m59s"), "59m"),
            (A::Str("60m"), "60m"),
            (A::Str("60m1ns"), "1h"),
            (A::Str("24h"), "24h"),
            (A::Str("24h1ns"), "1d"),
            (A::Str("720h"), "30d"),
            (A::Str("721h"), "1mo"),
            (A::Str("8760h"), "12mo"),
            (A::Str("8761h"), "1y"),
            (A::Str("1000000h"), "114y"),
            (A::Str("-9223372036854775808ns"), "292y"),
            (A::Str("0"), "0s"),
            (A::Int(3725), "0s"),
            (A::Int64(3725), "0s"),
            (A::Int64(5000000000), "5s"),
            (A::Int64(1000000000), "0s"),
            (A::Int64(1000000001), "1s"),
            (A::Int64(-9223372036854775808), "292y"),
            (A::Other, "0s"),
            (A::Other, "0s"),
        ];
        let now = helm_now();
        for (arg, want) in round_cases {
            assert_eq!(duration_round(*arg, &now), *want, "{arg:?}");
        }
        let since_2000 = to_date("2006", "2000");
        assert_eq!(duration_round(A::Time(&since_2000), &now), "26y");
    }

    #[test]
    fn date_modify_moves_by_a_go_duration_or_leaves_the_time_alone() {
        const MODIFY: &[(&str, Result<&str, &str>)] = &[
            ("1h", Ok("2024-03-10 02:30:00 +0000 UTC")),
            ("-1.5h", Ok("2024-03-10 00:00:00 +0000 UTC")),
            ("bad", Err("time: invalid duration \"bad\"")),
            ("25h", Ok("2024-03-11 02:30:00 +0000 UTC")),
            ("0.5s", Ok("2024-03-10 01:30:00.5 +0000 UTC")),
            ("-1ns", Ok("2024-03-10 01:29:59.999999999 +0000 UTC")),
            ("2562047h", Ok("2316-06-20 00:30:00 +0000 UTC")),
            ("-2562047h", Ok("1731-11-30 02:30:00 +0000 UTC")),
            ("876000h", Ok("2124-02-15 01:30:00 +0000 UTC")),
        ];
        let base = to_date("2006-01-02 15:04:05", "2024-03-10 01:30:00");
        for (change, want) in MODIFY {
            let got = must_date_modify(change, &base).map(|t| t.to_string());
            assert_eq!(
                got,
                want.map(str::to_string).map_err(str::to_string),
                "{change}"
            );
            let lenient = date_modify(change, &base).to_string();
            assert_eq!(
                lenient,
                want.unwrap_or("2024-03-10 01:30:00 +0000 UTC"),
                "{change}"
            );
        }
        let shown = date_in_zone(
            "2006-01-02 15:04:05.999999999 MST",
            A::Time(&date_modify("1h", &base)),
            "America/New_York",
            &helm_now(),
        );
        assert_eq!(shown, "2024-03-09 21:30:00 EST");
    }

    #[test]
    fn times_print_as_string_unix_epoch_and_json_like_helm() {
        const SHOW: &[(&str, &str, &str, &str)] = &[
            (
                "show",
                "2006-01-02 15:04:05",
                "2024-03-10 06:59:59.123456789",
                "2024-03-10 06:59:59.123456789 +0000 UTC",
            ),
            (
                "show",
                "2006-01-02 15:04:05",
                "2024-03-10 06:59:59",
                "2024-03-10 06:59:59 +0000 UTC",
            ),
            (
                "show",
                "2006-01-02 15:04:05",
                "0001-01-01 00:00:00",
                "0001-01-01 00:00:00 +0000 UTC",
            ),
            (
                "show",
                "2006-01-02 15:04:05",
                "9999-12-31 23:59:59.999999999",
                "9999-12-31 23:59:59.999999999 +0000 UTC",
            ),
            (
                "unixEpoch",
                "2006-01-02 15:04:05",
                "2024-03-10 01:30:00",
                "1710034200",
            ),
            (
                "show",
                "2006-01-02 15:04:05",
                "2024-03-10 01:30:00",
                "2024-03-10 01:30:00 +0000 UTC",
            ),
            (
                "json",
                "2006-01-02 15:04:05",
                "2024-03-10 01:30:00",
                "\"2024-03-10T01:30:00Z\"",
            ),
            ("unixEpoch", "2006", "1", "-62135596800"),
            ("show", "2006", "1", "0001-01-01 00:00:00 +0000 UTC"),
            ("json", "2006", "1", "\"0001-01-01T00:00:00Z\""),
            ("unixEpoch", "2006", "9999", "253370764800"),
            ("show", "2006", "9999", "9999-01-01 00:00:00 +0000 UTC"),
            ("json", "2006", "9999", "\"9999-01-01T00:00:00Z\""),
            ("unixEpoch", "2006-01-02", "1969-12-31", "-86400"),
            (
                "show",
                "2006-01-02",
                "1969-12-31",
                "1969-12-31 00:00:00 +0000 UTC",
            ),
            (
                "json",
                "2006-01-02",
                "1969-12-31",
                "\"1969-12-31T00:00:00Z\"",
            ),
            ("unixEpoch", "2006", "bad", "-62135596800"),
            ("show", "2006", "bad", "0001-01-01 00:00:00 +0000 UTC"),
            ("json", "2006", "bad", "\"0001-01-01T00:00:00Z\""),
            (
                "json",
                "2006-01-02 15:04:05 -0700",
                "2024-01-01 10:00:00 +2400",
                "",
            ),
        ];
        for (kind, layout, value, want) in SHOW {
            let t = to_date(layout, value);
            let got = match *kind {
                "show" => t.to_string(),
                "unixEpoch" => unix_epoch(&t),
                _ => t
                    .marshal_text()
                    .map(|s| format!("\"{s}\""))
                    .unwrap_or_default(),
            };
            assert_eq!(got, *want, "{kind} {value}");
        }
        let year_minus_292 = date_modify("-2562047h", &to_date("2006", "0000"));
        assert_eq!(
            year_minus_292.marshal_text(),
            Err("year outside of range [0,9999]".to_string())
        );
    }

    #[test]
    fn html_dates_use_the_zone_or_fall_back_to_utc() {
        const HTML: &[(i64, &str, &str)] = &[
            (1700000000, "Asia/Kolkata", "2023-11-15"),
            (1700000000, "Pacific/Kiritimati", "2023-11-15"),
            (1700000000, "Etc/GMT+12", "2023-11-14"),
            (1700000000, "bad", "2023-11-14"),
        ];
        let now = helm_now();
        for (unix, zone, want) in HTML {
            assert_eq!(
                html_date_in_zone(A::Int(*unix), zone, &now),
                *want,
                "{zone}"
            );
        }
        assert_eq!(html_date(A::Int64(1_700_000_000), &now), "2023-11-14");
        assert_eq!(date("2006", A::Other, &now), "2026");
    }

    #[test]
    fn now_prints_its_monotonic_reading_and_add_carries_it() {
        let n = helm_now();
        let cases = [
            (
                n.to_string(),
                "2026-11-29 17:07:40.444680979 +0000 UTC m=+0.054622088",
            ),
            (
                date_modify("1h", &n).to_string(),
                "2026-11-29 18:07:40.444680979 +0000 UTC m=+3600.054622088",
            ),
            (
                date_modify("-1000000h", &n).to_string(),
                "1912-11-01 01:07:40.444680979 +0000 UTC m=-3599999999.945377912",
            ),
            (
                date_modify("1000000h", &n).to_string(),
                "2140-12-28 09:07:40.444680979 +0000 UTC m=+3600000000.054622088",
            ),
            // Past 2157 or before 1885 the wall clock no longer fits beside the reading.
            (
                date_modify("2000000h", &n).to_string(),
                "2255-01-27 01:07:40.444680979 +0000 UTC",
            ),
            (
                date_modify("-2000000h", &n).to_string(),
                "1798-10-02 09:07:40.444680979 +0000 UTC",
            ),
            (
                n.add(GoDuration(1500)).to_string(),
                "2026-11-29 17:07:40.444682479 +0000 UTC m=+0.054623588",
            ),
            (n.add(GoDuration(1500)).sub(&n).to_string(), "1.5µs"),
            (
                date_in_zone(
                    "2006-01-02 15:04:05.000 MST",
                    A::Time(&n),
                    "Asia/Kolkata",
                    &n,
                ),
                "2026-11-29 22:37:40.444 IST",
            ),
            (unix_epoch(&n), "1795972060"),
            (
                format!("\"{}\"", n.marshal_text().unwrap()),
                "\"2026-11-29T17:07:40.444680979Z\"",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn ago_rounds_to_seconds_and_treats_other_types_as_now() {
        let n = helm_now();
        assert_eq!(ago(A::Int(1_700_000_000), &n), "26658h54m20s");
        assert_eq!(ago(A::Int(4_102_444_800), &n), "-640686h52m20s");
        assert_eq!(ago(A::Int64(0), &n), "498881h7m40s");
        assert_eq!(ago(A::Time(&n), &n), "0s");
        assert_eq!(ago(A::Str("x"), &n), "0s");
        assert_eq!(duration_round(A::Time(&n), &n), "0s");
    }
}
