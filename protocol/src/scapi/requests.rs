//! Every Service Client API request: one declaration per request generates the static
//! [`REQUESTS`] table, a typed struct implementing [`ScapiRequest`], and a variant of
//! [`Request`]. The table is the single source for decoding, policy filters
//! (`namespace.*`), `system.getAllowedServices`, client methods, docs and schemas.

#[cfg(feature = "schema")]
use schemars::SchemaGenerator;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::ser::SerializeSeq;
use serde_json::Value;
use serde_json::value::RawValue;

use super::args::{Arg, JsonShape};
use super::coerce::{Coercion, Coercions};
use super::error::DecodeError;
use super::types::{
    Agent, ConfigSection, DialogOptions, Extensions, Interaction, JwtToken, Media, MediaState,
    MenuBarView, NoData, OptionSelectors, RecordFields, RescheduleDate, TargetQuery,
    ToastParameters, UserData,
};

/// A Service Client API namespace (the part of a request name before the dot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Namespace {
    /// `auth`
    Auth,
    /// `agent`
    Agent,
    /// `media`
    Media,
    /// `interaction`
    Interaction,
    /// `voice`
    Voice,
    /// `sipEndpoint`
    SipEndpoint,
    /// `email`
    Email,
    /// `outbound`
    Outbound,
    /// `system`
    System,
    /// `messenger`
    Messenger,
    /// `configuration`
    Configuration,
}

impl Namespace {
    /// Every namespace.
    pub const ALL: [Namespace; 11] = [
        Self::Auth,
        Self::Agent,
        Self::Media,
        Self::Interaction,
        Self::Voice,
        Self::SipEndpoint,
        Self::Email,
        Self::Outbound,
        Self::System,
        Self::Messenger,
        Self::Configuration,
    ];

    /// The wire spelling (`sipEndpoint`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Agent => "agent",
            Self::Media => "media",
            Self::Interaction => "interaction",
            Self::Voice => "voice",
            Self::SipEndpoint => "sipEndpoint",
            Self::Email => "email",
            Self::Outbound => "outbound",
            Self::System => "system",
            Self::Messenger => "messenger",
            Self::Configuration => "configuration",
        }
    }

    /// The namespace with this wire spelling (case-sensitive, as request names are).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ns| ns.as_str() == name)
    }
}

/// Where the knowledge of a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Sent by Genesys's official client library.
    Library,
    /// Only in the official sample page.
    Sample,
    /// Only in Genesys documentation (keyword lists, namespace pages).
    Documentation,
    /// A legacy name from an 8.5.2 draft; behaves as the named current request.
    LegacyAliasOf(&'static str),
}

/// One positional parameter of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamSpec {
    /// Wire name in the documentation (`interactionId`, `keyValues`, ...).
    pub name: &'static str,
    /// The Rust type the SDK decodes it into.
    pub rust_type: &'static str,
    /// JSON shape of the slot.
    pub shape: JsonShape,
    /// Whether a non-null value is required (optional slots are sent as `null`).
    pub required: bool,
    /// What decoding accepts in the slot, conversions included (`a string or a number
    /// (taken as its decimal text)`); see the `coerce` rules of the `scapi` module.
    pub accepts: &'static str,
}

/// One row of the request table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestSpec {
    /// Full request name, e.g. `interaction.setUserData`.
    pub name: &'static str,
    /// Its namespace.
    pub namespace: Namespace,
    /// The name of the typed struct / [`Request`] variant.
    pub type_name: &'static str,
    /// Positional parameters in wire order.
    pub params: &'static [ParamSpec],
    /// The Rust type of the success `data`.
    pub result: &'static str,
    /// Earliest evidence of the request.
    pub since: &'static str,
    /// Where the request is known from.
    pub source: Source,
    /// One-line description.
    pub summary: &'static str,
    /// What it does with interaction attached data (`userData`).
    pub user_data: UserDataAccess,
}

/// What a request does with interaction attached data (`userData`), the data the
/// `user-data.read-allowed` and `user-data.write-allowed` options govern. The table is the
/// only place that says which requests write attached data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserDataAccess {
    /// Neither reads nor writes it (attached data handed to a new call, as `voice.dial`'s
    /// `userData`, is not a write of an existing interaction's data).
    None,
    /// Its result carries interactions with their attached data (filtered by the read
    /// allow-list, as every result is).
    Read,
    /// Writes or deletes the keys that parameter `param` names: the keys of a key-value
    /// map, or one key. The write allow-list guards it.
    Write {
        /// Index into [`RequestSpec::params`].
        param: usize,
    },
}

/// The attached-data keys a request writes or deletes, borrowed from the request
/// ([`Request::written_user_data`]).
#[derive(Debug, Clone)]
pub struct WrittenKeys<'a>(WrittenKeysInner<'a>);

