//! Chaos timing: messages to the apps arrive late, unevenly, and sometimes an event before the
//! answer to the request that caused it, as real deployments deliver them. Apps that assume
//! "the answer comes first" or "events come instantly" fail here instead of in production.
//!
//! The core ([`ChaosPlan`]) is sans-IO: given the messages one step of the service produced and
//! the time, it says in which order and at which instant each frame receives them. Order per
//! frame is kept apart from the one swap the plan makes on purpose. Everything is drawn from a
//! seeded generator, so a failing run repeats with the same `--chaos-seed`.

use std::collections::BTreeMap;
use std::time::Duration;

use agentdesk_protocol::scapi::ServiceMessage;

use crate::engine::FrameId;

/// What chaos to apply; [`ChaosConfig::default`] applies none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChaosConfig {
    /// Added to every message.
    pub latency: Duration,
    /// Each message gets up to this much more or less (never below zero).
    pub jitter: Duration,
    /// The chance (0 to 1) that an answer's first event is delivered before the answer.
    pub early_events: f64,
    /// Seeds the generator.
    pub seed: u64,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            early_events: 0.0,
            seed: 0,
        }
    }
}

impl ChaosConfig {
    /// Whether the configuration changes anything.
    pub fn is_active(&self) -> bool {
        !self.latency.is_zero() || !self.jitter.is_zero() || self.early_events > 0.0
    }
}

/// One delivery: `message` reaches `frame` `after` the step that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<M> {
    /// The receiving frame.
    pub frame: FrameId,
    /// How long after the step the frame receives it.
    pub after: Duration,
    /// The message.
    pub message: M,
}

/// The seeded plan: draws delays and swaps, and remembers per frame when its last message
/// arrives, so a later message never overtakes an earlier one.
#[derive(Debug)]
pub struct ChaosPlan {
    config: ChaosConfig,
    state: u64,
    /// Per frame, the instant (time since the plan's epoch) of its latest delivery.
    last: BTreeMap<FrameId, Duration>,
}

impl ChaosPlan {
    /// A plan drawing from `config.seed`.
    pub fn new(config: ChaosConfig) -> Self {
        Self {
            config,
            state: config.seed,
            last: BTreeMap::new(),
        }
    }

    /// splitmix64: small, seedable, and the same on every platform.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        // The top 53 bits make an exact f64 mantissa.
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn delay(&mut self) -> Duration {
        let jitter = self.config.jitter.as_secs_f64();
        let offset = (self.unit() * 2.0 - 1.0) * jitter;
        Duration::from_secs_f64((self.config.latency.as_secs_f64() + offset).max(0.0))
    }

    /// Schedules the sends of one step, made at `now` (time since the plan's epoch), in the
    /// order the engine produced them.
    pub fn schedule<M: Classified>(
        &mut self,
        now: Duration,
        sends: Vec<(FrameId, M)>,
    ) -> Vec<Delivery<M>> {
        let mut sends = sends;
        self.maybe_swap_answer_and_event(&mut sends);
        sends
            .into_iter()
            .map(|(frame, message)| {
                let wanted = now + self.delay();
                let earliest = self.last.get(&frame).copied().unwrap_or_default();
                let at = wanted.max(earliest);
                self.last.insert(frame, at);
                Delivery {
                    frame,
                    after: at.saturating_sub(now),
                    message,
                }
            })
            .collect()
    }

    /// With the configured chance, moves the first event a frame gets after an answer in the
    /// same step to just before that answer.
    fn maybe_swap_answer_and_event<M: Classified>(&mut self, sends: &mut [(FrameId, M)]) {
        if self.config.early_events <= 0.0 {
            return;
        }
        let Some(answer) = sends.iter().position(|(_, m)| m.is_answer()) else {
            return;
        };
        let frame = sends[answer].0;
        let Some(offset) = sends[answer + 1..]
            .iter()
            .position(|(f, m)| *f == frame && m.is_event())
        else {
            return;
        };
        if self.unit() < self.config.early_events {
            sends[answer..=answer + 1 + offset].rotate_right(1);
        }
    }

