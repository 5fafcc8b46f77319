//! `configuration.getOption` / `getContextualOption` over the simulated option store, with
//! the selector grammar of spec section 2.11:
//! `option` (section `interaction-workspace`), `Section/option`, a trailing wildcard
//! (`voice.*`, `voice.auto*`, `MySection/*`) and lists (union). A selector starting with `*`
//! (`*.mark-done`) or with a `*` anywhere but at its end is refused.
//!
//! Result shape (undocumented): one `configuration.Section` per section with a match, in
//! section-name order: `{ "name": "<section>", "options": { "<option>": "<value>" } }`.
//! Selectors that match nothing add nothing.
//!
//! Contextual options: attached data of the interaction overrides the store, as a routing
//! strategy would: key `option` for the default section or `Section/option` for another.

use std::collections::BTreeMap;

use agentdesk_protocol::config::BEHAVIOUR_OPTIONS;
use agentdesk_protocol::scapi::types::{ConfigSection, OptionSelectors, UserData};
use serde_json::Value;

use super::config::DEFAULT_SECTION;
use super::error::SimulationError;
use super::state::{Handled, SimulatedState};
use super::to_value;
use crate::workspace::Reply;

/// Section name to option name to value.
pub(crate) type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// The option store: the simulated desktop's own options, overlaid by the option file's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptionStore {
    defaults: Sections,
    /// What the option file sets; replaced as a whole when the file is read again.
    file: Sections,
    /// `defaults` with `file` over it, as requests see them.
    sections: Sections,
}

/// One parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    section: String,
    /// The option name, or its prefix when `wildcard`.
    option: String,
    wildcard: bool,
}

impl Selector {
    /// Parses one selector of the grammar in the module docs.
    pub(crate) fn parse(text: &str) -> Result<Self, SimulationError> {
        let invalid = |hint: &'static str| SimulationError::InvalidParameter {
            parameter: "option selector",
            value: text.to_owned(),
            hint,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(invalid("give an option name such as 'voice.auto-answer'"));
        }
        if trimmed.starts_with('*') {
            return Err(invalid(
                "a selector cannot start with '*'; put the wildcard at the end, e.g. 'voice.*'",
            ));
        }
        let (section, option) = match trimmed.split_once('/') {
            Some((section, option)) => (section, option),
            None => (DEFAULT_SECTION, trimmed),
        };
        if section.is_empty() || section.contains('*') {
            return Err(invalid(
                "name the section in full, e.g. 'CustomSection/option.name' or 'CustomSection/*'",
            ));
        }
        let (option, wildcard) = match option.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (option, false),
        };
        if option.contains('*') {
            return Err(invalid("a '*' may only end a selector, e.g. 'voice.auto*'"));
        }
        if option.is_empty() && !wildcard {
            return Err(invalid("give an option name after the section, or '*'"));
        }
        Ok(Self {
            section: section.to_owned(),
            option: option.to_owned(),
            wildcard,
        })
    }

    fn matches(&self, section: &str, option: &str) -> bool {
        section == self.section
            && if self.wildcard {
                option.starts_with(&self.option)
            } else {
                option == self.option
            }
    }
}

impl OptionStore {
    pub(crate) fn new(defaults: Sections) -> Self {
        Self {
            sections: defaults.clone(),
            defaults,
            file: Sections::new(),
        }
    }

    /// Sets what the option file says, replacing what an earlier reading of it said; the
    /// desktop's own options stay under it.
    pub(crate) fn set_file(&mut self, file: Sections) {
        let mut sections = self.defaults.clone();
        for (section, options) in &file {
            sections
                .entry(section.clone())
                .or_default()
                .extend(options.clone());
        }
        self.file = file;
        self.sections = sections;
    }

    /// A behaviour option of `[interaction-workspace]` (see [`BEHAVIOUR_OPTIONS`]): `true` or
    /// `false` in any letter case; anything else, or nothing, is its documented default.
    pub(crate) fn flag(&self, option: &str) -> bool {
        let default = BEHAVIOUR_OPTIONS
            .iter()
            .find(|(name, _)| *name == option)
            .is_some_and(|(_, default)| *default);
        let written = self
            .sections
            .get(DEFAULT_SECTION)
            .and_then(|options| options.get(option));
        match written.map(|value| value.to_ascii_lowercase()).as_deref() {
            Some("true") => true,
            Some("false") => false,
            _ => default,
        }
    }

    /// The sections the selectors match, with overrides applied.
    fn select(
        &self,
        selectors: &OptionSelectors,
        overrides: &Sections,
    ) -> Result<Vec<ConfigSection>, SimulationError> {
        let parsed = selectors
            .iter()
            .map(Selector::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let mut merged = self.sections.clone();
        for (section, options) in overrides {
            merged
                .entry(section.clone())
                .or_default()
                .extend(options.clone());
        }
        let mut answer = Vec::new();
        for (section, options) in &merged {
            let matched: serde_json::Map<String, Value> = options
                .iter()
                .filter(|(name, _)| parsed.iter().any(|s| s.matches(section, name)))
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            if !matched.is_empty() {
                answer.push(ConfigSection(BTreeMap::from([
                    ("name".to_owned(), Value::String(section.clone())),
                    ("options".to_owned(), Value::Object(matched)),
                ])));
            }
        }
        Ok(answer)
    }
}

/// Routing-strategy overrides carried in attached data.
fn overrides_of(user_data: Option<&UserData>) -> Sections {
    let mut sections = Sections::new();
    for (key, value) in user_data.into_iter().flatten() {
        let Some(value) = value
            .as_str()
            .map(str::to_owned)
            .or_else(|| (value.is_number() || value.is_boolean()).then(|| value.to_string()))
        else {
            continue;
        };
        let (section, option) = key
            .split_once('/')
            .unwrap_or((DEFAULT_SECTION, key.as_str()));
        sections
            .entry(section.to_owned())
            .or_default()
            .insert(option.to_owned(), value);
    }
    sections
}

impl SimulatedState {
    pub(crate) fn get_option(&self, selectors: &OptionSelectors) -> Handled {
        let sections = self.options.select(selectors, &Sections::new())?;
        Ok(Reply::data(to_value(&sections)))
    }

    pub(crate) fn get_contextual_option(
        &self,
        selectors: &OptionSelectors,
        interaction_id: &str,
    ) -> Handled {
        let interaction = self.find(interaction_id)?;
        // Only keys that look like options can override: attached data also holds case ids.
        let overrides: Sections = overrides_of(interaction.wire.user_data.as_ref())
            .into_iter()
            .map(|(section, options)| {
                let options = options
                    .into_iter()
                    .filter(|(name, _)| name.contains('.') || section != DEFAULT_SECTION)
                    .collect();
                (section, options)
            })
            .collect();
        let sections = self.options.select(selectors, &overrides)?;
        Ok(Reply::data(to_value(&sections)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_grammar() {
        let bare = Selector::parse("voice.auto-answer").unwrap();
        assert!(bare.matches(DEFAULT_SECTION, "voice.auto-answer"));
        assert!(!bare.matches(DEFAULT_SECTION, "voice.auto-answer.timer"));
        let prefix = Selector::parse("voice.auto*").unwrap();
        assert!(prefix.matches(DEFAULT_SECTION, "voice.auto-answer"));
        let section = Selector::parse("MySection/*").unwrap();
        assert!(section.matches("MySection", "anything"));
        assert!(!section.matches(DEFAULT_SECTION, "anything"));
        for bad in ["*.mark-done", "*.auto", "*", "voice.*.x", "", "*/x", "Sec/"] {
            assert!(Selector::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
