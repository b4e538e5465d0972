//! Helm's release records, as Helm v4.2.3's Secret storage driver writes and reads them: the
//! release JSON (field names, `omitempty` behaviour, Go's time and number formats and HTML-safe
//! string escaping, byte for byte), its gzip-and-base64 encoding, the Secret that holds one
//! revision (`sh.helm.release.v1.<name>.v<revision>`, type `helm.sh/release.v1`, Helm's labels)
//! and the picks Helm's storage makes over a release's revisions (history order, last, last
//! deployed, pruning for `--history-max`).
//!
//! Pure: no API calls and no clock. Callers read and write the Secrets and pass the time in.
//!
//! Records written here are what `helm list/history/get/upgrade/rollback` accept; records Helm
//! wrote decode here and encode back to the same JSON bytes, so taking over a release that Helm
//! installed loses nothing. Fields a later Helm adds are kept in each type's `extra` map (they
//! are written back after the known fields).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::engine::chart::manifests::{Hook, HookDeletePolicy, HookEvent as EngineHookEvent};
use crate::engine::chart::{Chart, Dependency, File, Maintainer, Metadata};

/// The Secret `type` Helm 3 and 4 give a release record.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The prefix of a record's Secret name (Helm's `HelmStorageType`).
pub const SECRET_NAME_PREFIX: &str = "sh.helm.release.v1";
/// The `owner` label's value on every record.
pub const OWNER: &str = "helm";
/// The key of the record in the Secret's `data`.
pub const DATA_KEY: &str = "release";
/// The labels Helm's driver manages itself; Helm refuses them as user labels ("user supplied
/// labels contains system reserved label name") and they are not a release's own labels.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];
/// `apply_method` of a release applied server-side (what Helm v4 records by default).
pub const APPLY_METHOD_SERVER_SIDE: &str = "ssa";
/// `apply_method` of a release applied client-side (Helm treats an empty value the same way).
pub const APPLY_METHOD_CLIENT_SIDE: &str = "csa";
/// `info.description` Helm writes when an install succeeds.
pub const DESCRIPTION_INSTALLED: &str = "Install complete";
/// `info.description` Helm writes when an upgrade succeeds.
pub const DESCRIPTION_UPGRADED: &str = "Upgrade complete";
/// `info.description` Helm writes on an uninstall that keeps history.
pub const DESCRIPTION_UNINSTALLED: &str = "Uninstallation complete";

/// `info.description` Helm writes on the revision a rollback creates.
pub fn rollback_description(to_revision: i32) -> String {
    format!("Rollback to {to_revision}")
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a record could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The stored text is not standard base64.
    #[error("release data is not base64: {0}")]
    Base64(String),
    /// The data starts like gzip but does not decompress.
    #[error("release data is not valid gzip: {0}")]
    Gzip(String),
    /// The (decompressed) data is not a release record.
    #[error("release data is not a release record: {0}")]
    Json(String),
    /// The record could not be encoded (a time outside Go's years 0 to 9999).
    #[error("release {release:?} cannot be encoded: {reason}")]
    Encode {
        /// The release's name.
        release: String,
        /// What failed.
        reason: String,
    },
    /// The Secret has no `data.release`.
    #[error("Secret {secret} holds no release record (no data.release)")]
    MissingData {
        /// `namespace/name` of the Secret.
        secret: String,
    },
    /// Decoding the record of a Secret failed.
    #[error("Secret {secret}: {source}")]
    InSecret {
        /// `namespace/name` of the Secret.
        secret: String,
        /// What failed.
        #[source]
        source: Box<StorageError>,
    },
}

// ---------------------------------------------------------------------------------------------
// Go's time.Time as JSON

/// A Go `time.Time` as Helm's JSON carries it: an instant and the zone offset it was written
/// in (Helm records local time, so `-03:30` appears as readily as `Z`). Formats as Go's
/// RFC 3339 with nanoseconds (`2026-11-29T23:08:54.06432234Z`: trailing zeros of the fraction
/// dropped, no fraction when zero). The default is Go's zero time `0001-01-01T00:00:00Z`, which
/// the record omits where Helm omits it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoTime {
    instant: jiff::Timestamp,
    offset: jiff::tz::Offset,
}

/// Seconds from the Unix epoch to Go's zero time, 0001-01-01T00:00:00Z.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

impl GoTime {
    /// Go's zero time.
    pub fn zero() -> GoTime {
        GoTime {
            instant: jiff::Timestamp::new(GO_ZERO_UNIX, 0).expect("year 1 is in jiff's range"),
            offset: jiff::tz::Offset::UTC,
        }
    }

    /// `instant` written in UTC (`...Z`), as a process running in UTC writes it.
    pub fn utc(instant: jiff::Timestamp) -> GoTime {
        GoTime {
            instant,
            offset: jiff::tz::Offset::UTC,
        }
    }

    /// `instant` written with a zone offset.
    pub fn with_offset(instant: jiff::Timestamp, offset: jiff::tz::Offset) -> GoTime {
        GoTime { instant, offset }
    }

    /// The instant.
    pub fn timestamp(&self) -> jiff::Timestamp {
        self.instant
    }

    /// The zone offset it is written in.
    pub fn offset(&self) -> jiff::tz::Offset {
        self.offset
    }

    /// Go's `IsZero`: the instant is 0001-01-01T00:00:00Z, whatever the offset.
    pub fn is_zero(&self) -> bool {
        self.instant.as_second() == GO_ZERO_UNIX && self.instant.subsec_nanosecond() == 0
    }

    /// Parses Go's RFC 3339 form (what `time.Time` unmarshals): `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction (digits past nine are dropped, as Go drops them) and `Z` or `±HH:MM`.
    ///
    /// # Errors
    /// A message naming the text when it is not such a time.
    pub fn parse(text: &str) -> Result<GoTime, String> {
        parse_rfc3339(text).ok_or_else(|| format!("{text:?} is not an RFC 3339 time"))
    }

    fn year(&self) -> i16 {
        self.offset.to_datetime(self.instant).year()
    }
}

impl Default for GoTime {
    fn default() -> Self {
        GoTime::zero()
    }
}

impl From<jiff::Timestamp> for GoTime {
    fn from(instant: jiff::Timestamp) -> Self {
        GoTime::utc(instant)
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.offset.to_datetime(self.instant);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let nanos = dt.subsec_nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        let seconds = self.offset.seconds();
        if seconds == 0 {
            f.write_str("Z")
        } else {
            // Go's `Z07:00` shows hours and minutes; second offsets (pre-1900 zones) are cut.
            let sign = if seconds < 0 { '-' } else { '+' };
            let abs = seconds.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
        }
    }
}

impl fmt::Debug for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GoTime({self})")
    }
}

