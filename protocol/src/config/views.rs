//! Web extension views: `workspace.web-content` and `interaction.web-content` name option
//! sections, each describing one embedded application.

use std::collections::{BTreeMap, BTreeSet};

use super::{ConfigWarning, OptionValue, SECTION};
use crate::policy::Policy;

/// The option listing workspace-level views.
const WORKSPACE_VIEWS: &str = "workspace.web-content";
/// The option listing interaction-level views.
const INTERACTION_VIEWS: &str = "interaction.web-content";

/// Placeholders a view URL may hold, each written `$Name$`. `Agent.*` come from the logged-in
/// agent; `Interaction.*` only have a value in interaction-level views.
pub const PLACEHOLDERS: &[&str] = &[
    "Agent.UserName",
    "Agent.EmployeeId",
    "Agent.FirstName",
    "Agent.LastName",
    "Agent.FullName",
    "Interaction.Id",
    "Interaction.CaseId",
    "Interaction.BundleId",
];

/// The one request a view shown in a Workspace tab of its own may make
/// ([`View::is_own_tab`]).
pub const OWN_TAB_REQUEST: &str = "voice.dial";

/// Where a view lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViewLevel {
    /// Listed in `workspace.web-content`: one instance for the whole session.
    Workspace,
    /// Listed in `interaction.web-content`: one instance per interaction, opened and closed
    /// with it.
    Interaction,
}

/// How a view is shown (`mode` in its section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DisplayMode {
    /// `tab` (the default): a tab of its own.
    Tab,
    /// `popup`: a separate browser window.
    Popup,
    /// `background`: loaded with the interaction, shown only when selected.
    Background,
    /// `hidden`: loaded, never shown.
    Hidden,
}

impl DisplayMode {
    /// Every mode, as written in a section.
    pub const ALL: [(Self, &'static str); 4] = [
        (Self::Tab, "tab"),
        (Self::Popup, "popup"),
        (Self::Background, "background"),
        (Self::Hidden, "hidden"),
    ];

    /// The spelling in a section.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tab => "tab",
            Self::Popup => "popup",
            Self::Background => "background",
            Self::Hidden => "hidden",
        }
    }

    /// Reads a spelling, in any letter case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text.trim()))
            .map(|(mode, _)| *mode)
    }
}

/// One web extension view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The option section describing it.
    pub section: String,
    /// Which list named it.
    pub level: ViewLevel,
    /// `label`: the tab or window title (the section name when absent).
    pub label: String,
    /// `url`, placeholders not yet replaced.
    pub url: String,
    /// `mode`.
    pub mode: DisplayMode,
    /// The origin of `url` as a browser reports it (`https://crm.example.com`); `None` when
    /// a placeholder stands in the host.
    pub origin: Option<String>,
    /// Line of the section's `url` option.
    pub line: usize,
}

impl View {
    /// Whether the view is shown in a Workspace tab of its own, where the Service Client API
    /// gives access to the dial operation only ([`OWN_TAB_REQUEST`]).
    pub fn is_own_tab(&self) -> bool {
        self.level == ViewLevel::Workspace && self.mode == DisplayMode::Tab
    }
}

/// Replaces each `$Name$` of [`PLACEHOLDERS`] in `template` with `lookup(Name)`,
/// percent-encoded; placeholders `lookup` has no value for become empty, unknown ones stay.
pub fn substitute_placeholders(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    substitute(template, lookup, false)
}

/// The `$Agent.*$` placeholders of `template` filled from `agent` (percent-encoded; an absent
/// field becomes empty; `Agent.FullName` is the first and last names with a space), every
/// other placeholder left as written (an interaction view's are filled per interaction).
pub fn fill_agent_placeholders(template: &str, agent: &crate::scapi::types::Agent) -> String {
    let full_name = [&agent.firstname, &agent.lastname]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    substitute(
        template,
        |name| match name {
            "Agent.FullName" => Some(full_name.clone()),
            "Agent.UserName" => Some(agent.username.clone().unwrap_or_default()),
            "Agent.FirstName" => Some(agent.firstname.clone().unwrap_or_default()),
            "Agent.LastName" => Some(agent.lastname.clone().unwrap_or_default()),
            "Agent.EmployeeId" => Some(agent.employee_id.clone().unwrap_or_default()),
            _ => None,
        },
        true,
    )
}

