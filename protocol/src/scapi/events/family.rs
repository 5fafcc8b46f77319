//! The machinery behind [`event_family!`]: each family declares its variants once, with the
//! `eventType` tag (or tag set) that selects each, and gets from that one declaration its
//! precise decoder, its one-pass decoder from text, its encoder and its JSON Schema.
//!
//! A variant is selected in one of four ways:
//!
//! - `Variant(Body) = "TAG"`: exactly that tag; `Body` is the object without its tag.
//! - `Variant[Selector](Body)`: any tag of a [`TagSelector`], kept beside the body.
//! - `Variant(Body) in OpenEnum`: any known value of an open enum; `Body` holds the tag itself.
//! - `Variant(Body) when "key"`: no `eventType` but `key` present; `Body` is the whole object.
//!
//! `eager "needle"` after a variant makes the one-pass decoder try that variant first when
//! the text contains `needle` (for the frequent, large events). Any other `data`, an absent
//! tag included, lands in `Other` verbatim.

#[cfg(feature = "schema")]
use schemars::{Schema, json_schema};
use serde::Serialize;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{EVENT_TYPE, RawEventData};
use crate::scapi::error::DecodeError;
use crate::scapi::types::{Extra, Key};

/// A closed set of tags that one variant accepts, kept beside its body.
pub(super) trait TagSelector: Copy + 'static {
    /// Every value, in the order the schema lists their tags.
    const ALL: &'static [Self];

    /// The wire `eventType`.
    fn as_str(self) -> &'static str;

    /// The value whose tag is `tag`.
    fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.as_str() == tag)
    }
}

/// A variant body whose unknown fields live in `extra`; decoding it from text that still
/// holds the tag leaves `eventType` there, so the one-pass decoder removes it.
pub(super) trait Body: DeserializeOwned {
    fn extra_mut(&mut self) -> &mut Extra;
}

/// Implements [`Body`] for structs with an `extra` field.
macro_rules! impl_body {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::scapi::events::family::Body for $ty {
            fn extra_mut(&mut self) -> &mut $crate::scapi::types::Extra {
                &mut self.extra
            }
        }
    )*};
}

pub(super) use impl_body;

/// A body that carries its own tag from an open enum (`Variant(Body) in OpenEnum`).
pub(super) trait OwnTag {
    /// Whether the tag is one of the enum's known values.
    fn has_known_tag(&self) -> bool;
}

/// A family built from a body decoded eagerly, tag included, when the tag selects it.
pub(crate) trait FromEager<B>: Sized {
    /// The event, or `None` when the body's tag does not select this variant.
    fn from_eager(body: B) -> Option<Self>;
}

pub(super) fn data_object<'a>(
    data: &'a Value,
    path: &str,
) -> Result<&'a Map<String, Value>, DecodeError> {
    data.as_object()
        .ok_or_else(|| DecodeError::wrong_type(path, "an object", data))
}

pub(super) fn event_type_of<'a>(
    data: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a str>, DecodeError> {
    match data.get(EVENT_TYPE) {
        None => Ok(None),
        Some(Value::String(tag)) => Ok(Some(tag)),
        Some(other) => Err(DecodeError::wrong_type(
            format!("{path}.{EVENT_TYPE}"),
            "a string",
            other,
        )),
    }
}

/// Decodes a variant body from `data` without its tag.
pub(super) fn body<T: DeserializeOwned>(
    data: &Map<String, Value>,
    path: &str,
) -> Result<T, DecodeError> {
    let mut untagged = data.clone();
    untagged.remove(EVENT_TYPE);
    T::deserialize(Value::Object(untagged)).map_err(|err| DecodeError::from_serde(path, &err))
}

/// Decodes a body that is the whole object (its tag included, if any).
pub(super) fn whole<T: DeserializeOwned>(
    data: &Map<String, Value>,
    path: &str,
) -> Result<T, DecodeError> {
    T::deserialize(Value::Object(data.clone())).map_err(|err| DecodeError::from_serde(path, &err))
}

