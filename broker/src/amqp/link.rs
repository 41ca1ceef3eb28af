//! The connection to RabbitMQ, kept alive: reconnects with backoff after any failure and
//! re-declares the topology, so every process recovers from a broker restart by itself.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use lapin::options::ConfirmSelectOptions;
use lapin::{Channel, Connection, ConnectionProperties, Event};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use super::topology;
use crate::BrokerError;

/// First wait before reconnecting; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a final close waits for RabbitMQ to confirm it.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// One live connection and its publishing channels.
pub(crate) struct Session {
    /// Increases with every reconnect.
    pub(crate) id: u64,
    pub(crate) connection: Connection,
    /// For messages that need no confirm (sync calls, replies, heartbeats).
    pub(crate) publisher: Channel,
    /// In confirm mode: for messages that must not be lost.
    pub(crate) confirmed: Channel,
    /// The acknowledging tasks of the consumer channels: a final close waits until each
    /// has queued the acks it owes and closed its channel.
    pub(crate) pending_acks: TaskTracker,
}

impl Session {
    /// A fresh channel for a consumer.
    pub(crate) async fn channel(&self) -> Result<Channel, BrokerError> {
        self.connection.create_channel().await.map_err(unavailable)
    }
}

/// Maps a lapin error to "try again later".
pub(crate) fn unavailable(error: lapin::Error) -> BrokerError {
    BrokerError::Unavailable(error.to_string())
}

/// The supervised connection of one process.
pub(crate) struct Link {
    url: String,
    name: String,
    state: watch::Sender<Option<Arc<Session>>>,
    sessions: AtomicU64,
    /// Set by [`Link::close`]: no more reconnecting.
    closed: AtomicBool,
}

impl Link {
    /// Starts connecting in the background.
    pub(crate) fn start(url: &str, name: &str) -> Arc<Link> {
        let (state, _) = watch::channel(None);
        let link = Arc::new(Link {
            url: url.to_owned(),
            name: name.to_owned(),
            state,
            sessions: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        });
        tokio::spawn(link.clone().supervise());
        link
    }

    /// The live session, if connected now.
    pub(crate) fn current(&self) -> Option<Arc<Session>> {
        self.state.borrow().clone()
    }

    /// The live session, waiting for one if needed.
    pub(crate) async fn wait(&self) -> Arc<Session> {
        let mut state = self.state.subscribe();
        loop {
            if let Some(session) = state.borrow_and_update().clone() {
                return session;
            }
            if state.changed().await.is_err() {
                // The sender lives as long as the link; never reached in practice.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Resolves when `session` is no longer the live one.
    pub(crate) async fn lost(&self, session: &Session) {
        let mut state = self.state.subscribe();
        loop {
            if state.borrow_and_update().as_ref().is_none_or(|s| s.id != session.id) {
                return;
            }
            if state.changed().await.is_err() {
                return;
            }
        }
    }

    /// Closes the connection for good: RabbitMQ gets every ack owed for a reply already
    /// handed over (the channels of stopped consumers are closed first, after their acks),
    /// every frame queued before the close, and then the close itself; the link stops
    /// reconnecting.
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(session) = self.state.send_replace(None) {
            session.pending_acks.close();
            let _ = tokio::time::timeout(CLOSE_WAIT, session.pending_acks.wait()).await;
            let close = session.connection.close(200, "closing".into());
            let _ = tokio::time::timeout(CLOSE_WAIT, close).await;
        }
    }

    async fn connect(&self) -> Result<Session, lapin::Error> {
        let properties = ConnectionProperties::default().with_connection_name(self.name.clone().into());
        let connection = Connection::connect(&self.url, properties).await?;
        let publisher = connection.create_channel().await?;
        let confirmed = connection.create_channel().await?;
        confirmed.confirm_select(ConfirmSelectOptions::default()).await?;
        topology::declare_base(&confirmed).await?;
        let id = self.sessions.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Session { id, connection, publisher, confirmed, pending_acks: TaskTracker::new() })
    }

    async fn supervise(self: Arc<Self>) {
        let mut backoff = FIRST_BACKOFF;
        while !self.closed.load(Ordering::SeqCst) {
            match self.connect().await {
                Ok(session) => {
                    backoff = FIRST_BACKOFF;
                    let mut events = session.connection.events_listener();
                    let session = Arc::new(session);
                    if self.closed.load(Ordering::SeqCst) {
                        let _ = session.connection.close(200, "closing".into()).await;
                        return;
                    }
                    tracing::info!(session = session.id, "connected to RabbitMQ");
                    self.state.send_replace(Some(session.clone()));
                    loop {
                        let event = tokio::time::timeout(Duration::from_millis(500), events.next()).await;
                        let closed = match event {
                            Ok(Some(Event::Error(error))) => {
                                tracing::warn!(%error, "RabbitMQ connection failed");
                                true
                            }
                            Ok(None) => true,
                            _ => !session.connection.status().connected(),
                        };
                        if closed {
                            break;
                        }
                    }
                    if self.closed.load(Ordering::SeqCst) {
                        return;
                    }
                    self.state.send_replace(None);
                    let _ = session.connection.close(0, "reconnecting".into()).await;
                }
                Err(error) => tracing::debug!(%error, "RabbitMQ not reachable"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}