/// [`substitute_placeholders`]; with `keep_missing`, a placeholder `lookup` has no value for
/// stays as written.
fn substitute(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
    keep_missing: bool,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('$') {
            Some(end) if PLACEHOLDERS.contains(&&after[..end]) => {
                match lookup(&after[..end]) {
                    Some(value) => out.push_str(&percent_encode(&value)),
                    None if keep_missing => out.push_str(&rest[start..start + end + 2]),
                    None => {}
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The placeholders written in `url` that are not in [`PLACEHOLDERS`].
fn unknown_placeholders(url: &str) -> Vec<&str> {
    let mut unknown = Vec::new();
    let mut rest = url;
    while let Some(start) = rest.find('$') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('$') else { break };
        let name = &after[..end];
        if !name.is_empty() && !name.contains(char::is_whitespace) {
            if !PLACEHOLDERS.contains(&name) {
                unknown.push(name);
            }
            rest = &after[end + 1..];
        } else {
            rest = after;
        }
    }
    unknown
}

/// The origin of an absolute `http(s)` URL, as a browser reports it: lower-case scheme
/// and host, default port dropped. `Err` says what is wrong with the URL.
fn origin_of(url: &str) -> Result<Option<String>, &'static str> {
    let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err("not an http or https URL");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err("the URL has no host");
    }
    if authority.contains('@') {
        return Err("the URL carries a user name or password");
    }
    if authority.contains('$') {
        return Ok(None);
    }
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Ok(Some(format!("{scheme}://{authority}")))
}

/// Reads the views both lists name, reporting what cannot be shown or will not be answered.
pub(super) fn read(
    sections: &BTreeMap<String, BTreeMap<String, OptionValue>>,
    policy: &Policy,
    warnings: &mut Vec<ConfigWarning>,
) -> Vec<View> {
    let Some(workspace) = sections.get(SECTION) else {
        return Vec::new();
    };
    let mut views = Vec::new();
    let mut seen = BTreeSet::new();
    for (list, level) in [
        (WORKSPACE_VIEWS, ViewLevel::Workspace),
        (INTERACTION_VIEWS, ViewLevel::Interaction),
    ] {
        let Some(names) = workspace.get(list) else {
            continue;
        };
        let warn = |message: String, hint: String| ConfigWarning {
            line: names.line,
            section: SECTION.to_owned(),
            option: Some(list.to_owned()),
            message,
            hint,
        };
        for name in names
            .value
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !seen.insert(name) {
                warnings.push(warn(
                    format!("view `{name}` is listed more than once"),
                    "list each view section once, in one of the two lists".into(),
                ));
                continue;
            }
            let Some(section) = sections.get(name) else {
                warnings.push(warn(
                    format!("view section `[{name}]` is not in the file"),
                    format!("add `[{name}]` with `url=` and `label=`, or remove `{name}`"),
                ));
                continue;
            };
            if let Some(view) = read_view(name, level, section, policy, warnings) {
                views.push(view);
            }
        }
    }
    views
}

