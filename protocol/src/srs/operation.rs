//! Operation bodies on `POST /api/v2/me` (the logout) and the shape-based split between them
//! and the login configuration array.

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::login::LoginConfiguration;
use crate::open_enum::open_enum;

open_enum! {
    /// The `operationName` of an operation body.
    pub enum OperationName {
        /// Ends the agent's SRS session (the logout).
        EndContactCenterSession => "EndContactCenterSession",
    }
}

/// An operation body such as `{"operationName":"EndContactCenterSession"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OperationRequest {
    /// Which operation.
    pub operation_name: OperationName,
    /// Further keys, kept as received (SRS documents none for the logout).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl OperationRequest {
    /// The logout body.
    pub fn end_contact_center_session() -> Self {
        Self {
            operation_name: OperationName::EndContactCenterSession,
            extra: BTreeMap::new(),
        }
    }
}

/// Any body of `POST /api/v2/me`.
///
/// A JSON array is a login configuration and a JSON object is an operation; the kind is read
/// before the contents, so an error always speaks about the body the peer meant to send.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MeRequest {
    /// Login Request with Configuration.
    Login(LoginConfiguration),
    /// An operation, such as the logout.
    Operation(OperationRequest),
}

impl MeRequest {
    /// Decodes a body from its bytes; the error says what was wrong and where.
    pub fn from_slice(body: &[u8]) -> Result<Self, String> {
        let value: Value = serde_json::from_slice(body).map_err(|err| {
            format!("the body is not valid JSON ({err}); send a {{name, value}} array or an operation object")
        })?;
        Self::from_value(value)
    }

    /// Decodes a body from a parsed JSON value.
    pub fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Array(_) => LoginConfiguration::from_value(value).map(Self::Login),
            Value::Object(_) => OperationRequest::deserialize(value)
                .map(Self::Operation)
                .map_err(|err| format!("operation body: {err}")),
            _ => Err(
                "the body must be a JSON array (login configuration) or an object with \
                 `operationName` (for example the EndContactCenterSession logout)"
                    .to_owned(),
            ),
        }
    }
}

impl Serialize for MeRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Login(configuration) => configuration.serialize(serializer),
            Self::Operation(operation) => operation.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for MeRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for MeRequest {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MeRequest".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let login = generator.subschema_for::<LoginConfiguration>().to_value();
        let operation = generator.subschema_for::<OperationRequest>().to_value();
        json_schema!({
            "description": "POST /api/v2/me body: a login configuration array or an operation object",
            "oneOf": [login, operation]
        })
    }
}
