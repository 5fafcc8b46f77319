//! Positional arguments: how each Rust type sits in a slot of the `parameters` array, and
//! which other JSON types it accepts the way a JavaScript Workspace would (the rules and
//! their refusals are in [`super::coerce`]).

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::coerce::{self, Coercions, WidthProblem};
use super::error::{DecodeError, JsonKind};
use super::types::{
    DialogOptions, MenuBarView, OptionSelectors, RescheduleDate, TargetQuery, ToastParameters,
};

/// The JSON shape a parameter slot takes, as the request table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonShape {
    /// A string.
    String,
    /// `true` or `false`.
    Boolean,
    /// An integer.
    Integer,
    /// An object.
    Object,
    /// A string or an object (`TargetQuery`).
    StringOrObject,
    /// A string or an array of strings (option selectors).
    StringOrStrings,
    /// Any JSON value.
    Any,
}

impl JsonShape {
    /// How the shape is written in docs and error messages.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Boolean => "a boolean",
            Self::Integer => "an integer",
            Self::Object => "an object",
            Self::StringOrObject => "a string or an object",
            Self::StringOrStrings => "a string or an array of strings",
            Self::Any => "any JSON value",
        }
    }
}

/// A Rust type that fills one positional slot of a request's `parameters`.
///
/// `Option<T>` is an optional argument: an absent slot and a `null` slot both decode to
/// `None`, and `None` encodes as `null` (what the official client library sends).
pub trait Arg: Sized + Serialize {
    /// JSON shape of the slot.
    const SHAPE: JsonShape;
    /// Whether the slot must hold a non-null value.
    const REQUIRED: bool = true;
    /// What the slot accepts, conversions included, as error hints say it.
    const ACCEPTS: &'static str = Self::SHAPE.describe();

    /// Decodes the slot at `path`; `None` when the array is shorter than this position. A
    /// value of another JSON type that the type converts is recorded in `coerced`.
    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError>;

    /// Encodes the value for its slot.
    fn to_slot(&self) -> Value;

    /// Whether the slot encodes as `null` (an omitted optional argument).
    fn is_null_slot(&self) -> bool {
        false
    }

    /// Decodes the slot straight from its JSON text. `None` means "not decodable here": the
    /// caller then uses [`Arg::from_slot`], which gives the precise error or converts. Whenever
    /// this succeeds it must equal what `from_slot` would return, with nothing converted.
    fn from_raw(slot: Option<&RawValue>) -> Option<Self>;
}

fn from_text<T: DeserializeOwned>(slot: Option<&RawValue>) -> Option<T> {
    serde_json::from_str(slot?.get()).ok()
}

fn required<'a>(slot: Option<&'a Value>, path: &str) -> Result<&'a Value, DecodeError> {
    match slot {
        None => Err(DecodeError::new(path, "missing required argument")),
        Some(Value::Null) => Err(DecodeError::new(path, "required argument is null")),
        Some(v) => Ok(v),
    }
}

