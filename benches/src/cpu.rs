//! CPU time and context switches of processes, read from `/proc`: where a load bench's
//! calls spend their CPU when every process shares the same cores, and how often each
//! process went to sleep and was woken per call (a count that a noisy machine disturbs
//! far less than CPU time).

use std::fmt::Write;

/// Where one measured process's CPU time is read.
#[derive(Clone, Copy, Debug)]
pub enum Process {
    /// A running process.
    Pid(u32),
    /// This process's children that have exited and been waited for (a load generator
    /// run to completion inside the measurement).
    WaitedChildren,
}

/// Clock ticks per second of `/proc`'s CPU times, asked once per process.
fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Fields of `/proc/{pid}/stat` after the command name (field 3 onward).
fn stat_fields(pid: &str) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(|field| field.parse().unwrap_or(0)).collect())
}

/// CPU ticks (user + system) of `process` so far; 0 when it is gone.
fn ticks(process: Process) -> u64 {
    // After the name: state is field 3, so utime (14) is index 11; cutime (16) is 13.
    let (pid, first) = match process {
        Process::Pid(pid) => (pid.to_string(), 11),
        Process::WaitedChildren => ("self".to_owned(), 13),
    };
    stat_fields(&pid).map_or(0, |f| f.get(first).copied().unwrap_or(0) + f.get(first + 1).copied().unwrap_or(0))
}

/// The pid of a RabbitMQ node running on this machine (its Erlang VM), if any.
pub fn rabbitmq_pid() -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let is_rabbit = cmdline.split(|b| *b == 0).next().is_some_and(|exe| exe.ends_with(b"beam.smp"))
            && cmdline.windows(6).any(|w| w == b"rabbit");
        is_rabbit.then_some(pid)
    })
}

/// Context switches (voluntary and not) of every thread of `process` alive now; `None`
/// when the process is gone or is waited children, which `/proc` cannot tell. Threads
/// that exited are not counted.
fn switches(process: Process) -> Option<u64> {
    let Process::Pid(pid) = process else { return None };
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        total += status
            .lines()
            .filter(|line| line.starts_with("voluntary_ctxt_switches") || line.starts_with("nonvoluntary_ctxt_switches"))
            .filter_map(|line| line.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    Some(total)
}

/// What one process spent per call.
#[derive(Clone, Copy, Debug)]
pub struct CallCost {
    /// The process's name in the report.
    pub name: &'static str,
    /// Microseconds of CPU per call.
    pub cpu_us: f64,
    /// Context switches per call (`None` where `/proc` cannot tell: waited children).
    pub switches: Option<f64>,
}

/// CPU and context switches of named processes from [`CpuMeter::start`] on.
pub struct CpuMeter {
    processes: Vec<(&'static str, Process, u64, Option<u64>)>,
    /// Microseconds per clock tick.
    tick_us: f64,
}

impl CpuMeter {
    /// Starts measuring `processes` (name, where to read it).
    pub fn start(processes: &[(&'static str, Process)]) -> CpuMeter {
        // Asked before the first reading: `getconf` is a waited-for child itself.
        let tick_us = 1e6 / ticks_per_second();
        let processes = processes
            .iter()
            .map(|&(name, process)| (name, process, ticks(process), switches(process)))
            .collect();
        CpuMeter { processes, tick_us }
    }

    /// What each process spent per call since the start, for `calls` calls.
    pub fn per_call(&self, calls: f64) -> Vec<CallCost> {
        let calls = calls.max(1.0);
        self.processes
            .iter()
            .map(|&(name, process, start, switched)| CallCost {
                name,
                cpu_us: ticks(process).saturating_sub(start) as f64 * self.tick_us / calls,
                switches: switched
                    .zip(switches(process))
                    .map(|(start, end)| end.saturating_sub(start) as f64 / calls),
            })
            .collect()
    }
}

/// `name 12 µs, other 30 µs (sum 42 µs)`.
pub fn describe(per_call: &[CallCost]) -> String {
    let mut text = String::new();
    for cost in per_call {
        let _ = write!(text, "{}{} {:.0} µs", if text.is_empty() { "" } else { ", " }, cost.name, cost.cpu_us);
    }
    let sum: f64 = per_call.iter().map(|cost| cost.cpu_us).sum();
    let _ = write!(text, " (sum {sum:.0} µs)");
    text
}

/// `name 2.1, other 3.0`: context switches per call, of the processes `/proc` can tell.
pub fn describe_switches(per_call: &[CallCost]) -> String {
    let parts: Vec<String> =
        per_call.iter().filter_map(|cost| Some(format!("{} {:.2}", cost.name, cost.switches?))).collect();
    parts.join(", ")
}
