//! Per-invocation log capture: the `log` import and WASI stdout/stderr feed one
//! collector with a byte cap. Past the cap, writes still succeed (a chatty guest must not
//! fail) but the bytes are dropped and one truncation marker is recorded.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::Mutex;
use updraft_abi::LogLevel;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Default cap of log bytes per invocation (DESIGN §7).
pub const DEFAULT_LOG_BYTES_PER_INVOCATION: usize = 256 * 1024;

/// The message recorded once when an invocation's log exceeds its cap.
pub const TRUNCATION_MARKER: &str = "[log truncated: per-invocation limit reached]";

/// One captured log record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Microseconds since the Unix epoch.
    pub time_us: i64,
    /// Severity.
    pub level: LogLevel,
    /// The text, UTF-8 (invalid bytes replaced).
    pub message: String,
}

#[derive(Default)]
struct Buffer {
    lines: Vec<LogLine>,
    used: usize,
    truncated: bool,
    /// Incomplete last lines of stdout (0) and stderr (1).
    partial: [Vec<u8>; 2],
}

/// Collects the log lines of one invocation, up to a byte cap. Cheap to clone (shared).
#[derive(Clone)]
pub struct LogCollector {
    cap: usize,
    inner: Arc<Mutex<Buffer>>,
}

fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

impl LogCollector {
    /// A collector keeping at most `cap` bytes of messages.
    pub fn new(cap: usize) -> LogCollector {
        LogCollector { cap, inner: Arc::new(Mutex::new(Buffer::default())) }
    }

    /// Records one message (lossy UTF-8; a trailing newline is dropped).
    pub fn push(&self, level: LogLevel, message: &[u8]) {
        let mut buf = self.inner.lock();
        Self::push_locked(&mut buf, self.cap, level, message);
    }

    fn push_locked(buf: &mut Buffer, cap: usize, level: LogLevel, message: &[u8]) {
        if buf.truncated {
            return;
        }
        let message = message.strip_suffix(b"\n").unwrap_or(message);
        let message = message.strip_suffix(b"\r").unwrap_or(message);
        if buf.used + message.len() > cap {
            buf.truncated = true;
            buf.lines.push(LogLine { time_us: now_us(), level: LogLevel::Warn, message: TRUNCATION_MARKER.into() });
            return;
        }
        buf.used += message.len();
        let message = String::from_utf8_lossy(message).into_owned();
        buf.lines.push(LogLine { time_us: now_us(), level, message });
    }

    /// Appends raw stream bytes (stdout = 0, stderr = 1), emitting one line per newline.
    fn write_stream(&self, stream: usize, level: LogLevel, mut bytes: &[u8]) {
        let mut buf = self.inner.lock();
        while let Some(nl) = bytes.iter().position(|b| *b == b'\n') {
            let (line, rest) = bytes.split_at(nl + 1);
            if buf.partial[stream].is_empty() {
                Self::push_locked(&mut buf, self.cap, level, line);
            } else {
                let mut whole = std::mem::take(&mut buf.partial[stream]);
                whole.extend_from_slice(line);
                Self::push_locked(&mut buf, self.cap, level, &whole);
            }
            bytes = rest;
        }
        if !bytes.is_empty() && !buf.truncated {
            if buf.partial[stream].len() + bytes.len() > self.cap {
                let whole = std::mem::take(&mut buf.partial[stream]);
                Self::push_locked(&mut buf, self.cap, level, &whole);
                Self::push_locked(&mut buf, self.cap, level, bytes);
            } else {
                buf.partial[stream].extend_from_slice(bytes);
            }
        }
    }

    /// Ends capture: flushes unfinished stream lines and returns the records and whether
    /// the cap was hit.
    pub fn finish(&self) -> (Vec<LogLine>, bool) {
        let mut buf = self.inner.lock();
        for (stream, level) in [(0, LogLevel::Info), (1, LogLevel::Warn)] {
            let rest = std::mem::take(&mut buf.partial[stream]);
            if !rest.is_empty() {
                Self::push_locked(&mut buf, self.cap, level, &rest);
            }
        }
        (std::mem::take(&mut buf.lines), buf.truncated)
    }

    /// A WASI output stream feeding this collector: stdout logs at info, stderr at warn.
    pub fn pipe(&self, stderr: bool) -> LogPipe {
        LogPipe { collector: self.clone(), stream: usize::from(stderr) }
    }
}

/// WASI stdout or stderr of an invocation; every write is accepted.
#[derive(Clone)]
pub struct LogPipe {
    collector: LogCollector,
    stream: usize,
}