    /// Forgets a frame that went away.
    pub fn forget(&mut self, frame: FrameId) {
        self.last.remove(&frame);
    }
}

/// What the plan needs to know of a message.
pub trait Classified {
    /// A success or failure response.
    fn is_answer(&self) -> bool;
    /// An event.
    fn is_event(&self) -> bool;
}

impl Classified for ServiceMessage {
    fn is_answer(&self) -> bool {
        matches!(self, Self::Success(_) | Self::Failure(_))
    }
    fn is_event(&self) -> bool {
        matches!(self, Self::Event(_))
    }
}

impl<T: Classified> Classified for std::sync::Arc<T> {
    fn is_answer(&self) -> bool {
        T::is_answer(self)
    }
    fn is_event(&self) -> bool {
        T::is_event(self)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ChaosConfig, ChaosPlan, Classified, Delivery};
    use crate::engine::FrameId;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum M {
        Answer,
        Event(u8),
    }

    impl Classified for M {
        fn is_answer(&self) -> bool {
            *self == M::Answer
        }
        fn is_event(&self) -> bool {
            matches!(self, M::Event(_))
        }
    }

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn order(deliveries: &[Delivery<M>]) -> Vec<M> {
        deliveries.iter().map(|d| d.message).collect()
    }

    #[test]
    fn no_chaos_delivers_at_once_in_order() {
        let mut plan = ChaosPlan::new(ChaosConfig::default());
        let a = FrameId(1);
        let out = plan.schedule(ms(5), vec![(a, M::Answer), (a, M::Event(1))]);
        assert_eq!(order(&out), [M::Answer, M::Event(1)]);
        assert!(out.iter().all(|d| d.after.is_zero()));
    }

    #[test]
    fn latency_and_jitter_stay_in_bounds_and_never_reorder_a_frame() {
        let config = ChaosConfig {
            latency: ms(50),
            jitter: ms(20),
            ..ChaosConfig::default()
        };
        let mut plan = ChaosPlan::new(config);
        let a = FrameId(1);
        let mut last_arrival = Duration::ZERO;
        for step in 0..200u64 {
            let now = ms(step);
            let out = plan.schedule(now, vec![(a, M::Event(1)), (a, M::Event(2))]);
            for delivery in &out {
                let arrival = now + delivery.after;
                assert!(
                    arrival >= last_arrival,
                    "a later message overtook an earlier one"
                );
                last_arrival = arrival;
                assert!(delivery.after <= ms(70));
            }
            assert!(
                out[0].after >= ms(30),
                "the first of a step is at least latency - jitter"
            );
        }
    }

    #[test]
    fn early_events_move_the_event_before_its_answer_for_that_frame_only() {
        let config = ChaosConfig {
            early_events: 1.0,
            ..ChaosConfig::default()
        };
        let mut plan = ChaosPlan::new(config);
        let (a, b) = (FrameId(1), FrameId(2));
        let out = plan.schedule(
            ms(0),
            vec![
                (a, M::Answer),
                (b, M::Event(1)),
                (a, M::Event(2)),
                (a, M::Event(3)),
            ],
        );
        let sends: Vec<(FrameId, M)> = out.iter().map(|d| (d.frame, d.message)).collect();
        assert_eq!(
            sends,
            [
                (a, M::Event(2)),
                (a, M::Answer),
                (b, M::Event(1)),
                (a, M::Event(3))
            ]
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let config = ChaosConfig {
            latency: ms(10),
            jitter: ms(10),
            early_events: 0.5,
            seed: 42,
        };
        let run = || {
            let mut plan = ChaosPlan::new(config);
            (0..50u64)
                .map(|step| {
                    let out = plan.schedule(
                        ms(step * 100),
                        vec![(FrameId(1), M::Answer), (FrameId(1), M::Event(0))],
                    );
                    (order(&out), out[0].after)
                })
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let swapped = first.iter().filter(|(o, _)| o[0] != M::Answer).count();
        assert!((10..=40).contains(&swapped), "about half swap: {swapped}");
    }
}
