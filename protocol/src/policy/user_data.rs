//! `user-data.read-allowed` and `user-data.write-allowed`: which attached-data keys pages
//! may see and change.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::scapi::Request;
use crate::scapi::envelope::FailureResponse;
use crate::scapi::types::{Interaction, UserData};

/// A key allow-list: `*` or a set of exact, case-sensitive keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KeyAllowList {
    /// `*`: every key (the documented default).
    #[default]
    Any,
    /// Only these keys; empty = none.
    Keys(BTreeSet<String>),
}

impl KeyAllowList {
    /// Whether `key` is allowed.
    pub fn allows(&self, key: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Keys(keys) => keys.contains(key),
        }
    }
}

impl fmt::Display for KeyAllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Keys(keys) => {
                for (index, key) in keys.iter().enumerate() {
                    if index > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(key)?;
                }
                Ok(())
            }
        }
    }
}

/// A user-data write touching keys outside `write-allowed`; nothing may be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.error_message())]
pub struct WriteRefused {
    /// The request that tried the write.
    pub request: String,
    /// Every forbidden key it touched.
    pub forbidden: BTreeSet<String>,
}

impl WriteRefused {
    /// The failure response answering the refused request with `reference_id`.
    pub fn to_failure(&self, reference_id: impl Into<String>) -> FailureResponse {
        FailureResponse::new(reference_id, self.error_message())
    }

    /// The failure's `errorMessage`.
    pub fn error_message(&self) -> String {
        let keys: Vec<String> = self.forbidden.iter().map(|k| format!("'{k}'")).collect();
        format!(
            "The request '{}' was refused: writing the user data keys {} is not allowed. Nothing was written.",
            self.request,
            keys.join(", ")
        )
    }
}

/// The two user-data allow-lists. They govern interaction attached data (`userData`)
/// only: outbound record fields (`chainedRecords`, `outbound.getRecordFields`,
/// `outbound.getChainedRecords`, `outbound.updateRecordFields`) pass untouched, as the
/// [policy docs](super#user-data) explain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDataPolicy {
    /// Keys visible in `userData` of results and events.
    pub read: KeyAllowList,
    /// Keys `interaction.setUserData` / `interaction.deleteUserData` may change.
    pub write: KeyAllowList,
}

/// The key under which interactions carry attached data on the wire.
const USER_DATA_FIELD: &str = "userData";

impl UserDataPolicy {
    /// Removes keys that may not be read.
    pub fn filter_user_data(&self, data: &mut UserData) {
        if let KeyAllowList::Keys(_) = &self.read {
            data.retain(|key, _| self.read.allows(key));
        }
    }

    /// Removes unreadable keys from an interaction's attached data.
    pub fn filter_interaction(&self, interaction: &mut Interaction) {
        if let Some(data) = &mut interaction.user_data {
            self.filter_user_data(data);
        }
    }

    /// Removes unreadable keys from every `userData` object anywhere in a result or
    /// event payload (interactions inside arrays, `data.interaction`, ...). The values of
    /// allowed keys are left untouched, even if they contain a `userData` field, and so are
    /// outbound record fields (`chainedRecords` and record results), which are not user
    /// data.
    pub fn filter_value(&self, value: &mut Value) {
        if let KeyAllowList::Any = self.read {
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match child {
                        Value::Object(data) if key == USER_DATA_FIELD => {
                            data.retain(|k, _| self.read.allows(k));
                        }
                        _ => self.filter_value(child),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.filter_value(item)),
            _ => {}
        }
    }

    /// Whether [`Self::filter_value`] would remove anything from `value`: a shared result
    /// is copied only when it must change.
    pub fn hides_any(&self, value: &Value) -> bool {
        if let KeyAllowList::Any = self.read {
            return false;
        }
        match value {
            Value::Object(map) => map.iter().any(|(key, child)| match child {
                Value::Object(data) if key == USER_DATA_FIELD => {
                    data.keys().any(|k| !self.read.allows(k))
                }
                _ => self.hides_any(child),
            }),
            Value::Array(items) => items.iter().any(|item| self.hides_any(item)),
            _ => false,
        }
    }

    /// Refuses a write touching any key outside `write-allowed`, naming all of them.
    pub fn check_write<'k>(
        &self,
        request: &str,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), WriteRefused> {
        let forbidden: BTreeSet<String> = keys
            .into_iter()
            .filter(|key| !self.write.allows(key))
            .map(str::to_string)
            .collect();
        if forbidden.is_empty() {
            Ok(())
        } else {
            Err(WriteRefused {
                request: request.to_string(),
                forbidden,
            })
        }
    }

    /// Guards a request before it runs: a request the table marks as writing attached data
    /// ([`UserDataAccess::Write`](crate::scapi::requests::UserDataAccess::Write): `interaction.setUserData` and its legacy aliases by the
    /// keys of `keyValues`, `interaction.deleteUserData` by its `key`) is refused when it
    /// touches a key outside `write-allowed`. Other requests pass.
    pub fn guard_request(&self, request: &Request) -> Result<(), WriteRefused> {
        if self.write == KeyAllowList::Any {
            return Ok(());
        }
        match request.written_user_data() {
            Some(keys) => self.check_write(request.name(), keys),
            None => Ok(()),
        }
    }
}