pub(super) fn raw(data: &Map<String, Value>) -> RawEventData {
    RawEventData(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// A body serialised with its `eventType` in front of its own fields.
#[derive(Serialize)]
pub(super) struct Tagged<'a, T: Serialize> {
    #[serde(rename = "eventType")]
    event_type: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

pub(super) fn tagged<'a, T: Serialize>(event_type: &'a str, body: &'a T) -> Tagged<'a, T> {
    Tagged { event_type, body }
}

/// Decodes a tagged body straight from text; `None` sends the caller to the precise path.
pub(super) fn fast_body<T: Body>(raw: &RawValue) -> Option<T> {
    let mut body: T = serde_json::from_str(raw.get()).ok()?;
    body.extra_mut().remove(EVENT_TYPE);
    Some(body)
}

pub(super) fn fast<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// A tagged body decoded eagerly: the variant when its tag (read into `extra`, the last one
/// winning as in a parsed object) is `tag`.
pub(super) fn eager_tagged<B: Body>(mut body: B, tag: &str) -> Option<B> {
    let extra = body.extra_mut();
    if extra.get(EVENT_TYPE).and_then(Value::as_str) != Some(tag) {
        return None;
    }
    extra.remove(EVENT_TYPE);
    Some(body)
}

/// What the one-pass decoder needs to choose a variant: the tag and which of the keys that
/// select untagged variants are present (present-but-null counts as present).
pub(super) struct Peeked {
    pub(super) tag: Option<String>,
    present: Vec<&'static str>,
}

impl Peeked {
    pub(super) fn has(&self, key: &str) -> bool {
        self.present.contains(&key)
    }
}

/// Peeks at `data`: `None` when it is not an object, `eventType` is not a string or a key
/// that matters is repeated (the precise path reports those).
pub(super) fn peek(raw: &RawValue, keys: &'static [&'static str]) -> Option<Peeked> {
    struct PeekVisitor(&'static [&'static str]);

    impl<'de> Visitor<'de> for PeekVisitor {
        type Value = Peeked;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an event data object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peeked, A::Error> {
            let mut tag: Option<&'de RawValue> = None;
            let mut present = Vec::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if key.0 == EVENT_TYPE {
                    if tag.is_some() {
                        return Err(de::Error::duplicate_field(EVENT_TYPE));
                    }
                    tag = Some(map.next_value()?);
                } else if let Some(known) = self.0.iter().find(|k| **k == key.0) {
                    if present.contains(known) {
                        return Err(de::Error::duplicate_field(known));
                    }
                    present.push(*known);
                    map.next_value::<IgnoredAny>()?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            let tag = match tag {
                None => None,
                Some(raw) => {
                    Some(serde_json::from_str::<String>(raw.get()).map_err(de::Error::custom)?)
                }
            };
            Ok(Peeked { tag, present })
        }
    }

    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    serde::Deserializer::deserialize_map(&mut deserializer, PeekVisitor(keys)).ok()
}

pub(super) fn to_json_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The schema branches of a family, built variant by variant in declaration order.
#[cfg(feature = "schema")]
#[derive(Default)]
pub(super) struct Branches {
    branches: Vec<Branch>,
    known: Vec<&'static str>,
}

#[cfg(feature = "schema")]
enum Branch {
    /// A body selected by one of `tags`; variants sharing a body share one branch.
    Tagged {
        body: Value,
        tags: Vec<&'static str>,
    },
    /// A body selected by `key` when there is no tag.
    Untagged { body: Value, key: &'static str },
}

#[cfg(feature = "schema")]
impl Branches {
    pub(super) fn tagged(&mut self, body: Schema, tags: impl IntoIterator<Item = &'static str>) {
        let body = body.to_value();
        let tags: Vec<&'static str> = tags.into_iter().collect();
        self.known.extend(&tags);
        for branch in &mut self.branches {
            if let Branch::Tagged {
                body: same,
                tags: more,
            } = branch
                && *same == body
            {
                more.extend(tags);
                return;
            }
        }
        self.branches.push(Branch::Tagged { body, tags });
    }

    pub(super) fn untagged(&mut self, body: Schema, key: &'static str) {
        let body = body.to_value();
        self.branches.push(Branch::Untagged { body, key });
    }

    /// `oneOf` the branches and the catch-all: an object whose `eventType` is none of the
    /// known tags, or absent without any key that selects an untagged variant.
    pub(super) fn into_schema(self) -> Schema {
        let mut untagged_keys = Vec::new();
        let mut variants: Vec<Value> = self
            .branches
            .into_iter()
            .map(|branch| match branch {
                Branch::Tagged { body, tags } => {
                    let tag = if let [one] = tags.as_slice() {
                        serde_json::json!({ "const": one })
                    } else {
                        serde_json::json!({ "enum": tags })
                    };
                    serde_json::json!({ "allOf": [body, {
                        "type": "object",
                        "properties": { EVENT_TYPE: tag },
                        "required": [EVENT_TYPE]
                    }] })
                }
                Branch::Untagged { body, key } => {
                    untagged_keys.push(key);
                    serde_json::json!({ "allOf": [body, { "not": { "required": [EVENT_TYPE] } }] })
                }
            })
            .collect();
        let mut other = serde_json::json!({
            "type": "object",
            "properties": { EVENT_TYPE: { "type": "string", "not": { "enum": self.known } } }
        });
        if !untagged_keys.is_empty() {
            let without: Vec<Value> = untagged_keys
                .iter()
                .map(|key| serde_json::json!({ "not": { "required": [key] } }))
                .collect();
            let mut any_of = vec![serde_json::json!({ "required": [EVENT_TYPE] })];
            if let [one] = without.as_slice() {
                any_of.push(one.clone());
            } else {
                any_of.push(serde_json::json!({ "allOf": without }));
            }
            other["anyOf"] = Value::Array(any_of);
        }
        variants.push(other);
        json_schema!({ "oneOf": variants })
    }
}

/// Declares an event family's `data` enum from one list of variants and their tags; see the
/// module documentation for the variant forms.
macro_rules! event_family {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $([$selector:ident])? ($body:ty)
                $(= $tag:literal)? $(in $open:ident)? $(when $key:literal)?
                $(eager $needle:literal)?
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant($($selector,)? $body), )+
            /// Any other `data`, verbatim.
            Other($crate::scapi::events::RawEventData),
        }

        impl $name {
            /// Keys whose presence selects an untagged variant.
            const UNTAGGED_KEYS: &'static [&'static str] = &[$($($key,)?)+];

            /// Decodes `data` found at `path`.
            pub fn decode(
                data: &::serde_json::Value,
                path: &str,
            ) -> Result<Self, $crate::scapi::error::DecodeError> {
                use $crate::scapi::events::family as f;
                let map = f::data_object(data, path)?;
                let tag = f::event_type_of(map, path)?;
                $(
                    $crate::scapi::events::family::event_family!(
                        @decode [$($selector)?] [$($tag)?] [$($open)?] [$($key)?]
                        $variant tag map path
                    );
                )+
                Ok(Self::Other(f::raw(map)))
            }

            /// Decodes straight from the text of `data`; `None` sends the caller to the
            /// precise path.
            pub(crate) fn decode_raw(raw: &::serde_json::value::RawValue) -> Option<Self> {
                use $crate::scapi::events::family as f;
                $(
                    $crate::scapi::events::family::event_family!(
                        @eager [$($needle)?] ($body) raw
                    );
                )+
                let peeked = f::peek(raw, Self::UNTAGGED_KEYS)?;
                let tag = peeked.tag.as_deref();
                $(
                    $crate::scapi::events::family::event_family!(
                        @decode_raw [$($selector)?] [$($tag)?] [$($open)?] [$($key)?]
                        $variant tag peeked raw
                    );
                )+
                f::fast(raw).map(Self::Other)
            }

            /// Encodes the `data` object.
            pub fn to_value(&self) -> ::serde_json::Value {
                $crate::scapi::events::family::to_json_value(self)
            }
        }

        $(
            $crate::scapi::events::family::event_family!(
                @from_eager $name $variant ($body) [$($tag)?] [$($open)?] [$($needle)?]
            );
        )+

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use $crate::scapi::events::family as f;
                match self {
                    $(
                        Self::$variant(
                            $($crate::scapi::events::family::event_family!(@bind $selector selection),)?
                            body
                        ) => $crate::scapi::events::family::event_family!(
                            @serialize [$($selector)?] [$($tag)?] s selection body
                        ),
                    )+
                    Self::Other(raw) => ::serde::Serialize::serialize(raw, s),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = ::serde_json::Value::deserialize(d)?;
                Self::decode(&value, "$").map_err(::serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut branches = $crate::scapi::events::family::Branches::default();
                $(
                    $crate::scapi::events::family::event_family!(
                        @schema [$($selector)?] [$($tag)?] [$($open)?] [$($key)?]
                        ($body) branches generator
                    );
                )+
                branches.into_schema()
            }
        }
    };

    // Precise decoding: returns the variant when the tag selects it.
    (@decode [] [$tag:literal] [] [] $variant:ident $t:ident $map:ident $path:ident) => {
        if $t == Some($tag) {
            return f::body($map, $path).map(Self::$variant);
        }
    };
    (@decode [$selector:ident] [] [] [] $variant:ident $t:ident $map:ident $path:ident) => {
        if let Some(selection) =
            $t.and_then(<$selector as $crate::scapi::events::family::TagSelector>::from_tag)
        {
            return f::body($map, $path).map(|body| Self::$variant(selection, body));
        }
    };
    (@decode [] [] [$open:ident] [] $variant:ident $t:ident $map:ident $path:ident) => {
        if $t.is_some_and(|tag| $open::known(tag).is_some()) {
            return f::whole($map, $path).map(Self::$variant);
        }
    };
    (@decode [] [] [] [$key:literal] $variant:ident $t:ident $map:ident $path:ident) => {
        if $t.is_none() && $map.contains_key($key) {
            return f::whole($map, $path).map(Self::$variant);
        }
    };

    // One-pass decoding: the same choice, from the peeked tag and keys.
    (@decode_raw [] [$tag:literal] [] [] $variant:ident $t:ident $p:ident $raw:ident) => {
        if $t == Some($tag) {
            return f::fast_body($raw).map(Self::$variant);
        }
    };
    (@decode_raw [$selector:ident] [] [] [] $variant:ident $t:ident $p:ident $raw:ident) => {
        if let Some(selection) =
            $t.and_then(<$selector as $crate::scapi::events::family::TagSelector>::from_tag)
        {
            return f::fast_body($raw).map(|body| Self::$variant(selection, body));
        }
    };
    (@decode_raw [] [] [$open:ident] [] $variant:ident $t:ident $p:ident $raw:ident) => {
        if $t.is_some_and(|tag| $open::known(tag).is_some()) {
            return f::fast($raw).map(Self::$variant);
        }
    };
    (@decode_raw [] [] [] [$key:literal] $variant:ident $t:ident $p:ident $raw:ident) => {
        if $t.is_none() && $p.has($key) {
            return f::fast($raw).map(Self::$variant);
        }
    };

    // The eager attempt, for variants marked `eager`.
    (@eager [] ($body:ty) $raw:ident) => {};
    (@eager [$needle:literal] ($body:ty) $raw:ident) => {
        if $raw.get().contains($needle)
            && let Some(event) = f::fast::<$body>($raw)
                .and_then(<Self as $crate::scapi::events::family::FromEager<$body>>::from_eager)
        {
            return Some(event);
        }
    };

    (@from_eager $name:ident $variant:ident ($body:ty) [$tag:literal] [] [$needle:literal]) => {
        impl $crate::scapi::events::family::FromEager<$body> for $name {
            fn from_eager(body: $body) -> Option<Self> {
                $crate::scapi::events::family::eager_tagged(body, $tag).map(Self::$variant)
            }
        }
    };
    (@from_eager $name:ident $variant:ident ($body:ty) [] [$open:ident] [$needle:literal]) => {
        impl $crate::scapi::events::family::FromEager<$body> for $name {
            fn from_eager(body: $body) -> Option<Self> {
                $crate::scapi::events::family::OwnTag::has_known_tag(&body)
                    .then(|| Self::$variant(body))
            }
        }
    };
    (@from_eager $name:ident $variant:ident ($body:ty) [$($tag:literal)?] [$($open:ident)?] []) => {};

    (@bind $selector:ident $binding:ident) => { $binding };

    // Encoding: tagged bodies get their tag in front; the others carry their own keys.
    (@serialize [] [$tag:literal] $s:ident $selection:ident $body:ident) => {
        ::serde::Serialize::serialize(&f::tagged($tag, $body), $s)
    };
    (@serialize [$selector:ident] [] $s:ident $selection:ident $body:ident) => {
        ::serde::Serialize::serialize(
            &f::tagged(
                <$selector as $crate::scapi::events::family::TagSelector>::as_str(*$selection),
                $body,
            ),
            $s,
        )
    };
    (@serialize [] [] $s:ident $selection:ident $body:ident) => {
        ::serde::Serialize::serialize($body, $s)
    };

    // The schema branch of one variant.
    (@schema [] [$tag:literal] [] [] ($body:ty) $b:ident $g:ident) => {
        $b.tagged($g.subschema_for::<$body>(), [$tag])
    };
    (@schema [$selector:ident] [] [] [] ($body:ty) $b:ident $g:ident) => {
        $b.tagged(
            $g.subschema_for::<$body>(),
            <$selector as $crate::scapi::events::family::TagSelector>::ALL
                .iter()
                .map(|selection| {
                    <$selector as $crate::scapi::events::family::TagSelector>::as_str(*selection)
                }),
        )
    };
    (@schema [] [] [$open:ident] [] ($body:ty) $b:ident $g:ident) => {
        $b.tagged($g.subschema_for::<$body>(), $open::KNOWN.iter().copied())
    };
    (@schema [] [] [] [$key:literal] ($body:ty) $b:ident $g:ident) => {
        $b.untagged($g.subschema_for::<$body>(), $key)
    };
}

pub(super) use event_family;
