//! The machine-level policy (DESIGN §6): provision when granted instances exceed the
//! live machines' slots, drain one after the machines stay underused for a window,
//! within [min, max]. Pure functions of their inputs.

use std::time::Duration;

/// A machine as the policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineView {
    /// Worker id.
    pub id: String,
    /// Instances placed on it.
    pub placed: u32,
    /// Taking no new work.
    pub draining: bool,
}

/// What the machine policy decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MachineAction {
    /// Start this many machines.
    Provision(u32, String),
    /// Drain this machine (then remove it).
    Drain(String, String),
}

/// Inputs of one decision.
#[derive(Clone, Debug)]
pub struct MachineInputs<'a> {
    /// Machines alive (draining ones included).
    pub machines: &'a [MachineView],
    /// Machines being started, not yet heard from.
    pub starting: u32,
    /// Instances wanted in all.
    pub demand: u32,
    /// Capacity of one machine, in instances.
    pub slots_per_machine: u32,
    /// Bounds.
    pub min: u32,
    /// Bounds.
    pub max: u32,
    /// How long the machines have fit into one fewer (None if they do not now).
    pub underused_for: Option<Duration>,
    /// How long that must last before draining.
    pub underused_window: Duration,
}

/// What to do about machines now.
pub fn machine_actions(input: &MachineInputs<'_>) -> Vec<MachineAction> {
    let slots = input.slots_per_machine.max(1);
    let live: Vec<&MachineView> = input.machines.iter().filter(|m| !m.draining).collect();
    let active = live.len() as u32 + input.starting;
    let total = input.machines.len() as u32 + input.starting;
    let needed = input.demand.div_ceil(slots).max(input.min);
    if needed > active {
        let room = input.max.saturating_sub(total);
        let count = (needed - active).min(room);
        if count > 0 {
            let reason = format!("{} instances need {needed} machines of {slots} slots; {active} are up or starting", input.demand);
            return vec![MachineAction::Provision(count, reason)];
        }
        return Vec::new();
    }
    let fits_in_fewer = live.len() as u32 > input.min.max(1) && input.demand <= (live.len() as u32 - 1) * slots;
    let long_enough = input.underused_for.is_some_and(|d| d >= input.underused_window);
    if fits_in_fewer
        && long_enough
        && input.starting == 0
        && let Some(victim) = live.iter().min_by_key(|m| (m.placed, m.id.clone()))
    {
        let reason = format!(
            "{} instances fit in {} machines for {} s",
            input.demand,
            live.len() - 1,
            input.underused_window.as_secs()
        );
        return vec![MachineAction::Drain(victim.id.clone(), reason)];
    }
    Vec::new()
}

/// Whether the machines would fit the demand with one fewer (the underuse clock runs
/// while this holds).
pub fn underused(machines: &[MachineView], demand: u32, slots_per_machine: u32, min: u32) -> bool {
    let live = machines.iter().filter(|m| !m.draining).count() as u32;
    live > min.max(1) && demand <= (live - 1) * slots_per_machine.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machines(placed: &[u32]) -> Vec<MachineView> {
        placed.iter().enumerate().map(|(i, &p)| MachineView { id: format!("m{i}"), placed: p, draining: false }).collect()
    }

    fn decide(placed: &[u32], starting: u32, demand: u32, min: u32, max: u32, underused_s: Option<u64>) -> Vec<MachineAction> {
        let machines = machines(placed);
        machine_actions(&MachineInputs {
            machines: &machines,
            starting,
            demand,
            slots_per_machine: 4,
            min,
            max,
            underused_for: underused_s.map(Duration::from_secs),
            underused_window: Duration::from_secs(60),
        })
    }

    fn kinds(actions: &[MachineAction]) -> Vec<String> {
        actions
            .iter()
            .map(|a| match a {
                MachineAction::Provision(n, _) => format!("provision {n}"),
                MachineAction::Drain(id, _) => format!("drain {id}"),
            })
            .collect()
    }

    #[test]
    fn table_of_machine_decisions() {
        let table: Vec<(Vec<u32>, u32, u32, u32, u32, Option<u64>, Vec<&str>)> = vec![
            (vec![4], 0, 10, 1, 5, None, vec!["provision 2"]),
            (vec![4], 2, 10, 1, 5, None, vec![]),
            (vec![4], 0, 40, 1, 3, None, vec!["provision 2"]),
            (vec![4, 4, 4], 0, 40, 1, 3, None, vec![]),
            (vec![], 0, 0, 1, 3, None, vec!["provision 1"]),
            (vec![1, 0, 2], 0, 3, 1, 5, Some(61), vec!["drain m1"]),
            (vec![1, 0, 2], 0, 3, 1, 5, Some(10), vec![]),
            (vec![3], 0, 0, 1, 5, Some(600), vec![]),
            (vec![0, 0], 0, 0, 2, 5, Some(600), vec![]),
        ];
        for (i, (placed, starting, demand, min, max, underused, expected)) in table.into_iter().enumerate() {
            assert_eq!(kinds(&decide(&placed, starting, demand, min, max, underused)), expected, "row {i}");
        }
    }
}