#[derive(Debug, Clone)]
enum WrittenKeysInner<'a> {
    Map(std::collections::btree_map::Keys<'a, String, Value>),
    One(Option<&'a str>),
}

impl<'a> Iterator for WrittenKeys<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match &mut self.0 {
            WrittenKeysInner::Map(keys) => keys.next().map(String::as_str),
            WrittenKeysInner::One(key) => key.take(),
        }
    }
}

/// A parameter type that names attached-data keys: a key-value map, or one key.
trait NamesKeys {
    fn written_keys(&self) -> WrittenKeys<'_>;
}

impl NamesKeys for UserData {
    fn written_keys(&self) -> WrittenKeys<'_> {
        WrittenKeys(WrittenKeysInner::Map(self.keys()))
    }
}

impl NamesKeys for String {
    fn written_keys(&self) -> WrittenKeys<'_> {
        WrittenKeys(WrittenKeysInner::One(Some(self)))
    }
}

/// The position of `field` among `fields`; evaluated while the table is built, so a
/// `user_data: writes(...)` naming no parameter does not compile.
const fn field_position(fields: &[&str], field: &str) -> usize {
    let mut index = 0;
    while index < fields.len() {
        let candidate = fields[index].as_bytes();
        let wanted = field.as_bytes();
        if candidate.len() == wanted.len() {
            let mut byte = 0;
            while byte < wanted.len() && candidate[byte] == wanted[byte] {
                byte += 1;
            }
            if byte == wanted.len() {
                return index;
            }
        }
        index += 1;
    }
    panic!("user_data: writes(...) names no parameter of the request")
}

/// The [`UserDataAccess`] of a table row, from its `user_data:` clause.
macro_rules! user_data_access {
    (; $($field:ident),*) => {
        UserDataAccess::None
    };
    (reads; $($field:ident),*) => {
        UserDataAccess::Read
    };
    (writes($param:ident); $($field:ident),*) => {
        UserDataAccess::Write {
            param: field_position(&[$(stringify!($field)),*], stringify!($param)),
        }
    };
}

/// The keys a typed request writes, from its `user_data:` clause.
macro_rules! written_keys {
    ($request:ident;) => {
        None
    };
    ($request:ident; reads) => {
        None
    };
    ($request:ident; writes($param:ident)) => {
        Some(NamesKeys::written_keys(&$request.$param))
    };
}

impl RequestSpec {
    /// The method part of the name (`setUserData`).
    pub fn method(&self) -> &'static str {
        self.name
            .split_once('.')
            .map_or(self.name, |(_, method)| method)
    }

    /// Number of leading parameters that must be present.
    pub fn required_params(&self) -> usize {
        self.params.iter().take_while(|p| p.required).count()
    }

    /// The signature as documentation shows it: `voice.dial(destination, userData?)`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("{}{}", p.name, if p.required { "" } else { "?" }))
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

/// The table entry for a request name.
pub fn lookup(name: &str) -> Option<&'static RequestSpec> {
    index_of(name).map(|index| &REQUESTS[index as usize])
}

/// The requests of one namespace, in table order.
pub fn in_namespace(namespace: Namespace) -> impl Iterator<Item = &'static RequestSpec> {
    REQUESTS
        .iter()
        .filter(move |spec| spec.namespace == namespace)
}

/// A typed request: its name, parameters and result type.
pub trait ScapiRequest: Sized + Clone + PartialEq + std::fmt::Debug {
    /// The wire name.
    const NAME: &'static str;
    /// The type of `data` in the success response.
    type Result: Serialize + DeserializeOwned + ResultSchema;

    /// Its row in [`REQUESTS`].
    fn spec() -> &'static RequestSpec;

    /// Decodes the positional parameters (`$.parameters`); surplus slots are ignored here
    /// (the envelope keeps them). Values converted the way a JavaScript Workspace would are
    /// recorded in `coerced`.
    fn decode_parameters(
        parameters: &[Value],
        coerced: &mut Coercions,
    ) -> Result<Self, DecodeError>;

    /// [`ScapiRequest::decode_parameters`], not keeping the record of conversions.
    fn from_parameters(parameters: &[Value]) -> Result<Self, DecodeError> {
        Self::decode_parameters(parameters, &mut Coercions::new())
    }

    /// The positional parameters, one slot per declared parameter (`null` for `None`).
    fn to_parameters(&self) -> Vec<Value>;

    /// This request as a [`Request`].
    fn into_request(self) -> Request;

    /// Decodes the parameters straight from their JSON text; `None` when
    /// [`ScapiRequest::from_parameters`] must be asked for the precise error.
    fn from_raw_parameters(parameters: &[&RawValue]) -> Option<Self>;
}

