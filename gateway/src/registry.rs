//! The routing table: every live function's current revision, in memory, read without
//! locks on the invocation path and replaced wholesale on the rare deploy.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use updraft_broker::{FunctionKey, FunctionSpec};

use crate::FunctionSettings;

/// A function as the invocation path needs it.
#[derive(Clone, Debug)]
pub struct LiveFunction {
    /// The function.
    pub key: FunctionKey,
    /// Current revision.
    pub revision: u32,
    /// Module hash.
    pub sha256: String,
    /// Module size.
    pub size: u64,
    /// Settings of the revision.
    pub settings: FunctionSettings,
    /// What workers need.
    pub spec: FunctionSpec,
    /// RFC 3339 of the revision.
    pub deployed_at: String,
}

impl LiveFunction {
    /// Builds the entry (and its worker spec) of a revision.
    pub fn new(key: FunctionKey, revision: u32, sha256: String, size: u64, settings: FunctionSettings, deployed_at: String) -> LiveFunction {
        let spec = spec_of(&key, revision, &sha256, &settings);
        LiveFunction { key, revision, sha256, size, settings, spec, deployed_at }
    }
}

/// The worker spec of a revision.
pub(crate) fn spec_of(key: &FunctionKey, revision: u32, sha256: &str, settings: &FunctionSettings) -> FunctionSpec {
    FunctionSpec {
        key: key.clone(),
        revision,
        sha256: sha256.to_owned(),
        timeout_ms: settings.timeout_ms,
        memory_mb: settings.memory_mb,
        concurrency: settings.concurrency,
        min_instances: settings.min_instances,
        max_instances: settings.max_instances,
        env: settings.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

type Table = HashMap<String, HashMap<String, Arc<LiveFunction>>>;

/// Live functions by app, then name.
#[derive(Default)]
pub(crate) struct Registry {
    table: ArcSwap<Table>,
    writer: Mutex<()>,
}

impl Registry {
    pub(crate) fn get(&self, app: &str, function: &str) -> Option<Arc<LiveFunction>> {
        self.table.load().get(app)?.get(function).cloned()
    }

    pub(crate) fn all(&self) -> Vec<Arc<LiveFunction>> {
        self.table.load().values().flat_map(|fns| fns.values().cloned()).collect()
    }

    fn update(&self, change: impl FnOnce(&mut Table)) {
        let _guard = self.writer.lock();
        let mut table = Table::clone(&self.table.load());
        change(&mut table);
        self.table.store(Arc::new(table));
    }

    /// Inserts or replaces a function, unless a newer revision is already there.
    pub(crate) fn upsert(&self, live: LiveFunction) {
        self.update(|table| {
            let fns = table.entry(live.key.app.clone()).or_default();
            let newer = fns.get(&live.key.function).is_some_and(|f| f.revision > live.revision);
            if !newer {
                fns.insert(live.key.function.clone(), Arc::new(live));
            }
        });
    }

    pub(crate) fn remove(&self, app: &str, function: &str) {
        self.update(|table| {
            if let Some(fns) = table.get_mut(app) {
                fns.remove(function);
            }
        });
    }

    pub(crate) fn remove_app(&self, app: &str) {
        self.update(|table| {
            table.remove(app);
        });
    }
}
