//! Runs one case against the engine and `SimulatedWorkspace`, in process, and reports what
//! each step made the service post.

use std::collections::{BTreeMap, VecDeque};

use agentdesk_protocol::config;
use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_server::engine::{Engine, EngineConfig, FrameId, Output};
use agentdesk_server::simulated::{
    CampaignSpec, ChatMessage, IncomingCall, PreviewMode, SimulatedConfig, SimulatedWorkspace,
};

use super::format::{Case, Expected, Scenario, Step, WorkspaceSetup};

/// The messages each step of `case` made the service post, step by step, in the order of
/// [`Step::expect`]. `Err` when the case itself is unusable (unknown frame label, option
/// file that does not parse, a scenario step the simulation refuses).
///
/// The option file configures both sides, as a Workspace reads it: its security options are
/// the engine's policy, and the whole file is the simulated desktop's configuration
/// (`configuration.getOption` answers it, the behaviour options take effect).
pub(crate) fn run(case: &Case) -> Result<Vec<Vec<Expected>>, String> {
    let parsed = config::parse(&case.options).map_err(|err| format!("options: {err}"))?;
    let mut config = EngineConfig::default();
    if let Some(bytes) = case.limits.max_message_bytes {
        config.max_message_bytes = bytes;
    }
    if let Some(count) = case.limits.max_subscriptions_per_frame {
        config.max_subscriptions_per_frame = count;
    }
    let workspace = SimulatedWorkspace::new(simulated_config(&case.workspace)?);
    workspace.configure(&parsed.configuration);
    let mut run = Run {
        engine: Engine::new(parsed.configuration.policy().clone(), config),
        workspace,
        labels: BTreeMap::new(),
    };
    let mut steps = Vec::with_capacity(case.steps.len());
    for (index, step) in case.steps.iter().enumerate() {
        let now = Timestamp::from_millis(case.start.saturating_add(step.at));
        let outputs = run
            .step(case, step, now)
            .map_err(|err| format!("step {index}: {err}"))?;
        steps.push(run.settle(outputs, now)?);
    }
    Ok(steps)
}

fn simulated_config(setup: &WorkspaceSetup) -> Result<SimulatedConfig, String> {
    let mut config = SimulatedConfig::default().with_seed(setup.seed);
    for campaign in &setup.campaigns {
        let mode = match campaign.mode.as_str() {
            "pull" => PreviewMode::Pull,
            "regularPush" => PreviewMode::RegularPush,
            "directPush" => PreviewMode::DirectPush,
            other => return Err(format!("unknown campaign mode `{other}`")),
        };
        config = config.with_campaign(CampaignSpec::preview(&campaign.name, mode));
    }
    Ok(config)
}

struct Run {
    engine: Engine,
    workspace: SimulatedWorkspace,
    /// Engine frame to label.
    labels: BTreeMap<FrameId, String>,
}

impl Run {
    fn frame(&self, label: &str) -> Result<FrameId, String> {
        self.labels
            .iter()
            .find(|(_, l)| l.as_str() == label)
            .map(|(id, _)| *id)
            .ok_or_else(|| format!("frame `{label}` is not connected"))
    }

    fn step(&mut self, case: &Case, step: &Step, now: Timestamp) -> Result<Vec<Output>, String> {
        let actions = [
            step.connect.is_some(),
            step.send.is_some(),
            step.send_raw.is_some(),
            step.scenario.is_some(),
        ];
        if actions.iter().filter(|a| **a).count() != 1 {
            return Err("a step has exactly one of connect, send, sendRaw, scenario".into());
        }
        if let Some(label) = &step.connect {
            let spec = case
                .frames
                .iter()
                .find(|f| &f.id == label)
                .ok_or_else(|| format!("no frame `{label}` in `frames`"))?;
            let (frame, out) = self
                .engine
                .register_frame(spec.origin.clone(), spec.tab.clone(), now)
                .map_err(|err| err.to_string())?;
            self.labels.insert(frame, label.clone());
            return Ok(out);
        }
        if let Some(scenario) = &step.scenario {
            let events = self.scenario(scenario, now)?;
            let mut out = Vec::new();
            for event in events {
                out.extend(self.engine.publish(event, now));
            }
            return Ok(out);
        }
        let label = step
            .frame
            .as_deref()
            .ok_or("a send step names its `frame`")?;
        let frame = self.frame(label)?;
        let origin = self
            .engine
            .frame_info(frame)
            .map(|(origin, _)| origin.to_owned())
            .unwrap_or_default();
        let raw = match (&step.send, &step.send_raw) {
            (Some(value), _) => value.to_string(),
            (None, Some(raw)) => raw.clone(),
            (None, None) => return Err("nothing to send".into()),
        };
        Ok(self.engine.handle(frame, &origin, &raw, now))
    }

    fn scenario(&self, scenario: &Scenario, now: Timestamp) -> Result<Vec<Event>, String> {
        let ws = &self.workspace;
        let result = match scenario {
            Scenario::IncomingCall {
                ani,
                dnis,
                user_data,
            } => {
                let mut call = IncomingCall::new(ani, dnis);
                for (key, value) in user_data {
                    call = call.with_data(key, value.clone());
                }
                Ok(ws.incoming_call(now, call).events)
            }
            Scenario::CallAnswered { interaction_id } => ws.call_answered(now, interaction_id),
            Scenario::CustomerHangUp { interaction_id } => ws.customer_hang_up(now, interaction_id),
            Scenario::CustomerChatMessage { from, text } => ws
                .customer_chat_message(now, &ChatMessage::new_chat(from, text))
                .map(|arrival| arrival.events),
            Scenario::ChangeAgentState { operation_name } => {
                ws.change_agent_state(now, operation_name)
            }
            Scenario::LoadCampaign { campaign } => ws.load_campaign(now, campaign),
            Scenario::StartCampaign { campaign } => ws.start_campaign(now, campaign),
            Scenario::LoseConnection {} => ws.lose_connection(now),
            Scenario::RecoverConnection {} => ws.recover_connection(now),
        };
        result.map_err(|err| format!("scenario refused: {err}"))
    }

    /// Runs dispatched requests against the simulated back end until nothing is left, and
    /// returns the messages sent, grouped by frame in connection order.
    fn settle(&mut self, outputs: Vec<Output>, now: Timestamp) -> Result<Vec<Expected>, String> {
        let mut queue: VecDeque<Output> = outputs.into();
        let mut sent: Vec<(FrameId, serde_json::Value)> = Vec::new();
        while let Some(output) = queue.pop_front() {
            match output {
                Output::Send { frames, message } => {
                    let value = message.to_value();
                    sent.extend(frames.into_iter().map(|frame| (frame, value.clone())));
                }
                Output::Dispatch {
                    call,
                    context,
                    request,
                } => {
                    let reply = self.workspace.handle(&context, request);
                    queue.extend(self.engine.complete(call, reply, now));
                }
                _ => {}
            }
        }
        // Stable: each frame keeps its own order.
        sent.sort_by_key(|(frame, _)| *frame);
        sent.into_iter()
            .map(|(frame, message)| {
                let label = self
                    .labels
                    .get(&frame)
                    .cloned()
                    .ok_or_else(|| format!("message to unlabelled {frame}"))?;
                Ok(Expected {
                    frame: label,
                    message,
                })
            })
            .collect()
    }
}