/// The bound on [`ScapiRequest::Result`] that lets the schema catalogue describe each result:
/// `schemars::JsonSchema` with the `schema` feature, no requirement without it. Every type
/// meeting the bound implements it.
#[cfg(feature = "schema")]
pub trait ResultSchema: schemars::JsonSchema {}

#[cfg(feature = "schema")]
impl<T: schemars::JsonSchema> ResultSchema for T {}

/// The bound on [`ScapiRequest::Result`] that lets the schema catalogue describe each result:
/// `schemars::JsonSchema` with the `schema` feature, no requirement without it. Every type
/// implements it.
#[cfg(not(feature = "schema"))]
pub trait ResultSchema {}

#[cfg(not(feature = "schema"))]
impl<T> ResultSchema for T {}

/// A request whose name is not in the table, kept verbatim.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnknownRequest {
    /// The request name as received.
    pub name: String,
    /// The parameters as received.
    pub parameters: Vec<Value>,
}

fn decode_slot<T: Arg>(
    parameters: &[Value],
    index: usize,
    spec: &RequestSpec,
    coerced: &mut Coercions,
) -> Result<T, DecodeError> {
    let param = &spec.params[index];
    coerced.enter(index, param.name);
    let path = format!("$.parameters[{index}]");
    T::from_slot(parameters.get(index), &path, coerced).map_err(|mut err| {
        let whole = format!(
            "argument {index} `{}` of {} must be {}{}",
            param.name,
            spec.signature(),
            param.accepts,
            if param.required { "" } else { " or null" }
        );
        let hint = match err.hint.take() {
            // A problem inside the slot (a field of an object) says its own fix.
            Some(own) if err.path != path => {
                format!(
                    "argument {index} `{}` of {}: {own}",
                    param.name,
                    spec.signature()
                )
            }
            Some(own) => format!("{whole}; {own}"),
            None => whole,
        };
        err.with_hint(hint)
    })
}

/// Schema of a request's `parameters` array: a tuple in wire order, optional trailing slots
/// may be omitted, surplus slots are allowed (the official library ignores nothing either).
#[cfg(feature = "schema")]
fn parameters_schema(spec: &RequestSpec, items: Vec<schemars::Schema>) -> Value {
    let prefix: Vec<Value> = items.into_iter().map(schemars::Schema::to_value).collect();
    let mut schema = serde_json::json!({
        "description": format!("Positional parameters of {}", spec.signature()),
        "type": "array",
        "minItems": spec.required_params(),
    });
    if !prefix.is_empty() {
        schema["prefixItems"] = Value::Array(prefix);
    }
    schema
}