impl LogPipe {
    fn level(&self) -> LogLevel {
        if self.stream == 0 { LogLevel::Info } else { LogLevel::Warn }
    }

    fn accept(&self, bytes: &[u8]) {
        self.collector.write_stream(self.stream, self.level(), bytes);
    }
}

impl IsTerminal for LogPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for LogPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.accept(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogPipe {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for LogPipe {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.accept(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Microseconds since the Unix epoch, now (the time base of [`LogLine`]).
pub fn unix_micros_now() -> i64 {
    now_us()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_stream_writes_into_lines() {
        let logs = LogCollector::new(1024);
        let mut out = logs.pipe(false);
        out.write(Bytes::from_static(b"one\ntw")).unwrap();
        out.write(Bytes::from_static(b"o\nthree")).unwrap();
        let (lines, truncated) = logs.finish();
        let texts: Vec<_> = lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        assert!(!truncated);
    }

    #[test]
    fn caps_bytes_with_one_marker_and_keeps_accepting() {
        let logs = LogCollector::new(10);
        logs.push(LogLevel::Info, b"12345");
        logs.push(LogLevel::Info, b"123456");
        logs.push(LogLevel::Error, b"x");
        let mut err = logs.pipe(true);
        assert!(err.write(Bytes::from(vec![b'a'; 100_000])).is_ok());
        let (lines, truncated) = logs.finish();
        assert!(truncated);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].message, TRUNCATION_MARKER);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let logs = LogCollector::new(100);
        logs.push(LogLevel::Warn, b"a\xffb");
        assert_eq!(logs.finish().0[0].message, "a\u{fffd}b");
    }

    fn invocation(n: usize) -> InvocationLogs {
        InvocationLogs { app: "a".into(), function: "f".into(), revision: 1, invocation_id: n.to_string(), lines: Vec::new() }
    }

    #[tokio::test]
    async fn gathers_what_arrives_within_the_window_into_one_batch_no_larger_than_asked() {
        let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
        sender.send(invocation(0)).await.unwrap();
        let late = tokio::spawn(async move {
            for n in 1..10 {
                sender.send(invocation(n)).await.unwrap();
            }
            sender
        });
        let mut batch = Vec::new();
        assert_eq!(gather_logs(&mut receiver, &mut batch, 8, std::time::Duration::from_millis(300)).await, 8);
        let ids: Vec<_> = batch.iter().map(|l| l.invocation_id.as_str()).collect();
        assert_eq!(ids, ["0", "1", "2", "3", "4", "5", "6", "7"]);
        drop(late.await.unwrap());
        batch.clear();
        assert_eq!(gather_logs(&mut receiver, &mut batch, 8, std::time::Duration::from_millis(1)).await, 2);
        batch.clear();
        assert_eq!(gather_logs(&mut receiver, &mut batch, 8, std::time::Duration::from_millis(1)).await, 0, "closed and empty");
    }
}

/// The log records of one invocation, ready to store.
#[derive(Clone, Debug)]
pub struct InvocationLogs {
    /// App.
    pub app: String,
    /// Function.
    pub function: String,
    /// Revision that ran.
    pub revision: u32,
    /// Invocation id.
    pub invocation_id: String,
    /// The records, the platform's own summary record last.
    pub lines: Vec<LogLine>,
}

/// Where finished invocations' logs go (a store in `updraft up`, the broker on a
/// cluster worker). `write` must not block: implementations queue and batch.
pub trait LogSink: Send + Sync + 'static {
    /// Accepts the logs of one invocation.
    fn write(&self, logs: InvocationLogs);
}

/// Waits for the next logs on `receiver`, then lets more gather for `window` and takes
/// them (at most `most` in all): one write or one message then carries many invocations.
/// It sleeps through the window instead of waking for every invocation's logs as they
/// come: under load that was one more task wake-up per invocation. Returns how many were
/// taken; 0 once the channel is closed and empty.
pub async fn gather_logs(
    receiver: &mut tokio::sync::mpsc::Receiver<InvocationLogs>,
    batch: &mut Vec<InvocationLogs>,
    most: usize,
    window: std::time::Duration,
) -> usize {
    if receiver.recv_many(batch, most).await == 0 {
        return 0;
    }
    if batch.len() < most {
        tokio::time::sleep(window).await;
        while batch.len() < most {
            match receiver.try_recv() {
                Ok(logs) => batch.push(logs),
                Err(_) => break,
            }
        }
    }
    batch.len()
}
