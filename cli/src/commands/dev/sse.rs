//! Reading Server-Sent Events (the `follow=true` log stream) from a blocking reader.

use std::io::BufRead;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `id:` field.
    pub id: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

/// The events of a stream, in order; comments (keep-alives) are skipped.
pub struct Events<R> {
    reader: R,
}

impl<R: BufRead> Events<R> {
    /// Events read from `reader`.
    pub fn new(reader: R) -> Events<R> {
        Events { reader }
    }
}

impl<R: BufRead> Iterator for Events<R> {
    type Item = std::io::Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        let (mut event, mut id, mut data): (Option<String>, Option<String>, Option<String>) = (None, None, None);
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(error) => return Some(Err(error)),
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                match data.take() {
                    Some(data) => {
                        let event = event.take().unwrap_or_else(|| "message".to_owned());
                        return Some(Ok(Event { event, id: id.take(), data }));
                    }
                    None => continue,
                }
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "" => {}
                "event" => event = Some(value.to_owned()),
                "id" => id = Some(value.to_owned()),
                "data" => match &mut data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => data = Some(value.to_owned()),
                },
                _ => {}
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_and_skips_comments() {
        let stream = ": keep-alive\n\nevent: log\nid: 7\ndata: {\"a\":1}\n\ndata: one\ndata:two\r\n\r\n: bye\n";
        let events: Vec<Event> = Events::new(stream.as_bytes()).map(Result::unwrap).collect();
        assert_eq!(
            events,
            [
                Event { event: "log".into(), id: Some("7".into()), data: "{\"a\":1}".into() },
                Event { event: "message".into(), id: None, data: "one\ntwo".into() },
            ]
        );
    }
}
