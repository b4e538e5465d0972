//! Sprig's date functions wired to templates: `time.Time` values as template objects, and each
//! function registered with its Go signature. The semantics live in [`super::time`].

use super::time::{self, DateArg, GoTime};
use super::{Registry, Ty};
use crate::engine::exec::Context;
use crate::engine::value::{IntKind, Object, Value};

/// Go's `time.Time` as a template value.
impl Object for GoTime {
    fn type_name(&self) -> &'static str {
        "time.Time"
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Unix" => Value::Int(self.unix_seconds(), IntKind::Int64),
            "Nanosecond" => Value::int(i64::from(self.nanosecond())),
            "IsZero" => Value::Bool(self.is_zero()),
            "String" => Value::string(self.to_string()),
            "Year" => Value::int(self.format("2006").parse().unwrap_or(0)),
            "YearDay" => Value::int(self.format("002").parse().unwrap_or(0)),
            "Day" => Value::int(self.format("2").parse().unwrap_or(0)),
            "Hour" => Value::int(self.format("15").parse().unwrap_or(0)),
            "Minute" => Value::int(self.format("4").parse().unwrap_or(0)),
            "Second" => Value::int(self.format("5").parse().unwrap_or(0)),
            _ => return None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Format"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("Format", [Value::String(layout)]) => Ok(Value::string(self.format(layout))),
            _ => Err(format!("wrong arguments for method {name}")),
        }
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
    fn to_data(&self) -> Value {
        // encoding/json uses MarshalText (RFC 3339); a year it cannot write makes toJson empty
        self.marshal_text().map(Value::string).unwrap_or_default()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

const TIME: Ty = Ty::Object("time.Time");

fn as_time(v: &Value) -> Option<&GoTime> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<GoTime>(),
        _ => None,
    }
}

fn date_arg(v: &Value) -> DateArg<'_> {
    match v {
        Value::Object(_) => as_time(v).map_or(DateArg::Other, DateArg::Time),
        Value::Int(i, IntKind::Int) => DateArg::Int(*i),
        Value::Int(i, IntKind::Int64) => DateArg::Int64(*i),
        Value::Int(i, IntKind::Int32) => DateArg::Int32(*i as i32),
        Value::String(s) => DateArg::Str(s),
        _ => DateArg::Other,
    }
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

fn time_value(t: GoTime) -> Value {
    Value::object(t)
}

fn the_time(v: &Value) -> Result<&GoTime, String> {
    as_time(v).ok_or_else(|| {
        format!(
            "wrong type for value; expected time.Time; got {}",
            v.type_name()
        )
    })
}

type Body = fn(&[Value], &mut Context<'_>) -> Result<Value, String>;

/// Registers Sprig's date functions.
pub fn register(r: &mut Registry) {
    let now: Body = |_, _| Ok(time_value(time::now()));
    r.add("now", &[], None, now);
    let date: Body = |a, _| {
        Ok(Value::string(time::date(
            text(&a[0]),
            date_arg(&a[1]),
            &time::now(),
        )))
    };
    r.add("date", &[Ty::String, Ty::Any], None, date);
    let in_zone: Body = |a, _| {
        Ok(Value::string(time::date_in_zone(
            text(&a[0]),
            date_arg(&a[1]),
            text(&a[2]),
            &time::now(),
        )))
    };
    r.add(
        "dateInZone",
        &[Ty::String, Ty::Any, Ty::String],
        None,
        in_zone,
    );
    r.add(
        "date_in_zone",
        &[Ty::String, Ty::Any, Ty::String],
        None,
        in_zone,
    );
    r.add("htmlDate", &[Ty::Any], None, |a, _| {
        Ok(Value::string(time::html_date(
            date_arg(&a[0]),
            &time::now(),
        )))
    });
    r.add("htmlDateInZone", &[Ty::Any, Ty::String], None, |a, _| {
        Ok(Value::string(time::html_date_in_zone(
            date_arg(&a[0]),
            text(&a[1]),
            &time::now(),
        )))
    });
    let modify: Body = |a, _| Ok(time_value(time::date_modify(text(&a[0]), the_time(&a[1])?)));
    r.add("dateModify", &[Ty::String, TIME], None, modify);
    r.add("date_modify", &[Ty::String, TIME], None, modify);
    let must_modify: Body =
        |a, _| time::must_date_modify(text(&a[0]), the_time(&a[1])?).map(time_value);
    r.add("mustDateModify", &[Ty::String, TIME], None, must_modify);
    r.add("must_date_modify", &[Ty::String, TIME], None, must_modify);
    r.add("ago", &[Ty::Any], None, |a, _| {
        Ok(Value::string(time::ago(date_arg(&a[0]), &time::now())))
    });
    r.add("duration", &[Ty::Any], None, |a, _| {
        Ok(Value::string(time::duration(date_arg(&a[0]))))
    });
    r.add("durationRound", &[Ty::Any], None, |a, _| {
        Ok(Value::string(time::duration_round(
            date_arg(&a[0]),
            &time::now(),
        )))
    });
    r.add("toDate", &[Ty::String, Ty::String], None, |a, _| {
        Ok(time_value(time::to_date(text(&a[0]), text(&a[1]))))
    });
    r.add("mustToDate", &[Ty::String, Ty::String], None, |a, _| {
        time::must_to_date(text(&a[0]), text(&a[1])).map(time_value)
    });
    r.add("unixEpoch", &[TIME], None, |a, _| {
        Ok(Value::string(time::unix_epoch(the_time(&a[0])?)))
    });
}