fn parse_rfc3339(text: &str) -> Option<GoTime> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0i64;
    if matches!(b[i], b'.' | b',') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &text[start..i.min(start + 9)];
        nanos = digits.parse::<i64>().ok()? * 10i64.pow(9 - digits.len() as u32);
    }
    let rest = &b[i..];
    let offset_seconds = if matches!(rest, [b'Z' | b'z']) {
        0
    } else if rest.len() == 6 && matches!(rest[0], b'+' | b'-') && rest[3] == b':' {
        let (hh, mm) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
        if hh > 23 || mm > 59 {
            return None;
        }
        let secs = i32::try_from(hh * 3600 + mm * 60).ok()?;
        if rest[0] == b'-' { -secs } else { secs }
    } else {
        return None;
    };
    let dt = jiff::civil::DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let offset = jiff::tz::Offset::from_seconds(offset_seconds).ok()?;
    let instant = offset.to_timestamp(dt).ok()?;
    Some(GoTime { instant, offset })
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Go's MarshalJSON refuses years it cannot write in four digits.
        if !(0..=9999).contains(&self.year()) {
            return Err(serde::ser::Error::custom(format!(
                "time {} has a year outside [0,9999]",
                self.instant
            )));
        }
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = GoTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time, an empty string or null")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GoTime, E> {
                // Helm's Info and HookExecution read "" as the zero time.
                if v.is_empty() {
                    return Ok(GoTime::zero());
                }
                GoTime::parse(v).map_err(E::custom)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<GoTime, E> {
                Ok(GoTime::zero())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<GoTime, E> {
                Ok(GoTime::zero())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Helm's string enums

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as written.
            Other(String),
        }

        impl $name {
            /// Helm's text for it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(s) => s,
                }
            }

            /// The value Helm's text names (unknown text is kept as [`Self::Other`]).
            pub fn from_text(text: &str) -> $name {
                match text {
                    $( $text => $name::$variant, )*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
                Ok($name::from_text(&text))
            }
        }
    };
}

string_enum! {
    /// A revision's status (`info.status`, and the Secret's `status` label).
    Status {
        /// `unknown`.
        Unknown => "unknown",
        /// `deployed`: the revision in effect.
        Deployed => "deployed",
        /// `uninstalled`: uninstalled with `--keep-history`.
        Uninstalled => "uninstalled",
        /// `superseded`: replaced by a later revision.
        Superseded => "superseded",
        /// `failed`.
        Failed => "failed",
        /// `uninstalling`.
        Uninstalling => "uninstalling",
        /// `pending-install`.
        PendingInstall => "pending-install",
        /// `pending-upgrade`.
        PendingUpgrade => "pending-upgrade",
        /// `pending-rollback`.
        PendingRollback => "pending-rollback",
    }
}

impl Status {
    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }

    /// Helm's `IsPending`: an operation on the release is (or was left) in progress.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl Default for Status {
    /// Go's zero value, the empty status (omitted from the record).
    fn default() -> Self {
        Status::Other(String::new())
    }
}

string_enum! {
    /// An event a stored hook fires on.
    HookEvent {
        /// `pre-install`.
        PreInstall => "pre-install",
        /// `post-install`.
        PostInstall => "post-install",
        /// `pre-delete`.
        PreDelete => "pre-delete",
        /// `post-delete`.
        PostDelete => "post-delete",
        /// `pre-upgrade`.
        PreUpgrade => "pre-upgrade",
        /// `post-upgrade`.
        PostUpgrade => "post-upgrade",
        /// `pre-rollback`.
        PreRollback => "pre-rollback",
        /// `post-rollback`.
        PostRollback => "post-rollback",
        /// `test`.
        Test => "test",
    }
}

impl HookEvent {
    /// The engine's event, `None` for one the engine does not know.
    pub fn to_engine(&self) -> Option<EngineHookEvent> {
        EngineHookEvent::from_annotation(self.as_str())
    }
}

impl From<EngineHookEvent> for HookEvent {
    fn from(event: EngineHookEvent) -> Self {
        HookEvent::from_text(event.as_str())
    }
}

string_enum! {
    /// How a stored hook's last run went (`last_run.phase`).
    #[derive(Default)]
    HookPhase {
        /// `""`: the hook has not run (for example a test hook before `helm test`).
        #[default]
        NotRun => "",
        /// `Unknown`.
        Unknown => "Unknown",
        /// `Running`.
        Running => "Running",
        /// `Succeeded`.
        Succeeded => "Succeeded",
        /// `Failed`.
        Failed => "Failed",
    }
}

// ---------------------------------------------------------------------------------------------
// The record

/// One revision of a release (Helm's `release.v1.Release`). Fields are in Helm's order, which
/// is the order of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// The release name.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// Status, times, description and notes.
    #[serde(default, deserialize_with = "nullable")]
    pub info: Info,
    /// The chart as installed (after dependency processing), without its subcharts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartRecord>,
    /// The user-supplied values (what `helm get values` prints).
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "nullable"
    )]
    pub config: Map<String, Value>,
    /// The rendered resources, `---\n# Source: <path>\n<text>\n` per document.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub manifest: String,
    /// The hooks, in the order Helm sorted them for install.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub hooks: Vec<HookRecord>,
    /// The revision, from 1.
    #[serde(
        default,
        skip_serializing_if = "is_zero_i32",
        deserialize_with = "nullable"
    )]
    pub version: i32,
    /// The release namespace.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub namespace: String,
    /// `ssa` or `csa` (empty means client-side).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub apply_method: String,
    /// The release's own labels (`helm install --labels`), which Helm keeps on the Secret, not
    /// in the JSON. [`SYSTEM_LABELS`] are never among them.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// The Secret's annotations. Helm neither writes nor copies them, so they tell who wrote a
    /// Secret (a `helm upgrade` copies the previous revision's labels into its new one).
    #[serde(skip)]
    pub annotations: BTreeMap<String, String>,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Release {
    /// The name of the Secret holding this revision.
    pub fn secret_name(&self) -> String {
        secret_name(&self.name, self.version)
    }
}

/// A revision's status and history (Helm's `Info`). Times Go considers zero are omitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// When the release was first installed.
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub first_deployed: GoTime,
    /// When this revision was deployed.
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub last_deployed: GoTime,
    /// When it was uninstalled (with `--keep-history`).
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub deleted: GoTime,
    /// Helm's log line for the revision (`Install complete`, `Upgrade complete`, ...).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub description: String,
    /// The status.
    #[serde(default, skip_serializing_if = "Status::is_empty")]
    pub status: Status,
    /// The rendered `NOTES.txt`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub notes: String,
    /// Deployed resources by kind, as some Helm actions fill it (not stored by install or
    /// upgrade).
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "nullable"
    )]
    pub resources: Map<String, Value>,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A hook of a revision (Helm's `Hook`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookRecord {
    /// `metadata.name` of the hook resource.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// Its kind.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub kind: String,
    /// The render path (`<chart>/templates/<file>`).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub path: String,
    /// The document text.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub manifest: String,
    /// The events it fires on, in annotation order.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub events: Vec<HookEvent>,
    /// Its last run (always written, `{"phase":""}` before any).
    #[serde(default, deserialize_with = "nullable")]
    pub last_run: HookExecution,
    /// `helm.sh/hook-weight`.
    #[serde(
        default,
        skip_serializing_if = "is_zero_i64",
        deserialize_with = "nullable"
    )]
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries as written.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "delete_policies"
    )]
    pub delete_policies: Vec<HookDeletePolicy>,
    /// `helm.sh/hook-output-log-policy` entries.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub output_log_policies: Vec<String>,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HookRecord {
    /// The record of a hook the engine rendered, not yet run.
    pub fn from_hook(hook: &Hook) -> HookRecord {
        HookRecord {
            name: hook.name.clone(),
            kind: hook.kind.clone(),
            path: hook.path.clone(),
            manifest: hook.manifest.clone(),
            events: hook.events.iter().map(|e| HookEvent::from(*e)).collect(),
            last_run: HookExecution::default(),
            weight: hook.weight,
            delete_policies: hook.delete_policies.clone(),
            output_log_policies: hook.output_log_policies.clone(),
            extra: Map::new(),
        }
    }

    /// The hook as the engine runs it (for the stored hooks that uninstall and rollback run).
    /// Events the engine does not know are left out: they never fire in Helm either.
    pub fn to_hook(&self) -> Hook {
        Hook {
            name: self.name.clone(),
            kind: self.kind.clone(),
            path: self.path.clone(),
            manifest: self.manifest.clone(),
            events: self
                .events
                .iter()
                .filter_map(HookEvent::to_engine)
                .collect(),
            weight: self.weight,
            delete_policies: self.delete_policies.clone(),
            output_log_policies: self.output_log_policies.clone(),
        }
    }
}

