//! The whole option file as one configuration: views, behaviour options, every other option
//! kept, and a warning naming the section for each view that cannot work.

use agentdesk_protocol::config::{self, ConfigWarning, DisplayMode, ViewLevel};

/// A complete file as a WWE administrator writes it.
const FILE: &str = "\
# Workspace options
[interaction-workspace]
service-client-api.accepted-web-content-origins=https://crm.example.com (*), http://localhost:8081
workspace.web-content=CrmPanel, Dialer
interaction.web-content=CaseNotes,Hidden
voice.auto-answer=TRUE
voice.mark-done-on-release=true
MyCompany.feature=on

[CrmPanel]
label=CRM
url=https://crm.example.com/panel.html?agent=$Agent.UserName$

[Dialer]
url=http://localhost:8081/dialer.html
mode=popup

[CaseNotes]
label=Notes
url=https://crm.example.com/notes?case=$Interaction.CaseId$
mode=background
icon=notes.png

[Hidden]
url=https://crm.example.com/telemetry
mode=HIDDEN
";

fn warnings_of(text: &str) -> Vec<ConfigWarning> {
    config::parse(text)
        .unwrap_or_else(|errors| panic!("{errors}"))
        .warnings
}

#[test]
fn a_complete_file_gives_views_behaviour_and_every_option() {
    let parsed = config::parse(FILE).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(parsed.warnings, Vec::new());
    let configuration = parsed.configuration;

    let views: Vec<_> = configuration
        .views()
        .iter()
        .map(|view| {
            (
                view.section.as_str(),
                view.level,
                view.label.as_str(),
                view.mode,
            )
        })
        .collect();
    assert_eq!(
        views,
        vec![
            ("CrmPanel", ViewLevel::Workspace, "CRM", DisplayMode::Tab),
            ("Dialer", ViewLevel::Workspace, "Dialer", DisplayMode::Popup),
            (
                "CaseNotes",
                ViewLevel::Interaction,
                "Notes",
                DisplayMode::Background
            ),
            (
                "Hidden",
                ViewLevel::Interaction,
                "Hidden",
                DisplayMode::Hidden
            ),
        ]
    );
    assert!(configuration.views()[0].is_own_tab());
    assert!(!configuration.views()[1].is_own_tab());
    assert_eq!(
        configuration.views()[1].origin.as_deref(),
        Some("http://localhost:8081")
    );

    let behaviour = configuration.behaviour();
    assert!(behaviour.voice_auto_answer, "TRUE in any case is true");
    assert!(behaviour.voice_mark_done_on_release);
    assert!(!behaviour.chat_auto_answer, "unset keeps the default");
    assert!(behaviour.voice_can_dial);

    // Unknown keys, and keys of view sections the views do not use, stay readable.
    assert_eq!(
        configuration.option("interaction-workspace", "MyCompany.feature"),
        Some("on")
    );
    assert_eq!(configuration.option("CaseNotes", "icon"), Some("notes.png"));
    let values = configuration.option_values();
    assert_eq!(values["Dialer"]["mode"], "popup");
    assert_eq!(configuration.policy().origins.len(), 2);
}

#[test]
fn options_before_any_header_belong_to_interaction_workspace() {
    let parsed = config::parse("voice.auto-answer=true\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.configuration.behaviour().voice_auto_answer);
    assert_eq!(
        parsed
            .configuration
            .option("interaction-workspace", "voice.auto-answer"),
        Some("true")
    );
}

#[test]
fn a_view_whose_origin_is_not_accepted_is_named_with_the_fix() {
    let warnings = warnings_of(
        "[interaction-workspace]\n\
         service-client-api.accepted-web-content-origins=https://crm.example.com\n\
         workspace.web-content=Elsewhere\n\
         [Elsewhere]\n\
         url=https://other.example:8443/app\n",
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert_eq!((warning.section.as_str(), warning.line), ("Elsewhere", 5));
    let text = warning.to_string();
    assert!(
        text.contains("https://other.example:8443 is not accepted"),
        "{text}"
    );
    assert!(
        text.contains(
            "add https://other.example:8443 to service-client-api.accepted-web-content-origins"
        ),
        "{text}"
    );
}

#[test]
fn views_that_cannot_be_shown_are_reported_and_left_out() {
    let parsed = config::parse(
        "[interaction-workspace]\n\
         service-client-api.accepted-web-content-origins=*\n\
         workspace.web-content=Missing,NoUrl,Relative,Odd,Odd\n\
         [NoUrl]\n\
         label=Nothing\n\
         [Relative]\n\
         url=/panel.html\n\
         [Odd]\n\
         url=https://odd.example/?x=$Agent.Shoe$\n\
         mode=sidebar\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    let expected = [
        "view section `[Missing]` is not in the file",
        "[NoUrl] url: the view has no url",
        "[Relative] url: `/panel.html` is not an absolute URL",
        "`$Agent.Shoe$` is not a known placeholder",
        "`sidebar` is not a display mode",
        "view `Odd` is listed more than once",
    ];
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
    for (message, expected) in messages.iter().zip(expected) {
        assert!(
            message.contains(expected),
            "{message} should say {expected}"
        );
    }
    let shown: Vec<_> = parsed
        .configuration
        .views()
        .iter()
        .map(|view| (view.section.as_str(), view.mode))
        .collect();
    assert_eq!(shown, vec![("Odd", DisplayMode::Tab)]);
}

#[test]
fn a_behaviour_option_that_is_not_a_boolean_keeps_its_default() {
    let parsed = config::parse("[interaction-workspace]\nvoice.auto-answer=yes\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!parsed.configuration.behaviour().voice_auto_answer);
    let text = parsed.warnings[0].to_string();
    assert_eq!(
        text,
        "line 2: [interaction-workspace] voice.auto-answer: `yes` is not a boolean; fix: write \
         true or false; false applies meanwhile"
    );
}

#[test]
fn a_repeated_option_outside_the_security_options_warns_and_the_last_wins() {
    let parsed = config::parse("[Panel]\nlabel=A\nlabel=B\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.configuration.option("Panel", "label"), Some("B"));
    assert!(
        parsed.warnings[0]
            .to_string()
            .contains("set again (first at line 2)")
    );
}

#[test]
fn a_broken_security_option_fails_the_whole_file() {
    let errors = config::parse(
        "[interaction-workspace]\nservice-client-api.accepted-web-content-origins=crm.example\n",
    )
    .err()
    .unwrap_or_else(|| panic!("a bad origin must fail"));
    assert!(errors.to_string().contains("line 2"), "{errors}");
}
