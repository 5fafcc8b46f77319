//! What a simulated workspace starts with: the agent, its states and media, campaigns with
//! their records, the option store and the call results.

use std::collections::{BTreeMap, VecDeque};

use agentdesk_protocol::config::{BEHAVIOUR_OPTIONS, Configuration};
use agentdesk_protocol::scapi::events::MediaStateName;
use agentdesk_protocol::scapi::types::{Agent, RecordFields};

/// The section bare option names live in (`voice.auto-answer`).
pub const DEFAULT_SECTION: &str = "interaction-workspace";

/// One entry of the agent's state list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AgentStateSpec {
    /// The name `agent.setState` / `media.setState` take, e.g. `NotReady`.
    pub operation_name: String,
    /// The label Workspace shows.
    pub display_name: String,
    /// The `mediaState` of the `STATE_CHANGED` event this state produces.
    pub media_state: MediaStateName,
    /// Not-ready reason, e.g. `Break`.
    pub reason: Option<String>,
    /// Not-ready reason code, e.g. `1511`.
    pub reason_code: Option<String>,
}

impl AgentStateSpec {
    /// A state without a reason.
    pub fn new(
        operation_name: impl Into<String>,
        display_name: impl Into<String>,
        media_state: MediaStateName,
    ) -> Self {
        Self {
            operation_name: operation_name.into(),
            display_name: display_name.into(),
            media_state,
            reason: None,
            reason_code: None,
        }
    }

    /// Adds a not-ready reason and its code (as in the documentation's agent example: `Break`, `1511`).
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>, code: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self.reason_code = Some(code.into());
        self
    }

    /// Ready, Not Ready, Not Ready - Break (`NOT_READY_ACTION_CODE`, `Break`, `1511`),
    /// After Call Work and Logged Out.
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::new("Ready", "Ready", MediaStateName::Ready),
            Self::new("NotReady", "Not Ready", MediaStateName::NotReady),
            Self::new(
                "NotReadyBreak",
                "Not Ready - Break",
                MediaStateName::NotReadyActionCode,
            )
            .with_reason("Break", "1511"),
            Self::new(
                "AfterCallWork",
                "After Call Work",
                MediaStateName::NotReadyAfterCallwork,
            ),
            Self::new("LoggedOut", "Logged Out", MediaStateName::LoggedOut),
        ]
    }
}

/// How preview records of a campaign reach the agent (spec section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PreviewMode {
    /// The agent asks for records (`outbound.getPreviewRecord`).
    Pull,
    /// Records are offered as invitations the agent accepts or rejects.
    RegularPush,
    /// Records are pushed once the agent called `outbound.startDirectPushPreview`.
    DirectPush,
}

impl PreviewMode {
    /// The dialing mode `CampaignStarted` reports for this preview mode.
    pub fn dialing_mode(self) -> &'static str {
        match self {
            Self::Pull => "Preview",
            Self::RegularPush => "Push Preview",
            Self::DirectPush => "Direct Push Preview",
        }
    }
}

/// A campaign the agent belongs to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CampaignSpec {
    /// Campaign name, e.g. `Offer of the Month`.
    pub name: String,
    /// How preview records arrive; `None` for a campaign that dials itself (predictive).
    pub preview: Option<PreviewMode>,
    /// The `mode` of `CampaignStarted`, e.g. `Predictive GVP`.
    pub dialing_mode: String,
    /// Record chains handed out in order; when empty, records are generated.
    pub chains: VecDeque<Vec<RecordFields>>,
}

impl CampaignSpec {
    /// A preview campaign in `mode`, generating its records.
    pub fn preview(name: impl Into<String>, mode: PreviewMode) -> Self {
        Self {
            name: name.into(),
            preview: Some(mode),
            dialing_mode: mode.dialing_mode().to_owned(),
            chains: VecDeque::new(),
        }
    }

    /// A campaign that dials by itself in `dialing_mode` (e.g. `Predictive GVP`).
    pub fn dialing(name: impl Into<String>, dialing_mode: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            preview: None,
            dialing_mode: dialing_mode.into(),
            chains: VecDeque::new(),
        }
    }

    /// Queues a chain of records (the first is the preview record, the rest are chained).
    #[must_use]
    pub fn with_chain(mut self, records: Vec<RecordFields>) -> Self {
        self.chains.push_back(records);
        self
    }
}

