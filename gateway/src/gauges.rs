//! Gauges read at scrape time: queue depths, dead letters, mail outbox.

use std::collections::HashMap;

use updraft_store::MailStatus;

use crate::Gateway;

impl Gateway {
    /// Refreshes the gauges of `/metrics` from the broker and the store.
    pub(crate) async fn refresh_gauges(&self) {
        let metrics = self.metrics();
        let dead: HashMap<(String, String), u64> =
            self.db().dead_letter_counts().unwrap_or_default().into_iter().map(|(a, f, n)| ((a, f), n)).collect();
        for live in self.functions() {
            if let Ok(depth) = self.broker().queue_depth(&live.key).await {
                metrics.set_queue_depth(&live.key, depth);
            }
            let key = (live.key.app.clone(), live.key.function.clone());
            metrics.set_dead_letters(&live.key, dead.get(&key).copied().unwrap_or(0));
        }
        let mail: HashMap<String, u64> = self.db().mail_counts().unwrap_or_default().into_iter().collect();
        for status in [MailStatus::Queued, MailStatus::Sent, MailStatus::Dead] {
            metrics.set_mail_outbox(status.as_str(), mail.get(status.as_str()).copied().unwrap_or(0));
        }
    }
}
