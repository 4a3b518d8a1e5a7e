//! The hook that plays a scenario's `[[fault]]`s: starts each on its trigger,
//! ends it after its duration, on its `until` event or on a `clear`; marks
//! every start, end and bus-off transition; reports one [`FaultRecord`] per
//! fault at the end.

use std::fmt::Write as _;

use evtwin_can::busoff::Transition;

use super::{Action, Ending, FaultSpec, Trigger};
use crate::charge_link::LinkFaultInbox;
use crate::event_match::EventMatcher;
use crate::hook::{EndView, FaultRecord, Hook, Mark, MarkKind, StepInput, StepView, Verdicts};
use crate::net::{BusFault, FaultId, Network};

#[derive(Default)]
struct State {
    /// The `on` event's matcher, until it fires.
    trigger: Option<EventMatcher>,
    /// The `on` event happened: start at the next step.
    fired: bool,
    /// The `until` event's matcher, while in force.
    until: Option<EventMatcher>,
    /// The `until` event happened: end at the next step.
    ending: bool,
    start_us: Option<u64>,
    end_us: Option<u64>,
    active: bool,
    bus: Option<FaultId>,
    /// What went otherwise than planned, for the report.
    note: Option<String>,
}

/// Plays the faults of one scenario.
pub(crate) struct FaultHook {
    specs: Vec<FaultSpec>,
    state: Vec<State>,
    seeded: bool,
    /// Where the conversation's faults go (the charge link hook).
    link: LinkFaultInbox,
}

fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

/// `fault` with its message (and signal) looked up by name in the network
/// played, which may differ from the scenario's own (`bridge --dbc`).
fn relocate(
    fault: &BusFault,
    names: Option<&(String, Option<String>)>,
    net: &Network,
) -> Result<BusFault, String> {
    let Some((message, signal)) = names else {
        return Ok(fault.clone());
    };
    let Some((k, m)) = net.dbc().message_by_name(message) else {
        return Err(format!("the network played has no message {message}"));
    };
    if net.plan().messages[k].role != crate::net::Role::Simulated {
        return Err(format!(
            "the twin does not send {message} on the network played"
        ));
    }
    let mut fault = fault.clone();
    match &mut fault {
        BusFault::Drop { message }
        | BusFault::Delay { message, .. }
        | BusFault::E2eCounter { message, .. }
        | BusFault::E2eCrc { message, .. } => *message = k,
        BusFault::Override {
            message, signal: s, ..
        } => {
            *message = k;
            let name = signal.as_deref().unwrap_or("");
            *s = m
                .signals
                .iter()
                .position(|x| x.name == name)
                .ok_or_else(|| {
                    format!(
                        "{message_name}.{name} is not on the network played",
                        message_name = m.name
                    )
                })?;
        }
        BusFault::StopNode { .. } | BusFault::BusOff { .. } => {}
    }
    if matches!(fault, BusFault::E2eCounter { .. } | BusFault::E2eCrc { .. })
        && net.plan().messages[k].e2e.is_none()
    {
        return Err(format!(
            "{message} has no E2E protection on the network played"
        ));
    }
    Ok(fault)
}

/// When an action done in this `before_step` takes effect: a plant fault at
/// the start of the step; a bus fault at its end, because the frames due
/// during the step were sent before it (encoded from the step before), so
/// the first frames it can touch are those from the step's end on; a fault in
/// the conversation at the start of the step (the charge link hook, after
/// this one, takes it before it runs the step's frames).
fn effective_us(action: &Action, step: &StepInput<'_>) -> u64 {
    match action {
        Action::Bus(_) => step.now_us + step.step_us,
        Action::Plant(_) | Action::Link(_) | Action::Clear(_) => step.now_us,
    }
}

impl FaultHook {
    pub(crate) fn new(scenario: &crate::Scenario, link: LinkFaultInbox) -> Self {
        let specs = scenario.faults.clone();
        let state = specs
            .iter()
            .map(|s| State {
                trigger: match &s.trigger {
                    Trigger::On(e) => Some(EventMatcher::new(e.clone())),
                    _ => None,
                },
                ..State::default()
            })
            .collect();
        Self {
            specs,
            state,
            seeded: false,
            link,
        }
    }

    fn start(&mut self, i: usize, step: &mut StepInput<'_>) {
        let now_us = effective_us(&self.specs[i].action, step);
        let spec = &self.specs[i];
        let st = &mut self.state[i];
        st.start_us = Some(now_us);
        match &spec.action {
            Action::Plant(inj) => {
                if let Err(e) = step.twin.inject(*inj) {
                    st.note = Some(format!("not applied: {e}"));
                    return;
                }
            }
            Action::Bus(fault) => {
                let Some(net) = step.net.as_deref_mut() else {
                    st.note = Some("not applied: this run plays no CAN network".to_owned());
                    return;
                };
                match relocate(fault, spec.bus_names.as_ref(), net) {
                    Ok(fault) => st.bus = Some(net.inject_bus_fault(fault)),
                    Err(why) => {
                        st.note = Some(format!("not applied: {why}"));
                        return;
                    }
                }
            }
            Action::Link(fault) => self.link.start(*fault),
            Action::Clear(target) => {
                let target = target.clone();
                if let Some(t) = self.specs.iter().position(|s| s.name == target)
                    && self.state[t].active
                {
                    self.end(t, step);
                } else {
                    self.state[i].note = Some(format!("`{target}` was not in force"));
                }
                return;
            }
        }
        let once = spec.ending == Ending::Once;
        st.active = !once;
        if let Ending::Until(e) = &spec.ending {
            st.until = Some(EventMatcher::new(e.clone()));
        }
        step.marks.push(Mark {
            time_us: now_us,
            name: spec.name.clone(),
            kind: if once {
                MarkKind::Instant
            } else {
                MarkKind::Start
            },
            text: format!("{}: {}", spec.name, spec.what),
        });
    }