/// When a hook last ran and how it went (Helm's `HookExecution`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    /// When it started (omitted while zero).
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub started_at: GoTime,
    /// When it completed (omitted while zero).
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub completed_at: GoTime,
    /// How it went (always written).
    #[serde(default)]
    pub phase: HookPhase,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// The chart inside the record

/// The chart of a revision (Helm's `chart/v2.Chart` as JSON): the top chart only, its
/// subcharts are not stored. Go's nil (`null`) and empty values are told apart so that a
/// record Helm wrote encodes back to the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRecord {
    /// `Chart.yaml`.
    #[serde(default)]
    pub metadata: Option<ChartMetadata>,
    /// `Chart.lock`.
    #[serde(default)]
    pub lock: Option<ChartLock>,
    /// The files under `templates/`.
    #[serde(default)]
    pub templates: Option<Vec<ChartFile>>,
    /// The chart's values as Helm left them after dependency processing (with subcharts,
    /// Helm stores the coalesced defaults here, not `values.yaml` as written).
    #[serde(default)]
    pub values: Option<Map<String, Value>>,
    /// `values.schema.json`.
    #[serde(default, with = "go_bytes")]
    pub schema: Option<Vec<u8>>,
    /// When `values.schema.json` was modified (always written, zero when unknown).
    #[serde(default)]
    pub schemamodtime: GoTime,
    /// The other files (`.Files`, `crds/`, README, ...).
    #[serde(default)]
    pub files: Option<Vec<ChartFile>>,
    /// When `Chart.yaml` was modified (omitted while zero).
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub modtime: GoTime,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChartRecord {
    /// The record of a chart as the engine holds it. Pass the chart as it was installed, i.e.
    /// after dependency processing ([`crate::engine::chart::values::prepare`]'s chart): Helm
    /// stores the processed metadata (`enabled` set on dependencies) and values.
    ///
    /// The engine's chart has no `Chart.lock` and no modification times, so `lock` is null and
    /// the times are zero (Helm reads such records without complaint). Empty templates, files
    /// and values become null, as Helm's loader leaves them when the chart has none.
    pub fn from_chart(chart: &Chart) -> ChartRecord {
        let files = |files: &[File]| -> Option<Vec<ChartFile>> {
            (!files.is_empty()).then(|| files.iter().map(ChartFile::from_file).collect())
        };
        ChartRecord {
            metadata: Some(ChartMetadata::from_metadata(&chart.metadata)),
            lock: None,
            templates: files(&chart.templates),
            values: (!chart.values.is_empty()).then(|| chart.values.clone()),
            schema: chart.schema.as_ref().map(|s| s.to_vec()),
            schemamodtime: GoTime::zero(),
            files: files(&chart.files),
            modtime: GoTime::zero(),
            extra: Map::new(),
        }
    }

    /// The chart's name (empty without metadata).
    pub fn name(&self) -> &str {
        self.metadata.as_ref().map_or("", |m| m.name.as_str())
    }

    /// The chart's version (empty without metadata).
    pub fn version(&self) -> &str {
        self.metadata.as_ref().map_or("", |m| m.version.as_str())
    }

    /// The chart's `appVersion` (empty without metadata).
    pub fn app_version(&self) -> &str {
        self.metadata
            .as_ref()
            .map_or("", |m| m.app_version.as_str())
    }
}

/// A chart file: path relative to the chart root and bytes (base64 in the JSON, as Go writes
/// `[]byte`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartFile {
    /// Path relative to the chart root.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Contents (`None` is Go's nil, written `null`).
    #[serde(default, with = "go_bytes")]
    pub data: Option<Vec<u8>>,
    /// When the file was modified (omitted while zero).
    #[serde(default, skip_serializing_if = "GoTime::is_zero")]
    pub modtime: GoTime,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChartFile {
    fn from_file(file: &File) -> ChartFile {
        ChartFile {
            name: file.name.clone(),
            data: Some(file.data.to_vec()),
            modtime: GoTime::zero(),
            extra: Map::new(),
        }
    }
}

/// `Chart.yaml` as the record holds it (every field omitted while empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartMetadata {
    /// `name`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// `home`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub home: String,
    /// `sources`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub sources: Vec<String>,
    /// `version`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub version: String,
    /// `description`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub description: String,
    /// `keywords`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub keywords: Vec<String>,
    /// `maintainers`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub maintainers: Vec<MaintainerRecord>,
    /// `icon`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub icon: String,
    /// `apiVersion`.
    #[serde(
        default,
        rename = "apiVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub api_version: String,
    /// `condition`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub condition: String,
    /// `tags`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub tags: String,
    /// `appVersion`.
    #[serde(
        default,
        rename = "appVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub app_version: String,
    /// `deprecated`.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "nullable"
    )]
    pub deprecated: bool,
    /// `annotations`.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`.
    #[serde(
        default,
        rename = "kubeVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub kube_version: String,
    /// `dependencies`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub dependencies: Vec<DependencyRecord>,
    /// `type`.
    #[serde(
        default,
        rename = "type",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub chart_type: String,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChartMetadata {
    /// The record of the engine's metadata.
    pub fn from_metadata(md: &Metadata) -> ChartMetadata {
        ChartMetadata {
            name: md.name.clone(),
            home: md.home.clone(),
            sources: md.sources.clone(),
            version: md.version.clone(),
            description: md.description.clone(),
            keywords: md.keywords.clone(),
            maintainers: md
                .maintainers
                .iter()
                .map(MaintainerRecord::from_maintainer)
                .collect(),
            icon: md.icon.clone(),
            api_version: md.api_version.clone(),
            condition: md.condition.clone(),
            tags: md.tags.clone(),
            app_version: md.app_version.clone(),
            deprecated: md.deprecated,
            annotations: md.annotations.clone(),
            kube_version: md.kube_version.clone(),
            dependencies: md
                .dependencies
                .iter()
                .map(DependencyRecord::from_dependency)
                .collect(),
            chart_type: md.chart_type.clone(),
            extra: Map::new(),
        }
    }
}

/// A maintainer in `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MaintainerRecord {
    /// `name`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// `email`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub email: String,
    /// `url`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub url: String,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MaintainerRecord {
    fn from_maintainer(m: &Maintainer) -> MaintainerRecord {
        MaintainerRecord {
            name: m.name.clone(),
            email: m.email.clone(),
            url: m.url.clone(),
            extra: Map::new(),
        }
    }
}

/// A dependency in `Chart.yaml` or `Chart.lock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DependencyRecord {
    /// `name` (always written).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// `version`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub version: String,
    /// `repository` (always written).
    #[serde(default, deserialize_with = "nullable")]
    pub repository: String,
    /// `condition`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub condition: String,
    /// `tags`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub tags: Vec<String>,
    /// `enabled` (set by dependency processing).
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "nullable"
    )]
    pub enabled: bool,
    /// `import-values`.
    #[serde(
        default,
        rename = "import-values",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub import_values: Vec<Value>,
    /// `alias`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub alias: String,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DependencyRecord {
    fn from_dependency(d: &Dependency) -> DependencyRecord {
        DependencyRecord {
            name: d.name.clone(),
            version: d.version.clone(),
            repository: d.repository.clone(),
            condition: d.condition.clone(),
            tags: d.tags.clone(),
            enabled: d.enabled,
            import_values: d.import_values.clone(),
            alias: d.alias.clone(),
            extra: Map::new(),
        }
    }
}