macro_rules! requests {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $wire:literal in $ns:ident, since $since:literal, $source:expr,
            $(user_data: $access:ident $(($param:ident))?,)?
            -> $result:ty { $( $field:ident : $fty:ty = $pname:literal ),* $(,)? }
    )+) => {
        $(
            $(#[doc = $doc])+
            #[doc = ""]
            #[doc = concat!("Wire name: `", $wire, "`.")]
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub struct $variant {
                $(
                    #[doc = concat!("Parameter `", $pname, "`.")]
                    pub $field: $fty,
                )*
            }

            impl $variant {
                /// The request with these parameters.
                #[allow(clippy::new_without_default)]
                pub fn new($($field: $fty),*) -> Self {
                    Self { $($field),* }
                }
            }

            impl ScapiRequest for $variant {
                const NAME: &'static str = $wire;
                type Result = $result;

                fn spec() -> &'static RequestSpec {
                    &REQUESTS[RequestIndex::$variant as usize]
                }

                #[allow(unused_variables, unused_mut, unused_assignments)]
                fn decode_parameters(
                    parameters: &[Value],
                    coerced: &mut Coercions,
                ) -> Result<Self, DecodeError> {
                    let spec = Self::spec();
                    let mut index = 0;
                    $(
                        let $field = decode_slot::<$fty>(parameters, index, spec, coerced)?;
                        index += 1;
                    )*
                    Ok(Self { $($field),* })
                }

                fn to_parameters(&self) -> Vec<Value> {
                    vec![$(Arg::to_slot(&self.$field)),*]
                }

                #[allow(unused_variables, unused_mut)]
                fn from_raw_parameters(parameters: &[&RawValue]) -> Option<Self> {
                    let mut slots = parameters.iter().copied();
                    $( let $field = <$fty as Arg>::from_raw(slots.next())?; )*
                    Some(Self { $($field),* })
                }

                fn into_request(self) -> Request {
                    Request::$variant(self)
                }
            }

            impl $variant {
                #[allow(unused_mut, unused_assignments, unused_variables)]
                fn is_slot_null(&self, index: usize) -> bool {
                    let mut position = 0;
                    $(
                        if position == index {
                            return Arg::is_null_slot(&self.$field);
                        }
                        position += 1;
                    )*
                    false
                }

                #[allow(unused_mut, unused_assignments, unused_variables)]
                fn serialize_slots<S: SerializeSeq>(&self, seq: &mut S, count: usize) -> Result<(), S::Error> {
                    let mut position = 0;
                    $(
                        if position < count {
                            seq.serialize_element(&self.$field)?;
                        }
                        position += 1;
                    )*
                    Ok(())
                }

                const DECLARED: usize = <[&str]>::len(&[$($pname),*]);

                fn written_user_data(&self) -> Option<WrittenKeys<'_>> {
                    written_keys!(self; $($access $(($param))?)?)
                }
            }

            impl From<$variant> for Request {
                fn from(request: $variant) -> Self {
                    Request::$variant(request)
                }
            }
        )+

        /// Each request's position in [`REQUESTS`]: declaration order numbers both.
        #[derive(Clone, Copy)]
        #[allow(dead_code)]
        enum RequestIndex {
            $( $variant, )+
        }

        /// The position of `name` in [`REQUESTS`]; a generated `match`, not a scan.
        fn index_of(name: &str) -> Option<RequestIndex> {
            match name {
                $( $wire => Some(RequestIndex::$variant), )+
                _ => None,
            }
        }

        /// Every request the SDK knows, in namespace order.
        pub static REQUESTS: &[RequestSpec] = &[$(
            RequestSpec {
                name: $wire,
                namespace: Namespace::$ns,
                type_name: stringify!($variant),
                params: &[$(ParamSpec {
                    name: $pname,
                    rust_type: stringify!($fty),
                    shape: <$fty as Arg>::SHAPE,
                    required: <$fty as Arg>::REQUIRED,
                    accepts: <$fty as Arg>::ACCEPTS,
                }),*],
                result: stringify!($result),
                since: $since,
                source: $source,
                summary: concat!($($doc),+),
                user_data: user_data_access!($($access $(($param))?)?; $($field),*),
            },
        )+];

        /// A decoded request: a typed variant per known name, or [`Request::Unknown`].
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Request {
            $(
                $(#[doc = $doc])+
                $variant($variant),
            )+
            /// A name this version does not know, kept verbatim.
            Unknown(UnknownRequest),
        }

        impl Request {
            /// Decodes `parameters` for the request called `name`. Unknown names decode to
            /// [`Request::Unknown`]; known names with bad parameters are errors. Values of
            /// another JSON type are converted as [`Request::decode_coerced`] says, without
            /// the record of what was converted.
            pub fn decode(name: &str, parameters: &[Value]) -> Result<Self, DecodeError> {
                Self::decode_into(name, parameters, &mut Coercions::new())
            }

            /// [`Request::decode`], with the list of parameter values converted the way a
            /// JavaScript Workspace would (a number for a string id, `"2"` for an integer,
            /// ...), in parameter order.
            pub fn decode_coerced(
                name: &str,
                parameters: &[Value],
            ) -> Result<(Self, Vec<Coercion>), DecodeError> {
                let mut coerced = Coercions::new();
                let request = Self::decode_into(name, parameters, &mut coerced)?;
                Ok((request, coerced.into_vec()))
            }

            fn decode_into(
                name: &str,
                parameters: &[Value],
                coerced: &mut Coercions,
            ) -> Result<Self, DecodeError> {
                match name {
                    $( $wire => $variant::decode_parameters(parameters, coerced).map(Self::$variant), )+
                    _ => Ok(Self::Unknown(UnknownRequest {
                        name: name.to_owned(),
                        parameters: parameters.to_vec(),
                    })),
                }
            }

            /// [`Request::decode`] straight from the parameters' JSON text; `None` when the
            /// precise decoder must be asked.
            pub(crate) fn decode_raw(name: &str, parameters: &[&RawValue]) -> Option<Self> {
                match name {
                    $( $wire => $variant::from_raw_parameters(parameters).map(Self::$variant), )+
                    _ => Some(Self::Unknown(UnknownRequest {
                        name: name.to_owned(),
                        parameters: parameters
                            .iter()
                            .map(|raw| serde_json::from_str(raw.get()).ok())
                            .collect::<Option<Vec<Value>>>()?,
                    })),
                }
            }

            /// The request name.
            pub fn name(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $wire, )+
                    Self::Unknown(unknown) => &unknown.name,
                }
            }

            /// The table entry, or `None` for an unknown request.
            pub fn spec(&self) -> Option<&'static RequestSpec> {
                match self {
                    $( Self::$variant(_) => Some($variant::spec()), )+
                    Self::Unknown(_) => None,
                }
            }

            /// The attached-data keys the request writes or deletes, as the table's
            /// [`UserDataAccess::Write`] says; `None` for every other request (unknown
            /// ones included).
            pub fn written_user_data(&self) -> Option<WrittenKeys<'_>> {
                match self {
                    $( Self::$variant(request) => request.written_user_data(), )+
                    Self::Unknown(_) => None,
                }
            }

            /// Number of declared parameters (received slots for an unknown request).
            pub fn declared_parameters(&self) -> usize {
                match self {
                    $( Self::$variant(_) => $variant::DECLARED, )+
                    Self::Unknown(unknown) => unknown.parameters.len(),
                }
            }

            /// Whether slot `index` encodes as `null`.
            pub(crate) fn is_slot_null(&self, index: usize) -> bool {
                match self {
                    $( Self::$variant(request) => request.is_slot_null(index), )+
                    Self::Unknown(unknown) => unknown.parameters.get(index).is_none_or(Value::is_null),
                }
            }

            /// Writes the first `count` slots without building JSON values.
            pub(crate) fn serialize_slots<S: SerializeSeq>(&self, seq: &mut S, count: usize) -> Result<(), S::Error> {
                match self {
                    $( Self::$variant(request) => request.serialize_slots(seq, count), )+
                    Self::Unknown(unknown) => {
                        unknown.parameters.iter().take(count).try_for_each(|slot| seq.serialize_element(slot))
                    }
                }
            }

            /// The positional parameters: one slot per declared parameter, or the received
            /// array for an unknown request.
            pub fn to_parameters(&self) -> Vec<Value> {
                match self {
                    $( Self::$variant(request) => request.to_parameters(), )+
                    Self::Unknown(unknown) => unknown.parameters.clone(),
                }
            }
        }

        /// JSON Schemas of one request's parameters and result; `None` for an unknown name.
        #[cfg(feature = "schema")]
        pub(crate) fn request_schema(
            name: &str,
            generator: &mut SchemaGenerator,
        ) -> Option<(Value, schemars::Schema)> {
            match name {
                $(
                    $wire => {
                        let items: Vec<schemars::Schema> =
                            vec![$(generator.subschema_for::<$fty>()),*];
                        let params = parameters_schema($variant::spec(), items);
                        Some((params, generator.subschema_for::<$result>()))
                    }
                )+
                _ => None,
            }
        }
    };
}

