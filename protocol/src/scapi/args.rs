//! Positional arguments: how each Rust type sits in a slot of the `parameters` array.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::error::{DecodeError, JsonKind};
use super::types::{DialogOptions, MenuBarView, OptionSelectors, TargetQuery, ToastParameters};

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
    pub fn describe(self) -> &'static str {
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

    /// Decodes the slot at `path`; `None` when the array is shorter than this position.
    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError>;

    /// Encodes the value for its slot.
    fn to_slot(&self) -> Value;

    /// Whether the slot encodes as `null` (an omitted optional argument).
    fn is_null_slot(&self) -> bool {
        false
    }

    /// Decodes the slot straight from its JSON text. `None` means "not decodable here": the
    /// caller then uses [`Arg::from_slot`], which gives the precise error. Whenever this
    /// succeeds it must equal what `from_slot` would return.
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

    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
        match required(slot, path)? {
            Value::String(s) => Ok(s.clone()),
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

    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
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

    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
        let value = required(slot, path)?;
        value
            .as_i64()
            .ok_or_else(|| DecodeError::wrong_type(path, "an integer", value))
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
    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
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

    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
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

            fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
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
    ToastParameters => Object,
    DialogOptions => Object,
    MenuBarView => Object,
    OptionSelectors => StringOrStrings,
}

impl<T: Arg> Arg for Option<T> {
    const SHAPE: JsonShape = T::SHAPE;
    const REQUIRED: bool = false;

    fn from_slot(slot: Option<&Value>, path: &str) -> Result<Self, DecodeError> {
        match slot {
            None | Some(Value::Null) => Ok(None),
            Some(_) => T::from_slot(slot, path).map(Some),
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