/// One call result an agent may set (`outbound.getListOfCallResults`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallResultSpec {
    /// Label, e.g. `Answer`.
    pub name: String,
    /// The numeric code `outbound.setCallResult` takes.
    pub value: i64,
}

impl CallResultSpec {
    /// A call result.
    pub fn new(name: impl Into<String>, value: i64) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

/// Everything a [`super::SimulatedWorkspace`] starts with. Build with [`Default`] and the
/// `with_*` methods.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimulatedConfig {
    /// Seed of the case, bundle and call UUID stream.
    pub seed: u64,
    /// The logged-in agent.
    pub agent: Agent,
    /// The state list (`agent.getStateList`).
    pub states: Vec<AgentStateSpec>,
    /// The operation name of the state the agent starts in.
    pub initial_state: String,
    /// The media the agent is logged on to.
    pub media: Vec<String>,
    /// Campaigns (not loaded until a scenario loads them).
    pub campaigns: Vec<CampaignSpec>,
    /// The call results agents may set.
    pub call_results: Vec<CallResultSpec>,
    /// Option store: section to option name to value.
    pub options: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for SimulatedConfig {
    fn default() -> Self {
        let mut agent = Agent::default();
        agent.username = Some("agent1".to_owned());
        agent.firstname = Some("Ada".to_owned());
        agent.lastname = Some("Lovelace".to_owned());
        agent.employee_id = Some("5001".to_owned());
        let config = Self {
            seed: 0,
            agent,
            states: AgentStateSpec::defaults(),
            initial_state: "NotReady".to_owned(),
            media: vec!["voice".to_owned(), "chat".to_owned(), "email".to_owned()],
            campaigns: Vec::new(),
            call_results: vec![
                CallResultSpec::new("Answer", 33),
                CallResultSpec::new("Answering Machine Detected", 9),
                CallResultSpec::new("Busy", 6),
                CallResultSpec::new("No Answer", 7),
                CallResultSpec::new("Wrong Party", 26),
                CallResultSpec::new("OK", 28),
            ],
            options: BTreeMap::new(),
        };
        // The desktop's own value of every behaviour option is its documented default, so
        // `configuration.getOption` reads each of them even where no file sets it.
        BEHAVIOUR_OPTIONS
            .iter()
            .fold(config, |config, (option, default)| {
                config.with_option(DEFAULT_SECTION, *option, default.to_string())
            })
    }
}

impl SimulatedConfig {
    /// Sets the id seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the agent's username, names and employee id.
    #[must_use]
    pub fn with_agent(
        mut self,
        username: impl Into<String>,
        firstname: impl Into<String>,
        lastname: impl Into<String>,
        employee_id: impl Into<String>,
    ) -> Self {
        self.agent.username = Some(username.into());
        self.agent.firstname = Some(firstname.into());
        self.agent.lastname = Some(lastname.into());
        self.agent.employee_id = Some(employee_id.into());
        self
    }

    /// Replaces the state list; the agent starts in `initial` (an operation name).
    #[must_use]
    pub fn with_states(mut self, states: Vec<AgentStateSpec>, initial: impl Into<String>) -> Self {
        self.states = states;
        self.initial_state = initial.into();
        self
    }

    /// Replaces the media list.
    #[must_use]
    pub fn with_media<I, S>(mut self, media: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.media = media.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a campaign.
    #[must_use]
    pub fn with_campaign(mut self, campaign: CampaignSpec) -> Self {
        self.campaigns.push(campaign);
        self
    }

    /// Replaces the call results.
    #[must_use]
    pub fn with_call_results(mut self, results: Vec<CallResultSpec>) -> Self {
        self.call_results = results;
        self
    }

    /// Sets every option an option file sets (replacing the defaults it names).
    #[must_use]
    pub fn with_configuration(mut self, configuration: &Configuration) -> Self {
        for (section, options) in configuration.option_values() {
            self.options.entry(section).or_default().extend(options);
        }
        self
    }

    /// Sets an option of the store (`section` / `name` = `value`).
    #[must_use]
    pub fn with_option(
        mut self,
        section: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.options
            .entry(section.into())
            .or_default()
            .insert(name.into(), value.into());
        self
    }
}