fn via_serde<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    shape: JsonShape,
) -> Result<T, DecodeError> {
    T::deserialize(value).map_err(|err| {
        let found = JsonKind(value).to_string();
        let problem = if matches!(shape, JsonShape::Object) && !value.is_object() {
            format!("expected an object, found {found}")
        } else {
            err.to_string()
        };
        DecodeError::new(path, problem)
    })
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Arg for String {
    const SHAPE: JsonShape = JsonShape::String;
    const ACCEPTS: &'static str = "a string or a number (taken as its decimal text)";

    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError> {
        match required(slot, path)? {
            Value::String(s) => Ok(s.clone()),
            number @ Value::Number(n) => {
                let text = coerce::number_text(n).ok_or_else(|| {
                    DecodeError::new(
                        path,
                        format!(
                            "expected a string, found the number {n}, which JavaScript writes in exponent notation"
                        ),
                    )
                })?;
                coerced.record(path, number, Value::String(text.clone()));
                Ok(text)
            }
            other => Err(DecodeError::wrong_type(path, "a string", other)),
        }
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }

    fn to_slot(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Arg for bool {
    const SHAPE: JsonShape = JsonShape::Boolean;

    fn from_slot(slot: Option<&Value>, path: &str, _: &mut Coercions) -> Result<Self, DecodeError> {
        match required(slot, path)? {
            Value::Bool(b) => Ok(*b),
            other => Err(DecodeError::wrong_type(path, "a boolean", other)),
        }
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }

    fn to_slot(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Arg for i64 {
    const SHAPE: JsonShape = JsonShape::Integer;
    const ACCEPTS: &'static str = "an integer or a string of decimal digits";

    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError> {
        let value = required(slot, path)?;
        if let Some(n) = value.as_i64() {
            return Ok(n);
        }
        let converted = match value {
            Value::Number(n) => coerce::whole_number(n).ok_or_else(|| {
                DecodeError::new(path, format!("expected an integer, found the number {n}"))
            })?,
            Value::String(text) => coerce::integer_text(text).ok_or_else(|| {
                DecodeError::new(
                    path,
                    format!("expected an integer or a string of decimal digits, found the string {value}"),
                )
            })?,
            other => return Err(DecodeError::wrong_type(path, "an integer", other)),
        };
        coerced.record(path, value, Value::from(converted));
        Ok(converted)
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }

    fn to_slot(&self) -> Value {
        Value::from(*self)
    }
}

impl Arg for Value {
    const SHAPE: JsonShape = JsonShape::Any;

    /// Any value, `null` included; only an absent slot is an error.
    fn from_slot(slot: Option<&Value>, path: &str, _: &mut Coercions) -> Result<Self, DecodeError> {
        slot.cloned()
            .ok_or_else(|| DecodeError::new(path, "missing required argument"))
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }

    fn is_null_slot(&self) -> bool {
        self.is_null()
    }

    fn to_slot(&self) -> Value {
        self.clone()
    }
}

impl Arg for BTreeMap<String, Value> {
    const SHAPE: JsonShape = JsonShape::Object;

    fn from_slot(slot: Option<&Value>, path: &str, _: &mut Coercions) -> Result<Self, DecodeError> {
        match required(slot, path)? {
            Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            other => Err(DecodeError::wrong_type(path, "an object", other)),
        }
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }

    fn to_slot(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

macro_rules! serde_arg {
    ($($ty:ty => $shape:ident),* $(,)?) => {$(
        impl Arg for $ty {
            const SHAPE: JsonShape = JsonShape::$shape;

            fn from_slot(
                slot: Option<&Value>,
                path: &str,
                _: &mut Coercions,
            ) -> Result<Self, DecodeError> {
                via_serde(required(slot, path)?, path, JsonShape::$shape)
            }

            fn to_slot(&self) -> Value {
                to_value(self)
            }

            fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
                from_text(slot)
            }
        }
    )*};
}

serde_arg! {
    TargetQuery => StringOrObject,
    DialogOptions => Object,
    MenuBarView => Object,
    OptionSelectors => StringOrStrings,
}

impl<T: Arg> Arg for Option<T> {
    const SHAPE: JsonShape = T::SHAPE;
    const REQUIRED: bool = false;
    const ACCEPTS: &'static str = T::ACCEPTS;

    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError> {
        match slot {
            None | Some(Value::Null) => Ok(None),
            Some(_) => T::from_slot(slot, path, coerced).map(Some),
        }
    }

    fn to_slot(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_slot)
    }

    fn is_null_slot(&self) -> bool {
        self.as_ref().is_none_or(T::is_null_slot)
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        match slot {
            None => Some(None),
            Some(raw) if raw.get() == "null" => Some(None),
            Some(_) => T::from_raw(slot).map(Some),
        }
    }
}

impl Arg for RescheduleDate {
    const SHAPE: JsonShape = JsonShape::String;
    const ACCEPTS: &'static str = "a string: 'M/D/YYYY H:m' or an ISO-8601 date-time";

    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError> {
        let value = required(slot, path)?;
        let Value::String(text) = value else {
            let err = DecodeError::wrong_type(path, "a date string", value);
            return Err(if value.is_number() {
                err.with_hint("send a Date as date.toISOString(), or the text 'M/D/YYYY H:m'")
            } else {
                err
            });
        };
        match coerce::iso_to_sample_date(text) {
            Ok(None) => Ok(Self::new(text.clone())),
            Ok(Some(sample)) => {
                coerced.record(path, value, Value::String(sample.clone()));
                Ok(Self::new(sample))
            }
            Err(problem) => Err(DecodeError::new(
                path,
                format!(
                    "the string {value} starts like an ISO-8601 date but is not one: {problem}"
                ),
            )),
        }
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        let text: String = from_text(slot)?;
        // An ISO date is converted, which only `from_slot` records.
        matches!(coerce::iso_to_sample_date(&text), Ok(None)).then(|| Self::new(text))
    }

    fn to_slot(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

/// The toast fields a JavaScript Workspace hands to CSS or a timer, which take their text
/// forms too: `width` (pixels, `"500px"`) and `autoCloseTimeout` (milliseconds, `"5000"`).
fn toast_fields(
    value: &Value,
    path: &str,
    coerced: &mut Coercions,
) -> Result<Option<Value>, DecodeError> {
    let Value::Object(fields) = value else {
        return Ok(None);
    };
    let mut converted: Option<serde_json::Map<String, Value>> = None;
    if let Some(text @ Value::String(width)) = fields.get("width") {
        let at = format!("{path}.width");
        let pixels = coerce::css_pixels(width).map_err(|problem| {
            let problem = match problem {
                WidthProblem::NotPixels => format!(
                    "expected a width in pixels, found the string {text}; other CSS units have no pixel value here"
                ),
                WidthProblem::NotACount => format!(
                    "expected a whole, non-negative number of pixels, found the string {text}"
                ),
            };
            DecodeError::new(&at, problem)
                .with_hint("`width` is a number of pixels: send 500 or \"500px\"")
        })?;
        coerced.record(&at, text, Value::from(pixels));
        converted
            .get_or_insert_with(|| fields.clone())
            .insert("width".to_owned(), Value::from(pixels));
    }
    if let Some(text @ Value::String(timeout)) = fields.get("autoCloseTimeout") {
        let at = format!("{path}.autoCloseTimeout");
        let millis = coerce::integer_text(timeout)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                DecodeError::new(
                    &at,
                    format!(
                        "expected a non-negative number of milliseconds, found the string {text}"
                    ),
                )
                .with_hint("send `autoCloseTimeout` as a number of milliseconds, e.g. 5000")
            })?;
        coerced.record(&at, text, Value::from(millis));
        converted
            .get_or_insert_with(|| fields.clone())
            .insert("autoCloseTimeout".to_owned(), Value::from(millis));
    }
    Ok(converted.map(Value::Object))
}

impl Arg for ToastParameters {
    const SHAPE: JsonShape = JsonShape::Object;

    fn from_slot(
        slot: Option<&Value>,
        path: &str,
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError> {
        let value = required(slot, path)?;
        match toast_fields(value, path, coerced)? {
            Some(converted) => via_serde(&converted, path, Self::SHAPE),
            None => via_serde(value, path, Self::SHAPE),
        }
    }

    fn to_slot(&self) -> Value {
        to_value(self)
    }

    fn from_raw(slot: Option<&RawValue>) -> Option<Self> {
        from_text(slot)
    }
}
