//! The whole WWE option file as one typed configuration: the security policy, the web
//! extension views, the behaviour options a desktop honours, and every other option kept
//! verbatim so it can still be read (`configuration.getOption`).
//!
//! The file is the form WWE administrators write: `key=value` lines, `[section]` headers,
//! `#`/`;` comments (see [`policy::parse`] for the lexical rules). Options written before any
//! header belong to `[interaction-workspace]`, the section Workspace reads its own options
//! from.
//!
//! ```
//! use agentdesk_protocol::config::{self, DisplayMode, ViewLevel};
//!
//! let text = "\
//! [interaction-workspace]
//! service-client-api.accepted-web-content-origins=https://crm.example.com
//! workspace.web-content=CrmPanel
//! voice.auto-answer=true
//!
//! [CrmPanel]
//! label=CRM
//! url=https://crm.example.com/panel.html?agent=$Agent.UserName$
//! ";
//! let parsed = config::parse(text)?;
//! let configuration = parsed.configuration;
//! assert!(parsed.warnings.is_empty());
//! assert!(configuration.behaviour().voice_auto_answer);
//!
//! let view = &configuration.views()[0];
//! assert_eq!((view.section.as_str(), view.label.as_str()), ("CrmPanel", "CRM"));
//! assert_eq!((view.level, view.mode), (ViewLevel::Workspace, DisplayMode::Tab));
//! assert_eq!(view.origin.as_deref(), Some("https://crm.example.com"));
//! assert_eq!(configuration.option("CrmPanel", "label"), Some("CRM"));
//! # Ok::<(), agentdesk_protocol::policy::ParseErrors>(())
//! ```
//!
//! # Decisions where the WWE documents are silent
//!
//! - **View sections** hold `url` (required), `label` (the tab or window title; the section
//!   name when absent) and `mode`, one of `tab` (the default: a tab of its own),
//!   `popup` (a separate browser window), `background` (loaded but not shown until
//!   selected) and `hidden` (loaded, never shown). Any other key of the section is kept and
//!   readable like every option.
//! - **Own-tab views**: a workspace-level view in `tab` mode ([`View::is_own_tab`]) may only
//!   call [`OWN_TAB_REQUEST`] (`voice.dial`) (`docs/decisions.md`, "A view in a Workspace tab
//!   of its own may only dial"). Interaction-level views, popups and background or hidden
//!   views are not restricted. The restriction comes on top of
//!   `service-client-api.accepted-web-content-origins`: the origin's entry must grant
//!   `voice.dial` too.
//! - **URL placeholders** of the form `$Agent.UserName$` are listed in [`PLACEHOLDERS`];
//!   the desktop replaces them, percent-encoded, when it opens the view. An unknown
//!   placeholder is a warning and stays as written.
//! - **Booleans** are `true` or `false`, in any letter case; anything else is a warning and
//!   the documented default applies.
//! - **Duplicates** outside the security options: the last value wins, with a warning.

mod behaviour;
mod views;

use std::collections::BTreeMap;
use std::fmt;

pub use behaviour::{BEHAVIOUR_OPTIONS, Behaviour};
pub use views::{
    DisplayMode, OWN_TAB_REQUEST, PLACEHOLDERS, View, ViewLevel, fill_agent_placeholders,
    substitute_placeholders,
};

use crate::policy::optfile::{self, OptionLine, SECTION};
use crate::policy::{self, ParseErrors, Policy, Warning};

/// The section Workspace reads its own options from.
pub const WORKSPACE_SECTION: &str = SECTION;

/// One option as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    /// The value, trimmed.
    pub value: String,
    /// 1-based line of the file.
    pub line: usize,
}

/// A configuration read from an option file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    policy: Policy,
    sections: BTreeMap<String, BTreeMap<String, OptionValue>>,
    views: Vec<View>,
    behaviour: Behaviour,
}

/// A non-fatal finding about the configuration (the security options report theirs as
/// [`Warning`]s in [`Parsed::policy_warnings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// 1-based line of the file (0 when the finding is about something missing).
    pub line: usize,
    /// The section the finding is about.
    pub section: String,
    /// The option, when one is concerned.
    pub option: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        write!(f, "[{}]", self.section)?;
        if let Some(option) = &self.option {
            write!(f, " {option}")?;
        }
        write!(f, ": {}; fix: {}", self.message, self.hint)
    }
}

/// What [`parse`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The configuration.
    pub configuration: Configuration,
    /// Findings about views and behaviour options, in file order.
    pub warnings: Vec<ConfigWarning>,
    /// Findings about the security options.
    pub policy_warnings: Vec<Warning>,
}

/// Reads a whole option file. Fails only where the security options fail ([`policy::parse`]):
/// a desktop must not start with a policy other than the one written.
pub fn parse(text: &str) -> Result<Parsed, ParseErrors> {
    let policy = policy::parse(text)?;
    let mut lex_errors = Vec::new();
    let lines = optfile::lex(text, &mut lex_errors);
    let mut warnings = Vec::new();
    let sections = collect_sections(&lines, &mut warnings);
    let behaviour = Behaviour::read(&sections, &mut warnings);
    let views = views::read(&sections, &policy.policy, &mut warnings);
    Ok(Parsed {
        configuration: Configuration {
            policy: policy.policy,
            sections,
            views,
            behaviour,
        },
        warnings,
        policy_warnings: policy.warnings,
    })
}

fn collect_sections(
    lines: &[OptionLine<'_>],
    warnings: &mut Vec<ConfigWarning>,
) -> BTreeMap<String, BTreeMap<String, OptionValue>> {
    let mut sections: BTreeMap<String, BTreeMap<String, OptionValue>> = BTreeMap::new();
    for line in lines {
        let section = line.section.unwrap_or(SECTION);
        let options = sections.entry(section.to_owned()).or_default();
        let value = OptionValue {
            value: line.value.to_owned(),
            line: line.line,
        };
        // The security options report their own duplicates (as errors).
        let security = section == SECTION && line.key.starts_with(policy::option::PREFIX);
        if let Some(earlier) = options.insert(line.key.to_owned(), value)
            && !security
        {
            warnings.push(ConfigWarning {
                line: line.line,
                section: section.to_owned(),
                option: Some(line.key.to_owned()),
                message: format!("set again (first at line {})", earlier.line),
                hint: "keep one line; the last value is the one used".into(),
            });
        }
    }
    sections
}

impl Configuration {
    /// The configuration of a file with no options: the documented defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The security policy (`service-client-api.*`).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The web extension views, workspace-level first, each list in written order.
    pub fn views(&self) -> &[View] {
        &self.views
    }

    /// The behaviour options, with their defaults where the file is silent.
    pub fn behaviour(&self) -> &Behaviour {
        &self.behaviour
    }

    /// The value of `option` in `section`, as written.
    pub fn option(&self, section: &str, option: &str) -> Option<&str> {
        self.sections
            .get(section)?
            .get(option)
            .map(|value| value.value.as_str())
    }

    /// Every section, by name, with its options as written.
    pub fn sections(&self) -> impl Iterator<Item = (&str, &BTreeMap<String, OptionValue>)> {
        self.sections
            .iter()
            .map(|(name, options)| (name.as_str(), options))
    }

    /// Every option as `section → option → value`, the form an option store serves.
    pub fn option_values(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.sections
            .iter()
            .map(|(section, options)| {
                let values = options
                    .iter()
                    .map(|(key, value)| (key.clone(), value.value.clone()))
                    .collect();
                (section.clone(), values)
            })
            .collect()
    }
}