fn read_view(
    name: &str,
    level: ViewLevel,
    section: &BTreeMap<String, OptionValue>,
    policy: &Policy,
    warnings: &mut Vec<ConfigWarning>,
) -> Option<View> {
    let mut warn = |line: usize, option: &str, message: String, hint: String| {
        warnings.push(ConfigWarning {
            line,
            section: name.to_owned(),
            option: Some(option.to_owned()),
            message,
            hint,
        });
    };
    let Some(url) = section.get("url").filter(|url| !url.value.is_empty()) else {
        warn(
            0,
            "url",
            "the view has no url; it is not shown".into(),
            format!("add `url=https://…` to `[{name}]`"),
        );
        return None;
    };
    let origin = match origin_of(&url.value) {
        Ok(origin) => origin,
        Err(problem) => {
            warn(
                url.line,
                "url",
                format!("`{}` is {problem}; the view is not shown", url.value),
                "write an absolute http:// or https:// URL".into(),
            );
            return None;
        }
    };
    for unknown in unknown_placeholders(&url.value) {
        warn(
            url.line,
            "url",
            format!("`${unknown}$` is not a known placeholder; it stays as written"),
            format!("use one of {}", PLACEHOLDERS.join(", ")),
        );
    }
    let mode = match section.get("mode") {
        None => DisplayMode::Tab,
        Some(written) => DisplayMode::parse(&written.value).unwrap_or_else(|| {
            warn(
                written.line,
                "mode",
                format!(
                    "`{}` is not a display mode; the view is shown as a tab",
                    written.value
                ),
                "write tab, popup, background or hidden".into(),
            );
            DisplayMode::Tab
        }),
    };
    if let Some(origin) = origin.as_ref().filter(|o| !policy.resolve(o).is_accepted()) {
        warn(
            url.line,
            "url",
            format!(
                "the view's origin {origin} is not accepted by \
                     service-client-api.accepted-web-content-origins: its requests go unanswered"
            ),
            format!("add {origin} to service-client-api.accepted-web-content-origins"),
        );
    }
    Some(View {
        section: name.to_owned(),
        level,
        label: section
            .get("label")
            .map_or_else(|| name.to_owned(), |label| label.value.clone()),
        url: url.value.clone(),
        mode,
        origin,
        line: url.line,
    })
}

#[cfg(test)]
mod tests {
    use super::{origin_of, substitute_placeholders, unknown_placeholders};

    #[test]
    fn origins_are_spelled_as_browsers_report_them() {
        let origin = |url| origin_of(url).ok().flatten();
        assert_eq!(
            origin("HTTPS://CRM.example.com:443/a?b").as_deref(),
            Some("https://crm.example.com")
        );
        assert_eq!(
            origin("http://localhost:8081").as_deref(),
            Some("http://localhost:8081")
        );
        assert_eq!(origin_of("https://$Host$/x"), Ok(None));
        assert!(origin_of("/relative.html").is_err());
        assert!(origin_of("ftp://files.example").is_err());
        assert!(origin_of("https://user:pw@crm.example").is_err());
    }

    #[test]
    fn agent_placeholders_are_filled_and_interaction_ones_kept() {
        let agent = crate::scapi::types::Agent {
            username: Some("agent1".into()),
            firstname: Some("Ada".into()),
            lastname: Some("Lovelace".into()),
            ..Default::default()
        };
        let url = "https://a.example/?n=$Agent.FullName$&u=$Agent.UserName$&e=$Agent.EmployeeId$&i=$Interaction.Id$";
        assert_eq!(
            super::fill_agent_placeholders(url, &agent),
            "https://a.example/?n=Ada%20Lovelace&u=agent1&e=&i=$Interaction.Id$"
        );
    }

    #[test]
    fn placeholders_are_replaced_encoded_and_unknown_ones_kept() {
        let url = "https://a.example/?u=$Agent.UserName$&i=$Interaction.Id$&x=$Other$&cost=5$";
        let filled = substitute_placeholders(url, |name| {
            (name == "Agent.UserName").then(|| "jane doe&co".to_owned())
        });
        assert_eq!(
            filled,
            "https://a.example/?u=jane%20doe%26co&i=&x=$Other$&cost=5$"
        );
        assert_eq!(unknown_placeholders(url), vec!["Other"]);
    }
}