/// `Chart.lock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartLock {
    /// `generated`.
    #[serde(default)]
    pub generated: GoTime,
    /// `digest`.
    #[serde(default, deserialize_with = "nullable")]
    pub digest: String,
    /// `dependencies` (`None` is Go's nil, written `null`).
    #[serde(default)]
    pub dependencies: Option<Vec<DependencyRecord>>,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// serde helpers

/// Reads `null` as the type's empty value, as Go leaves a field zero on `null`.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// Go's `[]byte` in JSON: standard base64 with padding, nil as `null`.
mod go_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&B64.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => B64
                .decode(text.as_bytes())
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// Delete policies as their text (unknown ones kept).
mod delete_policies {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[HookDeletePolicy], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(HookDeletePolicy::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<HookDeletePolicy>, D::Error> {
        let texts = Option::<Vec<String>>::deserialize(d)?.unwrap_or_default();
        Ok(texts
            .into_iter()
            .map(|t| match t.as_str() {
                "before-hook-creation" => HookDeletePolicy::BeforeHookCreation,
                "hook-succeeded" => HookDeletePolicy::HookSucceeded,
                "hook-failed" => HookDeletePolicy::HookFailed,
                _ => HookDeletePolicy::Other(t),
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// JSON as Go's encoding/json writes it

/// serde_json's compact output with Go's two differences: numbers that are floats are written
/// as Go's `float64` encoder writes them (`3`, `1e+21`, `1e-7`, `123456789012345680`), and
/// `<`, `>`, `&`, U+2028 and U+2029 in strings are escaped (`json.Marshal` escapes HTML).
/// Map keys are already sorted bytewise, as Go sorts them.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(go_float(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(go_float(f64::from(value)).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Go's `encoding/json` text of a `float64`: the shortest digits that read back, in plain
/// notation from 1e-6 up to 1e21 and in exponent notation (`1e+21`, `1.5e-10`) outside.
fn go_float(value: f64) -> String {
    let abs = value.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        match exponent.strip_prefix('-') {
            Some(negative) => format!("{mantissa}e-{negative}"),
            None => format!("{mantissa}e+{exponent}"),
        }
    } else {
        // Rust's Display is the shortest round-trip form without an exponent, as Go's 'f'.
        format!("{value}")
    }
}

/// The release JSON exactly as Helm's `json.Marshal` writes it (before compression).
///
/// # Errors
/// [`StorageError::Encode`] when a time is outside Go's years 0 to 9999.
pub fn release_json(release: &Release) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    release
        .serialize(&mut serializer)
        .map_err(|e| StorageError::Encode {
            release: release.name.clone(),
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// Helm's `encodeRelease`: base64 (standard, padded) of the gzip (best compression) of the
/// release JSON. This text is the Secret's `data.release` before the API's own base64.
///
/// # Errors
/// As [`release_json`].
pub fn encode_release(release: &Release) -> Result<String, StorageError> {
    let json = release_json(release)?;
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 4 + 64),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let compressed = gz
        .write_all(&json)
        .and_then(|()| gz.finish())
        .map_err(|e| StorageError::Encode {
            release: release.name.clone(),
            reason: e.to_string(),
        })?;
    Ok(B64.encode(compressed))
}

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Helm's `decodeRelease`: `data` is the Secret's `data.release` (base64 text; line breaks are
/// ignored as Go ignores them); the decoded bytes are gzip when they start with gzip's magic,
/// plain JSON otherwise (records from before Helm compressed them).
///
/// # Errors
/// [`StorageError::Base64`], [`StorageError::Gzip`] or [`StorageError::Json`].
pub fn decode_release(data: &[u8]) -> Result<Release, StorageError> {
    let text: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    let raw = B64
        .decode(&text)
        .map_err(|e| StorageError::Base64(e.to_string()))?;
    let json = if raw.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| StorageError::Gzip(e.to_string()))?;
        out
    } else {
        raw
    };
    serde_json::from_slice(&json).map_err(|e| StorageError::Json(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// `sh.helm.release.v1.<name>.v<revision>`, the Secret holding one revision.
pub fn secret_name(release: &str, revision: i32) -> String {
    format!("{SECRET_NAME_PREFIX}.{release}.v{revision}")
}

/// The label selector of every revision of a release (Helm's `History` query).
pub fn label_selector(release: &str) -> String {
    format!("name={release},owner={OWNER}")
}

/// The label selector of a release's deployed revisions (Helm's `DeployedAll` query).
pub fn deployed_label_selector(release: &str) -> String {
    format!("name={release},owner={OWNER},status=deployed")
}

/// The label selector of every release record in a namespace (Helm's `List`).
pub fn owner_label_selector() -> String {
    format!("owner={OWNER}")
}

/// Whether Helm manages the label itself (see [`SYSTEM_LABELS`]).
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// The time label Helm's driver adds to a Secret it writes: `createdAt` when it creates the
/// Secret, `modifiedAt` when it replaces it (Unix seconds). A replaced Secret loses its
/// `createdAt`, as with Helm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelStamp {
    /// `createdAt=<unix seconds>`, for a new Secret.
    Created(i64),
    /// `modifiedAt=<unix seconds>`, for a Secret that replaces the revision's Secret.
    Modified(i64),
}

/// The Secret Helm's driver writes for a revision: name [`secret_name`], the release's
/// namespace, type [`SECRET_TYPE`], labels = the release's own labels plus the time stamp and
/// `name`, `owner=helm`, `status`, `version`, and `data.release` = [`encode_release`].
///
/// Helm copies the time labels of the Secret it read into the one it writes back; this writes
/// only the stamp given (Helm reads neither).
///
/// # Errors
/// As [`encode_release`].
pub fn release_secret(release: &Release, stamp: LabelStamp) -> Result<Secret, StorageError> {
    let mut labels: BTreeMap<String, String> = release
        .labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match stamp {
        LabelStamp::Created(at) => labels.insert("createdAt".to_owned(), at.to_string()),
        LabelStamp::Modified(at) => labels.insert("modifiedAt".to_owned(), at.to_string()),
    };
    labels.insert("name".to_owned(), release.name.clone());
    labels.insert("owner".to_owned(), OWNER.to_owned());
    labels.insert("status".to_owned(), release.info.status.as_str().to_owned());
    labels.insert("version".to_owned(), release.version.to_string());
    let data = encode_release(release)?;
    Ok(Secret {
        metadata: ObjectMeta {
            name: Some(release.secret_name()),
            namespace: (!release.namespace.is_empty()).then(|| release.namespace.clone()),
            labels: Some(labels),
            annotations: (!release.annotations.is_empty()).then(|| release.annotations.clone()),
            ..ObjectMeta::default()
        },
        type_: Some(SECRET_TYPE.to_owned()),
        data: Some(BTreeMap::from([(
            DATA_KEY.to_owned(),
            ByteString(data.into_bytes()),
        )])),
        ..Secret::default()
    })
}

/// Reads the revision a Secret holds; [`Release::labels`] gets the Secret's labels other than
/// [`SYSTEM_LABELS`]. The Secret's type is not checked (Helm selects by label only).
///
/// # Errors
/// [`StorageError::MissingData`], or [`StorageError::InSecret`] around the decoding error; both
/// name the Secret.
pub fn release_from_secret(secret: &Secret) -> Result<Release, StorageError> {
    let id = format!(
        "{}/{}",
        secret.metadata.namespace.as_deref().unwrap_or(""),
        secret.metadata.name.as_deref().unwrap_or("")
    );
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get(DATA_KEY))
        .ok_or_else(|| StorageError::MissingData { secret: id.clone() })?;
    let mut release = decode_release(&data.0).map_err(|e| StorageError::InSecret {
        secret: id,
        source: Box::new(e),
    })?;
    release.labels = secret
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    release.annotations = secret.metadata.annotations.clone().unwrap_or_default();
    Ok(release)
}

// ---------------------------------------------------------------------------------------------
// Picking revisions as Helm's storage does

/// Sorts revisions oldest first (the order `helm history` prints).
pub fn history_order(releases: &mut [Release]) {
    releases.sort_by_key(|r| r.version);
}

/// Helm's `Last`: the highest revision, whatever its status.
pub fn latest(releases: &[Release]) -> Option<&Release> {
    releases.iter().max_by_key(|r| r.version)
}

/// Helm's `Deployed`: the highest revision whose status is `deployed` (several can be, after a
/// concurrent run corrupted the history).
pub fn deployed(releases: &[Release]) -> Option<&Release> {
    releases
        .iter()
        .filter(|r| r.info.status == Status::Deployed)
        .max_by_key(|r| r.version)
}

/// The revisions Helm deletes before it creates a new one when the history is capped at
/// `max_history` revisions (`--history-max`; 0 keeps everything): the oldest first, never the
/// last deployed one, until the history plus the new revision fits.
pub fn revisions_to_prune(releases: &[Release], max_history: usize) -> Vec<i32> {
    if max_history == 0 {
        return Vec::new();
    }
    // Helm makes room for the revision it is about to create.
    let keep = max_history - 1;
    if releases.len() <= keep {
        return Vec::new();
    }
    let mut oldest_first: Vec<&Release> = releases.iter().collect();
    oldest_first.sort_by_key(|r| r.version);
    let last_deployed = deployed(releases).map(|r| r.version);
    let mut prune = Vec::new();
    for r in oldest_first {
        if releases.len() - prune.len() == keep {
            break;
        }
        if Some(r.version) != last_deployed {
            prune.push(r.version);
        }
    }
    prune
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    // Every expected value below was produced by Helm v4.2.3 (helm_python) installing charts
    // against the project's API emulator and read back from the Secrets it wrote.

    /// `data.release` (after the API's base64) of `sh.helm.release.v1.mini.v1`: a chart with
    /// one template and no values, installed without values, later superseded.
    #[rustfmt::skip]
    const MINI_V1_DATA: &str = concat!(
        "H4sIAAAAAAAC/5SSW0/jPBCG/0o0321S7JQ2xZfwQYlYdsVh2zSbFXJjJzX1IYqdQIX47ysH0YK4WK1kRcnE887heV",
        "9AU8WBgBJaQAhCVwbIC1Site6B8UaaHWdAIEbxNMI4ik/u4zHBiIyPRzhJZmgcT5McQpD0HxMYt2UrGieMBgKpto5K",
        "GZRGNZI7DiFYR11ngYDtGt5azjiD1xDKDW2d71FxRxl11L9/nqLnrX2TRSM8QhACbcRiH+xjryNNuQWiOylDcFw1kj",
        "pugfzai+2DR6Ua7aiSvumhHqyy02ahFrsylv360dTs8fyKxrLL/zf1TXzS5Urq++XF05nCks0vtqvsdvOjNnU6n2zW",
        "y5/T9NIl6dnkLl8+y1X2XX7bDvG6ypBbL2VHb5oPOefv95er5TPOs+tudXc6S+e3MlcXeH15U6e6FunlU11mi57NB5",
        "0rCEEZ5sQwyxcacTKaJcnxZDYdJzm8/g6hp7LzC3jbiC03XNHPXwc5hBCOhnOPEBmOR1oJeVD4a/EYo8lkknsWimpR",
        "ceuAQBRFhf4vuDNdW3ISeKJHX0gU+gCUBD0u9FZoRoIzoytRX9Om0O/uIIUOAk/0TSvyj0Lv/1ASFPBcQKEL/dE5OB",
        "xsYBta+hEYr2gn3eCkRu4eFHcb421uLYXXPwEAAP//O4jtPEYDAAA=",
    );
    const RICH2_JSON: &str = r#"{"name":"rich2","info":{"first_deployed":"2026-11-29T23:10:39.802390305Z","last_deployed":"2026-11-29T23:10:39.802390305Z","description":"custom \u003cdesc\u003e","status":"deployed","notes":"Notes \u003cfor\u003e rich2 \u0026 friends.\n"},"chart":{"metadata":{"name":"rich","home":"https://example.com/rich","sources":["https://example.com/src1","https://example.com/src2"],"version":"1.0.0-rc.1+build.5","description":"Rich \u003cchart\u003e \u0026 more   é","keywords":["alpha","beta"],"maintainers":[{"name":"Ann","email":"ann@example.com"},{"name":"Bob","url":"https://bob.example.com"}],"icon":"https://example.com/icon.png","apiVersion":"v2","appVersion":"2.0","deprecated":true,"annotations":{"category":"Test","example.com/x":"y"},"kubeVersion":"\u003e=1.20.0-0","type":"application"},"lock":{"generated":"2024-05-06T07:08:09.123456789+02:00","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","dependencies":[]},"templates":[{"name":"templates/NOTES.txt","data":"Tm90ZXMgPGZvcj4ge3sgLlJlbGVhc2UuTmFtZSB9fSAmIGZyaWVuZHMuCg==","modtime":"2026-11-29T23:10:27.894658145Z"},{"name":"templates/cm.yaml","data":"YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnTWFwCm1ldGFkYXRhOgogIG5hbWU6IHt7IC5SZWxlYXNlLk5hbWUgfX0tcmljaApkYXRhOgogIHM6IHt7IC5WYWx1ZXMuc3RyIHwgcXVvdGUgfX0KICBodG1sOiAiPGI+JmFtcDs8L2I+Igo=","modtime":"2026-11-29T23:10:27.888914716Z"},{"name":"templates/hooks.yaml","data":"YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnTWFwCm1ldGFkYXRhOgogIG5hbWU6IHt7IC5SZWxlYXNlLk5hbWUgfX0tcG9zdAogIGFubm90YXRpb25zOgogICAgImhlbG0uc2gvaG9vayI6IHBvc3QtaW5zdGFsbCxwb3N0LXVwZ3JhZGUscHJlLXJvbGxiYWNrCiAgICAiaGVsbS5zaC9ob29rLXdlaWdodCI6ICItMyIKICAgICJoZWxtLnNoL2hvb2stZGVsZXRlLXBvbGljeSI6IGhvb2stZmFpbGVkLGhvb2stc3VjY2VlZGVkCmRhdGE6IHt9Ci0tLQphcGlWZXJzaW9uOiB2MQpraW5kOiBQb2QKbWV0YWRhdGE6CiAgbmFtZToge3sgLlJlbGVhc2UuTmFtZSB9fS1sb2dwb2QKICBhbm5vdGF0aW9uczoKICAgICJoZWxtLnNoL2hvb2siOiB0ZXN0CiAgICAiaGVsbS5zaC9ob29rLW91dHB1dC1sb2ctcG9saWN5IjogaG9vay1zdWNjZWVkZWQsaG9vay1mYWlsZWQKc3BlYzoKICByZXN0YXJ0UG9saWN5OiBOZXZlcgogIGNvbnRhaW5lcnM6CiAgICAtIG5hbWU6IGMKICAgICAgaW1hZ2U6IGJ1c3lib3gK","modtime":"2026-11-29T23:10:27.890372823Z"}],"values":{"big":1e+21,"empty":{},"emptylist":[],"float3":3,"huge":123456789012345680,"int":42,"list":[1,"two",true,null,{"k":"v"}],"neg":-7,"nul":null,"ratio":0.1,"small":1e-7,"str":"a \u003cb\u003e \u0026 c \u2028 d \t tab \u0001 ctl é 😀","tiny":1.5e-10},"schema":"eyJ0eXBlIjogIm9iamVjdCJ9Cg==","schemamodtime":"2026-11-29T23:10:27.902873576Z","files":[{"name":"README.md","data":"cmVhZG1lCg==","modtime":"2026-11-29T23:10:27.902873576Z"}],"modtime":"2026-11-29T23:10:27.883696022Z"},"config":{"big":1e+21,"emptyobj":{},"f":2.5,"i":7,"neg":-0,"nested":{"a":[1.5,null,true],"z":1},"str":"x\u003cy\u003e\u0026z\u2028\u2029\t é 😀","tiny":1e-7},"manifest":"---\n# Source: rich/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rich2-rich\ndata:\n  s: \"x\u003cy\u003e\u0026z\\u2028\\u2029\\t é 😀\"\n  html: \"\u003cb\u003e\u0026amp;\u003c/b\u003e\"\n\n","hooks":[{"name":"rich2-post","kind":"ConfigMap","path":"rich/templates/hooks.yaml","manifest":"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rich2-post\n  annotations:\n    \"helm.sh/hook\": post-install,post-upgrade,pre-rollback\n    \"helm.sh/hook-weight\": \"-3\"\n    \"helm.sh/hook-delete-policy\": hook-failed,hook-succeeded\ndata: {}","events":["post-install","post-upgrade","pre-rollback"],"last_run":{"started_at":"2026-11-29T23:10:39.98341603Z","completed_at":"2026-11-29T23:10:40.043308962Z","phase":"Succeeded"},"weight":-3,"delete_policies":["hook-failed","hook-succeeded"]},{"name":"rich2-logpod","kind":"Pod","path":"rich/templates/hooks.yaml","manifest":"apiVersion: v1\nkind: Pod\nmetadata:\n  name: rich2-logpod\n  annotations:\n    \"helm.sh/hook\": test\n    \"helm.sh/hook-output-log-policy\": hook-succeeded,hook-failed\nspec:\n  restartPolicy: Never\n  containers:\n    - name: c\n      image: busybox\n","events":["test"],"last_run":{"phase":""},"output_log_policies":["hook-succeeded","hook-failed"]}],"version":1,"namespace":"default","apply_method":"ssa"}"#;

    /// Helm's JSON of `sh.helm.release.v1.rich2.v1`: Chart.lock, maintainers, annotations,
    /// schema, a file, hooks with weights, delete and output-log policies, a hook that ran and
    /// one that did not, floats Go writes in both notations, HTML and U+2028 escapes.
    fn rich2() -> Release {
        serde_json::from_str(RICH2_JSON).unwrap()
    }

    fn gunzip_base64(data: &str) -> Vec<u8> {
        let raw = B64.decode(data).unwrap();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn a_gzip_record_helm_wrote_decodes_to_its_fields() {
        let r = decode_release(MINI_V1_DATA.as_bytes()).unwrap();
        assert_eq!(r.name, "mini");
        assert_eq!(r.namespace, "default");
        assert_eq!(r.version, 1);
        assert_eq!(r.info.status, Status::Superseded);
        assert_eq!(r.info.description, "Install complete");
        assert_eq!(
            r.info.first_deployed.to_string(),
            "2026-11-29T23:10:34.177803267Z"
        );
        assert_eq!(r.info.last_deployed, r.info.first_deployed);
        assert!(r.info.deleted.is_zero());
        assert_eq!(r.info.notes, "");
        assert!(r.config.is_empty());
        assert!(r.hooks.is_empty());
        assert_eq!(r.apply_method, APPLY_METHOD_SERVER_SIDE);
        assert_eq!(
            r.manifest,
            "---\n# Source: mini/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mini-mini\ndata:\n  a: \"x\"\n\n"
        );
        let chart = r.chart.as_ref().unwrap();
        assert_eq!(
            (chart.name(), chart.version(), chart.app_version()),
            ("mini", "0.1.0", "")
        );
        let templates = chart.templates.as_ref().unwrap();
        assert_eq!(templates.len(), 1);
        assert_eq!(templates[0].name, "templates/cm.yaml");
        assert!(
            templates[0]
                .data
                .as_deref()
                .unwrap()
                .starts_with(b"apiVersion: v1\nkind: ConfigMap\n")
        );
        assert_eq!(
            templates[0].modtime.to_string(),
            "2026-11-29T23:10:27.877458637Z"
        );
        assert_eq!((chart.values.as_ref(), chart.schema.as_ref()), (None, None));
        assert!(chart.files.is_none() && chart.lock.is_none());
        assert!(chart.schemamodtime.is_zero());
        assert!(r.extra.is_empty() && chart.extra.is_empty());
    }

    #[test]
    fn a_record_helm_wrote_encodes_back_to_the_same_json_bytes() {
        let json = gunzip_base64(MINI_V1_DATA);
        let mini: Release = serde_json::from_slice(&json).unwrap();
        assert_eq!(release_json(&mini).unwrap(), json);
        let rich = rich2();
        assert_eq!(
            String::from_utf8(release_json(&rich).unwrap()).unwrap(),
            RICH2_JSON
        );
    }

    #[test]
    fn the_rich_record_s_fields_read_as_helm_reports_them() {
        let r = rich2();
        assert_eq!(r.info.description, "custom <desc>");
        assert_eq!(r.info.notes, "Notes <for> rich2 & friends.\n");
        let chart = r.chart.as_ref().unwrap();
        let md = chart.metadata.as_ref().unwrap();
        assert_eq!(md.version, "1.0.0-rc.1+build.5");
        assert_eq!(md.maintainers[1].url, "https://bob.example.com");
        assert!(md.deprecated);
        assert_eq!(md.annotations["example.com/x"], "y");
        let lock = chart.lock.as_ref().unwrap();
        assert_eq!(
            lock.generated.to_string(),
            "2024-05-06T07:08:09.123456789+02:00"
        );
        assert_eq!(lock.dependencies.as_deref(), Some(&[][..]));
        assert_eq!(
            chart.schema.as_deref(),
            Some(&b"{\"type\": \"object\"}\n"[..])
        );
        assert_eq!(r.config["str"], "x<y>&z\u{2028}\u{2029}\t é 😀");
        assert_eq!(r.config["big"].as_f64(), Some(1e21));
        let post = &r.hooks[0];
        assert_eq!(
            post.events,
            [
                HookEvent::PostInstall,
                HookEvent::PostUpgrade,
                HookEvent::PreRollback
            ]
        );
        assert_eq!(post.weight, -3);
        assert_eq!(
            post.delete_policies,
            [
                HookDeletePolicy::HookFailed,
                HookDeletePolicy::HookSucceeded
            ]
        );
        assert_eq!(post.last_run.phase, HookPhase::Succeeded);
        assert_eq!(
            post.last_run.completed_at.to_string(),
            "2026-11-29T23:10:40.043308962Z"
        );
        let test = &r.hooks[1];
        assert_eq!(test.events, [HookEvent::Test]);
        assert_eq!(test.last_run, HookExecution::default());
        assert_eq!(test.output_log_policies, ["hook-succeeded", "hook-failed"]);
    }

    #[test]
    fn gzip_and_plain_json_data_decode_to_the_same_release() {
        let plain = B64.encode(gunzip_base64(MINI_V1_DATA));
        assert_eq!(
            decode_release(plain.as_bytes()).unwrap(),
            decode_release(MINI_V1_DATA.as_bytes()).unwrap()
        );
        // Go's base64 decoder skips line breaks.
        let wrapped = MINI_V1_DATA
            .as_bytes()
            .chunks(76)
            .collect::<Vec<_>>()
            .join(&b"\r\n"[..]);
        assert!(decode_release(&wrapped).is_ok());
    }

    #[test]
    fn encoding_is_base64_of_gzip_and_decodes_to_the_same_release() {
        let r = rich2();
        let data = encode_release(&r).unwrap();
        // Helm's records start with the same gzip header bytes.
        assert_eq!(&data[..10], &MINI_V1_DATA[..10]);
        assert_eq!(gunzip_base64(&data), RICH2_JSON.as_bytes());
        assert_eq!(decode_release(data.as_bytes()).unwrap(), r);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = RICH2_JSON
            .replacen(
                "{\"name\":\"rich2\",",
                "{\"name\":\"rich2\",\"zz_new\":[1],",
                1,
            )
            .replacen(
                "\"phase\":\"Succeeded\"",
                "\"phase\":\"Succeeded\",\"exit\":0",
                1,
            );
        let r: Release = serde_json::from_str(&json).unwrap();
        assert_eq!(r.extra["zz_new"], serde_json::json!([1]));
        assert_eq!(r.hooks[0].last_run.extra["exit"], 0);
        let out = String::from_utf8(release_json(&r).unwrap()).unwrap();
        assert!(out.ends_with(",\"zz_new\":[1]}"), "{out}");
        assert!(out.contains("\"phase\":\"Succeeded\",\"exit\":0}"));
    }

    #[test]
    fn info_times_keep_their_zone_and_zero_times_are_omitted() {
        // uninstalled with --keep-history (rich.v1), and written by a Helm in zone -03:30
        for json in [
            r#"{"first_deployed":"2026-11-29T23:10:34.402905505Z","last_deployed":"2026-11-29T23:10:34.402905505Z","deleted":"2026-11-29T23:10:34.497227521Z","description":"Uninstallation complete","status":"uninstalled","notes":"Notes \u003cfor\u003e rich \u0026 friends.\n"}"#,
            r#"{"first_deployed":"2026-11-29T19:41:59.022693708-03:30","last_deployed":"2026-11-29T19:41:59.383964955-03:30","description":"Upgrade complete","status":"superseded"}"#,
        ] {
            let info: Info = serde_json::from_str(json).unwrap();
            let mut out = Vec::new();
            info.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out,
                GoFormatter,
            ))
            .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), json);
        }
        // Helm reads "" and null as the zero time, and then omits it
        let info: Info =
            serde_json::from_str(r#"{"first_deployed":"","deleted":null,"status":"failed"}"#)
                .unwrap();
        assert!(info.first_deployed.is_zero() && info.deleted.is_zero());
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"status":"failed"}"#
        );
    }

    #[test]
    fn go_times_print_as_go_prints_them() {
        for text in [
            "2026-11-29T23:08:54.06432234Z",
            "2026-11-29T23:10:28Z",
            "2026-11-29T19:41:59.022693708-03:30",
            "2024-05-06T07:08:09.123456789+02:00",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(GoTime::parse(text).unwrap().to_string(), text);
        }
        assert!(GoTime::zero().is_zero());
        assert_eq!(GoTime::default().to_string(), "0001-01-01T00:00:00Z");
        let t = GoTime::parse("2026-11-29T19:41:59.022693708-03:30").unwrap();
        assert_eq!(
            GoTime::utc(t.timestamp()).to_string(),
            "2026-11-29T23:11:59.022693708Z"
        );
        assert_eq!(t.offset().seconds(), -(3 * 3600 + 30 * 60));
        let ts: jiff::Timestamp = "2026-11-29T23:08:54.064323400Z".parse().unwrap();
        assert_eq!(GoTime::from(ts).to_string(), "2026-11-29T23:08:54.0643234Z");
        for bad in [
            "2026-11-29 23:08:54Z",
            "2026-11-29T23:08:54",
            "2026-13-01T00:00:00Z",
        ] {
            assert!(GoTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_use_helm_s_strings() {
        let all = [
            (Status::Unknown, "unknown"),
            (Status::Deployed, "deployed"),
            (Status::Uninstalled, "uninstalled"),
            (Status::Superseded, "superseded"),
            (Status::Failed, "failed"),
            (Status::Uninstalling, "uninstalling"),
            (Status::PendingInstall, "pending-install"),
            (Status::PendingUpgrade, "pending-upgrade"),
            (Status::PendingRollback, "pending-rollback"),
        ];
        for (status, text) in all {
            assert_eq!(status.as_str(), text);
            assert_eq!(Status::from_text(text), status);
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{text}\"")
            );
        }
        assert_eq!(Status::from_text("paused"), Status::Other("paused".into()));
        assert!(Status::PendingUpgrade.is_pending() && !Status::Failed.is_pending());
    }

    #[test]
    fn floats_are_written_as_go_writes_them() {
        // each pair appears in rich2's values or config as Helm wrote them
        for (value, text) in [
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (123_456_789_012_345_680.0, "123456789012345680"),
            (3.0, "3"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (-7.0, "-7"),
        ] {
            assert_eq!(go_float(value), text, "{value:e}");
        }
    }

    #[test]
    fn strings_are_escaped_as_go_escapes_them() {
        let json = |v: &Value| {
            let mut out = Vec::new();
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out,
                GoFormatter,
            ))
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            json(&Value::from("x<y>&z\u{2028}\u{2029}\t é 😀")),
            r#""x\u003cy\u003e\u0026z\u2028\u2029\t é 😀""#
        );
        assert_eq!(
            json(&Value::from("b\u{8}f\u{c}n\nr\rz\u{1f}")),
            r#""b\bf\fn\nr\rz\u001f""#
        );
    }

    #[test]
    fn the_secret_has_helm_s_name_type_and_labels() {
        // the Secret Helm wrote for rich2 (installed with --labels team=x,env=prod)
        let mut r = rich2();
        r.labels = BTreeMap::from([
            ("env".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "x".to_owned()),
            // never copied over Helm's own labels
            ("status".to_owned(), "bogus".to_owned()),
        ]);
        let secret = release_secret(&r, LabelStamp::Modified(1_795_993_840)).unwrap();
        assert_eq!(
            secret.metadata.name.as_deref(),
            Some("sh.helm.release.v1.rich2.v1")
        );
        assert_eq!(secret.metadata.namespace.as_deref(), Some("default"));
        assert_eq!(secret.type_.as_deref(), Some("helm.sh/release.v1"));
        let labels: Vec<(&str, &str)> = secret
            .metadata
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("env", "prod"),
                ("modifiedAt", "1795993840"),
                ("name", "rich2"),
                ("owner", "helm"),
                ("status", "deployed"),
                ("team", "x"),
                ("version", "1"),
            ]
        );
        let created = release_secret(&r, LabelStamp::Created(7)).unwrap();
        let created_labels = created.metadata.labels.unwrap();
        assert_eq!(
            created_labels.get("createdAt").map(String::as_str),
            Some("7")
        );
        assert!(!created_labels.contains_key("modifiedAt"));
        let back = release_from_secret(&secret).unwrap();
        assert_eq!(
            back.labels,
            BTreeMap::from([
                ("env".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "x".to_owned()),
            ])
        );
        assert_eq!(release_json(&back).unwrap(), RICH2_JSON.as_bytes());
    }

