//! Open string enums: known wire values get variants, anything else is kept verbatim.
//!
//! Every open enum of the crate is declared with [`open_enum!`] in one form:
//!
//! ```ignore
//! open_enum! {
//!     /// Direction of a voice interaction.
//!     pub enum Direction {
//!         /// Inbound.
//!         In => "IN",
//!         /// Outbound.
//!         Out => "OUT",
//!     }
//! }
//! ```
//!
//! Matching is exact and case-sensitive: a wire value is known only when it is spelled exactly
//! as declared, so decode then encode always gives back the same text. Where peers spell a
//! value differently, the declared spelling is the one they actually send (`CallType::Internal`
//! is `"Internal"`, as Workspace writes it beside upper-case values such as
//! `"OUTBOUND_PREVIEW"`).
//!
//! An unknown value lands in `Other`, whose payload ([`UnknownValue`]) has a private field:
//! only this crate's parsing builds it, so `Other` never holds a known value and
//! `Direction::from("IN") == Direction::In` always.

use std::fmt;

/// The text of an open-enum value this version does not know.
///
/// It cannot be built outside the crate: parse the text with `From<&str>` or `From<String>`
/// instead, which yields the known variant whenever there is one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// Wraps text that the caller has checked is none of the known values.
    pub(crate) fn new(text: String) -> Self {
        Self(text)
    }

    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for UnknownValue {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnknownValue {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a string enum whose unknown values survive decode and re-encode in `Other`.
///
/// The form is `pub enum Name { Variant => "wire", }`; see the module documentation.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as received.
            Other($crate::open_enum::UnknownValue),
        }

        impl $name {
            /// Every known wire value, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(other) => other.as_str(),
                }
            }

            /// Whether this is one of the known values.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }

            /// The known variant spelled exactly `text`, if any (never allocates).
            pub fn known(text: &str) -> Option<Self> {
                match text {
                    $( $wire => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| {
                    Self::Other($crate::open_enum::UnknownValue::new(value.to_owned()))
                })
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::known(&value)
                    .unwrap_or_else(|| Self::Other($crate::open_enum::UnknownValue::new(value)))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "description": concat!(
                        "Open enumeration: the known values are listed in `examples`; ",
                        "any other string is accepted and preserved."
                    ),
                    "examples": [$($wire),+],
                })
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    // The macro declares public items; this one only serves the tests.
    #![allow(unreachable_pub)]

    open_enum! {
        /// A test enum.
        pub enum Sample {
            /// First.
            First => "FIRST",
            /// Second.
            Second => "second",
        }
    }

    #[test]
    fn known_values_always_parse_to_their_variant() {
        assert_eq!(Sample::from("FIRST"), Sample::First);
        assert_eq!(Sample::from(String::from("second")), Sample::Second);
        assert_eq!(
            serde_json::from_str::<Sample>("\"FIRST\"").ok(),
            Some(Sample::First)
        );
        assert_eq!(Sample::known("second"), Some(Sample::Second));
        assert_eq!(Sample::KNOWN, ["FIRST", "second"]);
    }

    #[test]
    fn matching_is_exact_and_unknown_values_round_trip() {
        for text in ["first", "Second", "", " FIRST", "THIRD"] {
            let value = Sample::from(text);
            assert!(!value.is_known(), "{text:?}");
            assert_eq!(value.as_str(), text);
            assert_eq!(value.to_string(), text);
            let json = serde_json::to_string(&value).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<Sample>(&json).ok(),
                Some(value.clone())
            );
            assert_eq!(json, serde_json::to_string(text).unwrap_or_default());
        }
    }
}