    fn end(&mut self, i: usize, step: &mut StepInput<'_>) {
        let spec = &self.specs[i];
        let now_us = effective_us(&spec.action, step);
        let st = &mut self.state[i];
        st.active = false;
        st.until = None;
        st.end_us = Some(now_us);
        match &spec.action {
            Action::Plant(inj) => step.twin.clear(*inj),
            Action::Bus(_) => {
                if let (Some(id), Some(net)) = (st.bus, step.net.as_deref_mut()) {
                    net.clear_bus_fault(id, now_us);
                }
            }
            Action::Link(fault) => self.link.end(*fault),
            Action::Clear(_) => {}
        }
        step.marks.push(Mark {
            time_us: now_us,
            name: spec.name.clone(),
            kind: MarkKind::End,
            text: format!("{} ends", spec.name),
        });
    }

    /// The bus-off transitions of the network's controllers, as marks of the
    /// fault that caused them.
    fn controller_marks(&self, net: &mut Network, marks: &mut Vec<Mark>) {
        while let Some(ev) = net.poll_controller_event() {
            let name = self
                .specs
                .iter()
                .zip(&self.state)
                .filter(|(s, _)| matches!(&s.action, Action::Bus(BusFault::BusOff { node }) if *node == ev.node))
                .max_by_key(|(_, st)| st.start_us)
                .map_or_else(|| ev.node.clone(), |(s, _)| s.name.clone());
            let what = match ev.transition {
                Transition::ErrorPassive { tec } => format!("error-passive (TEC {tec})"),
                Transition::BusOff { tec } => format!("bus-off (TEC {tec})"),
                Transition::ErrorActive { tec } => format!("error-active again (TEC {tec})"),
                Transition::Recovered => "recovered from bus-off (TEC 0)".to_owned(),
            };
            marks.push(Mark {
                time_us: ev.at_us,
                name,
                kind: MarkKind::Instant,
                text: format!("{} {what}", ev.node),
            });
        }
    }
}

impl Hook for FaultHook {
    fn before_step(&mut self, step: &mut StepInput<'_>) {
        if let Some(net) = step.net.as_deref_mut() {
            if !self.seeded {
                net.set_fault_seed(step.twin.config().seed);
                self.seeded = true;
            }
            self.controller_marks(net, step.marks);
        }
        let km = step.twin.odometer_m() / 1000.0;
        for i in 0..self.specs.len() {
            let now_us = effective_us(&self.specs[i].action, step);
            let st = &self.state[i];
            if st.active {
                let due = match self.specs[i].ending {
                    Ending::AfterUs(d) => st.start_us.is_some_and(|s| now_us >= s + d),
                    Ending::Until(_) => st.ending,
                    Ending::Never | Ending::Once => false,
                };
                if due {
                    self.end(i, step);
                }
                continue;
            }
            if st.start_us.is_some() {
                continue;
            }
            let go = match self.specs[i].trigger {
                Trigger::AtUs(t) => now_us >= t,
                Trigger::AtKm(k) => km >= k,
                Trigger::On(_) => st.fired,
            };
            if go {
                self.start(i, step);
            }
        }
    }

    fn after_step(&mut self, step: &StepView<'_>) {
        for st in &mut self.state {
            if st.start_us.is_none()
                && let Some(m) = st.trigger.as_mut()
                && m.step(step).is_some()
            {
                st.fired = true;
                st.trigger = None;
            }
            if st.active
                && let Some(m) = st.until.as_mut()
                && m.step(step).is_some()
            {
                st.ending = true;
            }
        }
    }

    fn finish(&mut self, end: &EndView<'_>, verdicts: &mut Verdicts) {
        for (spec, st) in self.specs.iter().zip(&self.state) {
            let mut description = spec.what.clone();
            if st.start_us.is_none() {
                description.push_str("; its trigger never came");
            }
            if let Some(note) = &st.note {
                description.push_str("; ");
                description.push_str(note);
            }
            if let (Action::Bus(BusFault::BusOff { node }), Some(net)) = (&spec.action, end.net)
                && st.start_us.is_some()
            {
                let stats = net.bus_faults().stats();
                if let Some(c) = net.bus_faults().controller(node) {
                    let _ = write!(
                        description,
                        "; {} transmissions failed, bus-off {} times; at the end TEC {} REC {} ({:?})",
                        stats.tx_errors,
                        stats.bus_offs,
                        c.tec(),
                        c.rec(),
                        c.state()
                    );
                }
            }
            verdicts.faults.push(FaultRecord {
                name: spec.name.clone(),
                kind: spec.kind.clone(),
                start_s: st.start_us.map(secs),
                end_s: st.end_us.map(secs),
                description,
            });
        }
    }
}
