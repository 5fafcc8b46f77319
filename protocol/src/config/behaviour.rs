//! The behaviour options a desktop honours, typed, with the defaults Workspace documents.

use std::collections::BTreeMap;

use super::{ConfigWarning, OptionValue, SECTION};

/// Every behaviour option read from `[interaction-workspace]`, with its default.
pub const BEHAVIOUR_OPTIONS: &[(&str, bool)] = &[
    ("voice.auto-answer", false),
    ("chat.auto-answer", false),
    ("email.auto-answer", false),
    ("voice.mark-done-on-release", false),
    ("privilege.voice.can-dial", true),
    ("privilege.email.can-mark-done", true),
    ("privilege.chat.can-release", true),
    ("sipendpoint.enabled", true),
];

/// The behaviour options, each `true`/`false` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// `voice.auto-answer`: a ringing call is answered at once.
    pub voice_auto_answer: bool,
    /// `chat.auto-answer`: an invited chat is accepted at once.
    pub chat_auto_answer: bool,
    /// `email.auto-answer`: an invited email is accepted at once.
    pub email_auto_answer: bool,
    /// `voice.mark-done-on-release`: releasing a call also marks it done.
    pub voice_mark_done_on_release: bool,
    /// `privilege.voice.can-dial`: the agent may place calls.
    pub voice_can_dial: bool,
    /// `privilege.email.can-mark-done`: the agent may mark emails done.
    pub email_can_mark_done: bool,
    /// `privilege.chat.can-release`: the agent may end chats.
    pub chat_can_release: bool,
    /// `sipendpoint.enabled`: the desktop has a SIP endpoint (`sipEndpoint.*` requests).
    pub sip_endpoint_enabled: bool,
}

impl Default for Behaviour {
    /// The defaults of [`BEHAVIOUR_OPTIONS`].
    fn default() -> Self {
        Self {
            voice_auto_answer: false,
            chat_auto_answer: false,
            email_auto_answer: false,
            voice_mark_done_on_release: false,
            voice_can_dial: true,
            email_can_mark_done: true,
            chat_can_release: true,
            sip_endpoint_enabled: true,
        }
    }
}

impl Behaviour {
    /// The value of a behaviour option by its name in the file.
    pub fn get(&self, option: &str) -> Option<bool> {
        let mut copy = *self;
        copy.slot(option).map(|value| *value)
    }

    fn slot(&mut self, option: &str) -> Option<&mut bool> {
        Some(match option {
            "voice.auto-answer" => &mut self.voice_auto_answer,
            "chat.auto-answer" => &mut self.chat_auto_answer,
            "email.auto-answer" => &mut self.email_auto_answer,
            "voice.mark-done-on-release" => &mut self.voice_mark_done_on_release,
            "privilege.voice.can-dial" => &mut self.voice_can_dial,
            "privilege.email.can-mark-done" => &mut self.email_can_mark_done,
            "privilege.chat.can-release" => &mut self.chat_can_release,
            "sipendpoint.enabled" => &mut self.sip_endpoint_enabled,
            _ => return None,
        })
    }

    /// Reads the options of `[interaction-workspace]`; a value other than `true`/`false`
    /// keeps the default and is reported.
    pub(super) fn read(
        sections: &BTreeMap<String, BTreeMap<String, OptionValue>>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Self {
        let mut behaviour = Self::default();
        let Some(options) = sections.get(SECTION) else {
            return behaviour;
        };
        for (option, default) in BEHAVIOUR_OPTIONS {
            let Some(written) = options.get(*option) else {
                continue;
            };
            let parsed = match written.value.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            };
            match (parsed, behaviour.slot(option)) {
                (Some(value), Some(slot)) => *slot = value,
                (None, _) => warnings.push(ConfigWarning {
                    line: written.line,
                    section: SECTION.to_owned(),
                    option: Some((*option).to_owned()),
                    message: format!("`{}` is not a boolean", written.value),
                    hint: format!("write true or false; {default} applies meanwhile"),
                }),
                (Some(_), None) => {}
            }
        }
        behaviour
    }
}

#[cfg(test)]
mod tests {
    use super::{BEHAVIOUR_OPTIONS, Behaviour};

    #[test]
    fn the_table_and_the_defaults_agree() {
        let defaults = Behaviour::default();
        for (option, default) in BEHAVIOUR_OPTIONS {
            assert_eq!(defaults.get(option), Some(*default), "{option}");
        }
        assert_eq!(defaults.get("voice.unknown"), None);
    }
}