requests! {
    /// Returns the session's JWT access token (must be named explicitly in an origin filter).
    AuthGetJwtToken = "auth.getJwtToken" in Auth, since "2020", Source::Library, -> JwtToken {}
    /// Returns a Genesys Cloud token; result shape undocumented.
    AuthGetPureCloudToken = "auth.getPureCloudToken" in Auth, since "2020", Source::Sample,
        -> Value { force_new_token: Option<bool> = "forceNewToken" }

    /// The current agent's attributes.
    AgentGet = "agent.get" in Agent, since "2014", Source::Library, -> Agent {}
    /// The agent's global state.
    AgentGetState = "agent.getState" in Agent, since "2014", Source::Library, -> MediaState {}
    /// The states the agent can switch to.
    AgentGetStateList = "agent.getStateList" in Agent, since "2014", Source::Library,
        -> Vec<MediaState> {}
    /// Changes the agent's global state to an `operationName` of `agent.getStateList`.
    AgentSetState = "agent.setState" in Agent, since "2014", Source::Library,
        -> NoData { state_operation_name: String = "stateOperationName" }

    /// One entry per media the agent is logged on to.
    MediaGetMediaList = "media.getMediaList" in Media, since "2014", Source::Library,
        -> Vec<Media> {}
    /// One media by name, e.g. `voice`.
    MediaGetMediaByName = "media.getMediaByName" in Media, since "2020", Source::Library,
        -> Media { name: String = "name" }
    /// Changes the agent's state on one media.
    MediaSetState = "media.setState" in Media, since "2014", Source::Library,
        -> NoData { media_name: String = "mediaName", state_operation_name: String = "stateOperationName" }

    /// Every interaction of this Workspace session.
    InteractionGetInteractions = "interaction.getInteractions" in Interaction, since "2014",
        Source::Library, user_data: reads, -> Vec<Interaction> {}
    /// One interaction, or `null` when there is none with this id.
    InteractionGetByInteractionId = "interaction.getByInteractionId" in Interaction,
        since "2014", Source::Library, user_data: reads,
        -> Option<Interaction> { interaction_id: String = "interactionId" }
    /// The interactions of a bundle (documentation keyword only).
    InteractionGetByBundleId = "interaction.getByBundleId" in Interaction, since "8.5.2",
        Source::Documentation, user_data: reads, -> Vec<Interaction> { bundle_id: String = "bundleId" }
    /// The interactions of a case (documentation keyword only).
    InteractionGetByCaseId = "interaction.getByCaseId" in Interaction, since "8.5.2",
        Source::Documentation, user_data: reads, -> Vec<Interaction> { case_id: String = "caseId" }
    /// Writes keys onto a live interaction's attached data (write allow-list applies).
    InteractionSetUserData = "interaction.setUserData" in Interaction, since "2014",
        Source::Library, user_data: writes(key_values),
        -> NoData { interaction_id: String = "interactionId", key_values: UserData = "keyValues" }
    /// Deletes one key of an interaction's attached data (write allow-list applies).
    InteractionDeleteUserData = "interaction.deleteUserData" in Interaction, since "2014",
        Source::Library, user_data: writes(key),
        -> NoData { interaction_id: String = "interactionId", key: String = "key" }
    /// Selects a case in the Workspace UI.
    InteractionSelectCaseByCaseId = "interaction.selectCaseByCaseId" in Interaction,
        since "2020", Source::Library, -> NoData { case_id: String = "caseId" }
    /// Marks an interaction done.
    InteractionMarkdone = "interaction.markdone" in Interaction, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Prevents "mark done"; Workspace shows the warning to the agent.
    InteractionBlockMarkdone = "interaction.blockMarkdone" in Interaction, since "2020",
        Source::Library,
        -> NoData { interaction_id: String = "interactionId", warning_message: Option<String> = "warningMessage" }
    /// Lifts a mark-done block.
    InteractionUnblockMarkdone = "interaction.unblockMarkdone" in Interaction, since "2020",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// Accepts an offered interaction.
    InteractionAccept = "interaction.accept" in Interaction, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Rejects an offered interaction.
    InteractionReject = "interaction.reject" in Interaction, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Blind transfer.
    InteractionSingleStepTransfer = "interaction.singleStepTransfer" in Interaction,
        since "2023", Source::Library,
        -> NoData {
            interaction_id: String = "interactionId",
            target_query: TargetQuery = "targetQuery",
            user_data: Option<UserData> = "userData",
            extensions: Option<Extensions> = "extensions",
        }
    /// Blind conference.
    InteractionSingleStepConference = "interaction.singleStepConference" in Interaction,
        since "2023", Source::Library,
        -> NoData {
            interaction_id: String = "interactionId",
            target_query: TargetQuery = "targetQuery",
            user_data: Option<UserData> = "userData",
            extensions: Option<Extensions> = "extensions",
        }
    /// Starts a consultation; agentdesk answers with the consultation interaction.
    InteractionConsult = "interaction.consult" in Interaction, since "2023", Source::Library,
        user_data: reads, -> Value {
            interaction_id: String = "interactionId",
            target_query: TargetQuery = "targetQuery",
            user_data: Option<UserData> = "userData",
            extensions: Option<Extensions> = "extensions",
        }
    /// Completes a two-step transfer, given the consultation interaction.
    InteractionCompleteTransfer = "interaction.completeTransfer" in Interaction, since "2023",
        Source::Library, -> NoData { consult_interaction_id: String = "consultInteractionId" }
    /// Completes a two-step conference, given the consultation interaction.
    InteractionCompleteConference = "interaction.completeConference" in Interaction,
        since "2023", Source::Library,
        -> NoData { consult_interaction_id: String = "consultInteractionId" }
    /// Legacy name of `interaction.setUserData` (8.5.2 draft).
    InteractionAttachUserData = "interaction.attachUserData" in Interaction, since "8.5.2",
        Source::LegacyAliasOf("interaction.setUserData"), user_data: writes(key_values),
        -> NoData { interaction_id: String = "interactionId", key_values: UserData = "keyValues" }
    /// Legacy name of `interaction.setUserData` (8.5.2 draft).
    InteractionUpdateUserData = "interaction.updateUserData" in Interaction, since "8.5.2",
        Source::LegacyAliasOf("interaction.setUserData"), user_data: writes(key_values),
        -> NoData { interaction_id: String = "interactionId", key_values: UserData = "keyValues" }

    /// Click-to-dial.
    VoiceDial = "voice.dial" in Voice, since "2014", Source::Library,
        -> NoData { destination: String = "destination", user_data: Option<UserData> = "userData" }
    /// Dial with telephony extensions.
    VoiceDialEx = "voice.dialEx" in Voice, since "2023", Source::Library,
        -> NoData {
            destination: String = "destination",
            user_data: Option<UserData> = "userData",
            extensions: Option<Extensions> = "extensions",
        }
    /// Answers a ringing call.
    VoiceAnswer = "voice.answer" in Voice, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Holds a call.
    VoiceHold = "voice.hold" in Voice, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Retrieves a held call.
    VoiceResume = "voice.resume" in Voice, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Releases a call.
    VoiceHangUp = "voice.hangUp" in Voice, since "2020", Source::Library,
        -> NoData { interaction_id: String = "interactionId" }
    /// Starts recording a call.
    VoiceStartCallRecording = "voice.startCallRecording" in Voice, since "2014",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// Stops recording a call.
    VoiceStopCallRecording = "voice.stopCallRecording" in Voice, since "2014",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// Pauses a call recording.
    VoicePauseCallRecording = "voice.pauseCallRecording" in Voice, since "2014",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// Resumes a paused call recording.
    VoiceResumeCallRecording = "voice.resumeCallRecording" in Voice, since "2014",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }

    /// Mutes the softphone microphone.
    SipEndpointMuteMicrophone = "sipEndpoint.muteMicrophone" in SipEndpoint, since "2020",
        Source::Library, -> NoData {}
    /// Unmutes the softphone microphone.
    SipEndpointUnmuteMicrophone = "sipEndpoint.unmuteMicrophone" in SipEndpoint, since "2020",
        Source::Library, -> NoData {}
    /// Mutes the softphone speaker.
    SipEndpointMuteSpeaker = "sipEndpoint.muteSpeaker" in SipEndpoint, since "2020",
        Source::Library, -> NoData {}
    /// Unmutes the softphone speaker.
    SipEndpointUnmuteSpeaker = "sipEndpoint.unmuteSpeaker" in SipEndpoint, since "2020",
        Source::Library, -> NoData {}
    /// Whether the softphone microphone is muted.
    SipEndpointIsMicrophoneMute = "sipEndpoint.isMicrophoneMute" in SipEndpoint, since "2020",
        Source::Library, -> bool {}
    /// Whether the softphone speaker is muted.
    SipEndpointIsSpeakerMute = "sipEndpoint.isSpeakerMute" in SipEndpoint, since "2020",
        Source::Library, -> bool {}

    /// Opens a new outbound email to an address.
    EmailCreate = "email.create" in Email, since "2014", Source::Library,
        -> NoData { destination: String = "destination", user_data: Option<UserData> = "userData" }

    /// Loaded or running campaigns of the agent; shape undocumented.
    OutboundGetCampaigns = "outbound.getCampaigns" in Outbound, since "2021", Source::Library,
        -> Value {}
    /// Pull Preview: asks for a record of a campaign.
    OutboundGetPreviewRecord = "outbound.getPreviewRecord" in Outbound, since "2021",
        Source::Library, -> Value { campaign_name: String = "campaignName" }
    /// Dials a previewed record (`recordHandle` picks the record of the chain).
    OutboundCallPreviewRecord = "outbound.callPreviewRecord" in Outbound, since "2021",
        Source::Library,
        -> NoData { interaction_id: String = "interactionId", record_handle: Option<i64> = "recordHandle" }
    /// Rejects a previewed record (documentation omits the id, the library sends it).
    OutboundRejectPreviewRecord = "outbound.rejectPreviewRecord" in Outbound, since "2021",
        Source::Library, -> NoData { interaction_id: Option<String> = "interactionId" }
    /// Cancels a previewed record (documentation omits the id, the library sends it).
    OutboundCancelPreviewRecord = "outbound.cancelPreviewRecord" in Outbound, since "2021",
        Source::Library, -> NoData { interaction_id: Option<String> = "interactionId" }
    /// Starts receiving Direct Push Preview records.
    OutboundStartDirectPushPreview = "outbound.startDirectPushPreview" in Outbound,
        since "2021", Source::Library, -> NoData {}
    /// Stops receiving Direct Push Preview records.
    OutboundStopDirectPushPreview = "outbound.stopDirectPushPreview" in Outbound,
        since "2021", Source::Library, -> NoData {}
    /// Reschedules a record (`M/D/YYYY H:m` local time in the official sample).
    OutboundRescheduleRecord = "outbound.rescheduleRecord" in Outbound, since "2021",
        Source::Library,
        -> NoData {
            interaction_id: String = "interactionId",
            record_handle: i64 = "recordHandle",
            reschedule_date: RescheduleDate = "rescheduleDate",
            callback_type: String = "callbackType",
        }
    /// Cancels a reschedule.
    OutboundCancelReschedule = "outbound.cancelReschedule" in Outbound, since "2021",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// The call results the agent may set; shape undocumented.
    OutboundGetListOfCallResults = "outbound.getListOfCallResults" in Outbound, since "2021",
        Source::Library, -> Value {}
    /// Sets the call result (numeric code) of a record.
    OutboundSetCallResult = "outbound.setCallResult" in Outbound, since "2021",
        Source::Library,
        -> NoData { interaction_id: String = "interactionId", call_result: i64 = "callResult" }
    /// The call result of a record; shape undocumented.
    OutboundGetCallResult = "outbound.getCallResult" in Outbound, since "2021",
        Source::Library, -> Value { interaction_id: String = "interactionId" }
    /// Marks the record's contact as do-not-call.
    OutboundSetDoNotCall = "outbound.setDoNotCall" in Outbound, since "2021",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// Removes the do-not-call mark.
    OutboundRemoveDoNotCall = "outbound.removeDoNotCall" in Outbound, since "2021",
        Source::Library, -> NoData { interaction_id: String = "interactionId" }
    /// The records of the chain; shape undocumented (agentdesk answers an array of records).
    OutboundGetChainedRecords = "outbound.getChainedRecords" in Outbound, since "2021",
        Source::Library, -> Value { interaction_id: String = "interactionId" }
    /// Calling-list fields of the current record.
    OutboundGetRecordFields = "outbound.getRecordFields" in Outbound, since "2021",
        Source::Library, -> RecordFields { interaction_id: String = "interactionId" }
    /// Updates calling-list fields of the current record.
    OutboundUpdateRecordFields = "outbound.updateRecordFields" in Outbound, since "2021",
        Source::Library,
        -> NoData { interaction_id: String = "interactionId", record_data: RecordFields = "recordData" }

    /// The request names this origin may call.
    SystemGetAllowedServices = "system.getAllowedServices" in System, since "2014",
        Source::Library, -> Vec<String> {}
    /// Counts as agent activity for Workspace inactivity timers.
    SystemTriggerActivity = "system.triggerActivity" in System, since "2020", Source::Library,
        -> NoData {}
    /// Shows a toast; returns its id.
    SystemPopupToast = "system.popupToast" in System, since "2020", Source::Library,
        -> String { parameters: ToastParameters = "parameters" }
    /// Updates a toast.
    SystemUpdateToast = "system.updateToast" in System, since "2020", Source::Library,
        -> NoData { id: String = "id", parameters: ToastParameters = "parameters" }
    /// Closes a toast.
    SystemCloseToast = "system.closeToast" in System, since "2020", Source::Library,
        -> NoData { id: String = "id" }
    /// Opens a dialog on a URL; returns its id.
    SystemOpenDialog = "system.openDialog" in System, since "2022", Source::Library,
        -> String { url: String = "url", options: Option<DialogOptions> = "options" }
    /// Closes a dialog.
    SystemCloseDialog = "system.closeDialog" in System, since "2022", Source::Library,
        -> NoData { dialog_id: String = "dialogId" }
    /// Creates or updates a custom view in the application menu bar.
    SystemUpdateViewInApplicationMenuBar = "system.updateViewInApplicationMenuBar" in System,
        since "2023", Source::Library, -> NoData { parameters: MenuBarView = "parameters" }
    /// Closes a custom menu-bar view.
    SystemCloseViewInApplicationMenuBar = "system.closeViewInApplicationMenuBar" in System,
        since "2023", Source::Library, -> NoData { name: String = "name" }
    /// Whether the calling frame is visible.
    SystemAmIVisible = "system.amIVisible" in System, since "2022", Source::Library, -> bool {}
    /// Whether this Workspace tab is the elected leader.
    SystemIsFrameLeading = "system.isFrameLeading" in System, since "2021", Source::Library,
        -> bool {}
    /// Whether this Workspace tab is a follower.
    SystemIsFrameFollowing = "system.isFrameFollowing" in System, since "2021",
        Source::Library, -> bool {}
    /// Whether this Workspace tab is running the leader election.
    SystemIsFrameNegotiating = "system.isFrameNegotiating" in System, since "2021",
        Source::Library, -> bool {}
    /// Whether this Workspace tab leads or is negotiating.
    SystemIsFrameLeadingOrNegotiating = "system.isFrameLeadingOrNegotiating" in System,
        since "2021", Source::Library, -> bool {}
    /// Whether this Workspace tab was the most recently active one.
    SystemIsLastActiveFrame = "system.isLastActiveFrame" in System, since "2021",
        Source::Library, -> bool {}

    /// Delivers `message` as event `messenger:<channel>` to the other subscribed frames.
    MessengerBroadcastMessage = "messenger.broadcastMessage" in Messenger, since "2022",
        Source::Library, -> NoData { channel: String = "channel", message: Value = "message" }

    /// Option values by selector (`voice.*`, `Section/option`).
    ConfigurationGetOption = "configuration.getOption" in Configuration, since "2020",
        Source::Library, -> Vec<ConfigSection> { options: OptionSelectors = "options" }
    /// Option values as overridden for one interaction by routing.
    ConfigurationGetContextualOption = "configuration.getContextualOption" in Configuration,
        since "2022", Source::Documentation,
        -> Vec<ConfigSection> { options: OptionSelectors = "options", interaction_id: String = "interactionId" }
}