    #[test]
    fn names_and_selectors_are_helm_s() {
        assert_eq!(secret_name("web", 12), "sh.helm.release.v1.web.v12");
        assert_eq!(label_selector("web"), "name=web,owner=helm");
        assert_eq!(
            deployed_label_selector("web"),
            "name=web,owner=helm,status=deployed"
        );
        assert_eq!(owner_label_selector(), "owner=helm");
        assert_eq!(rollback_description(1), "Rollback to 1");
        assert!(is_system_label("createdAt") && !is_system_label("team"));
    }

    #[test]
    fn errors_name_the_secret() {
        let mut secret = Secret {
            metadata: ObjectMeta {
                name: Some("sh.helm.release.v1.web.v1".into()),
                namespace: Some("apps".into()),
                ..ObjectMeta::default()
            },
            ..Secret::default()
        };
        assert_eq!(
            release_from_secret(&secret).unwrap_err().to_string(),
            "Secret apps/sh.helm.release.v1.web.v1 holds no release record (no data.release)"
        );
        secret.data = Some(BTreeMap::from([(
            "release".to_owned(),
            ByteString(b"not base64!".to_vec()),
        )]));
        let err = release_from_secret(&secret).unwrap_err().to_string();
        assert!(
            err.starts_with("Secret apps/sh.helm.release.v1.web.v1: release data is not base64: "),
            "{err}"
        );
        secret.data = Some(BTreeMap::from([(
            "release".to_owned(),
            ByteString(B64.encode("{\"name\": 3}").into_bytes()),
        )]));
        let err = release_from_secret(&secret).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "Secret apps/sh.helm.release.v1.web.v1: release data is not a release record: "
            ),
            "{err}"
        );
        let truncated = &MINI_V1_DATA[..200];
        assert!(matches!(
            decode_release(truncated.as_bytes()),
            Err(StorageError::Gzip(_))
        ));
    }

    #[test]
    fn from_chart_writes_the_chart_as_helm_does_apart_from_modification_times() {
        let json = gunzip_base64(MINI_V1_DATA);
        let helm: Release = serde_json::from_slice(&json).unwrap();
        let template = helm.chart.as_ref().unwrap().templates.as_ref().unwrap()[0]
            .data
            .clone()
            .unwrap();
        let chart = Chart {
            metadata: Metadata {
                api_version: "v2".into(),
                name: "mini".into(),
                version: "0.1.0".into(),
                ..Metadata::default()
            },
            templates: vec![File {
                name: "templates/cm.yaml".into(),
                data: Arc::from(template),
            }],
            ..Chart::default()
        };
        let record = Release {
            chart: Some(ChartRecord::from_chart(&chart)),
            ..Release::default()
        };
        let ours = String::from_utf8(release_json(&record).unwrap()).unwrap();
        // Helm's chart JSON of mini.v1 without its two modtime fields
        assert_eq!(
            ours,
            concat!(
                r#"{"info":{},"chart":{"metadata":{"name":"mini","version":"0.1.0","apiVersion":"v2"},"lock":null,"#,
                r#""templates":[{"name":"templates/cm.yaml","data":"YXBpVmVyc2lvbjogdjEKa2luZDogQ29uZmlnTWFwCm1ldGFkYXRhOgogIG5hbWU6IHt7IC5SZWxlYXNlLk5hbWUgfX0tbWluaQpkYXRhOgogIGE6IHt7IC5WYWx1ZXMuYSB8IGRlZmF1bHQgIngiIHwgcXVvdGUgfX0K"}],"#,
                r#""values":null,"schema":null,"schemamodtime":"0001-01-01T00:00:00Z","files":null}}"#
            )
        );
    }

    #[test]
    fn from_chart_carries_every_metadata_field() {
        let r = rich2();
        let helm_md = r.chart.as_ref().unwrap().metadata.clone().unwrap();
        let md = Metadata {
            api_version: "v2".into(),
            name: "rich".into(),
            home: "https://example.com/rich".into(),
            sources: vec![
                "https://example.com/src1".into(),
                "https://example.com/src2".into(),
            ],
            version: "1.0.0-rc.1+build.5".into(),
            description: "Rich <chart> & more   é".into(),
            keywords: vec!["alpha".into(), "beta".into()],
            maintainers: vec![
                Maintainer {
                    name: "Ann".into(),
                    email: "ann@example.com".into(),
                    url: String::new(),
                },
                Maintainer {
                    name: "Bob".into(),
                    email: String::new(),
                    url: "https://bob.example.com".into(),
                },
            ],
            icon: "https://example.com/icon.png".into(),
            app_version: "2.0".into(),
            deprecated: true,
            annotations: BTreeMap::from([
                ("category".into(), "Test".into()),
                ("example.com/x".into(), "y".into()),
            ]),
            kube_version: ">=1.20.0-0".into(),
            chart_type: "application".into(),
            ..Metadata::default()
        };
        assert_eq!(ChartMetadata::from_metadata(&md), helm_md);
    }

    #[test]
    fn hooks_convert_to_and_from_the_engine_s() {
        let r = rich2();
        let hook = r.hooks[0].to_hook();
        assert_eq!(
            hook.events,
            [
                EngineHookEvent::PostInstall,
                EngineHookEvent::PostUpgrade,
                EngineHookEvent::PreRollback
            ]
        );
        let back = HookRecord::from_hook(&hook);
        assert_eq!(
            back,
            HookRecord {
                last_run: HookExecution::default(),
                ..r.hooks[0].clone()
            }
        );
        let odd = HookRecord {
            events: vec![HookEvent::Other("crd-install".into()), HookEvent::Test],
            ..HookRecord::default()
        };
        assert_eq!(odd.to_hook().events, [EngineHookEvent::Test]);
    }

    fn revision(version: i32, status: Status) -> Release {
        Release {
            name: "web".into(),
            version,
            info: Info {
                status,
                ..Info::default()
            },
            ..Release::default()
        }
    }

    #[test]
    fn latest_and_deployed_pick_as_helm_s_storage_does() {
        let mut history = vec![
            revision(3, Status::Failed),
            revision(1, Status::Superseded),
            revision(2, Status::Deployed),
        ];
        assert_eq!(latest(&history).unwrap().version, 3);
        assert_eq!(deployed(&history).unwrap().version, 2);
        history_order(&mut history);
        let order: Vec<i32> = history.iter().map(|r| r.version).collect();
        assert_eq!(order, [1, 2, 3]);
        history[0].info.status = Status::Deployed;
        assert_eq!(deployed(&history).unwrap().version, 2);
        assert!(deployed(&[revision(1, Status::Failed)]).is_none());
        assert!(latest(&[]).is_none());
    }

    #[test]
    fn pruning_replays_what_helm_did_with_history_max_3() {
        // Helm: install failed (v1), then five upgrades with max_history=3 left v4, v5, v6.
        let mut history = vec![revision(1, Status::Failed)];
        for next in 2..=6 {
            let prune = revisions_to_prune(&history, 3);
            history.retain(|r| !prune.contains(&r.version));
            for r in &mut history {
                if r.info.status == Status::Deployed {
                    r.info.status = Status::Superseded;
                }
            }
            history.push(revision(next, Status::Deployed));
        }
        let left: Vec<i32> = history.iter().map(|r| r.version).collect();
        assert_eq!(left, [4, 5, 6]);
        assert!(revisions_to_prune(&history, 0).is_empty());
        assert!(revisions_to_prune(&history, 4).is_empty());
    }
}
