//! Progress lines from inside an operation (a wait that takes a while): an operation runs in a
//! task of its own and cannot reach the printer, so its lines go to the executor, which hands
//! them to its caller as [`super::Event::Progress`].

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Where an operation says how it is getting on.
#[derive(Debug, Clone)]
pub struct Progress(UnboundedSender<String>);

impl Progress {
    /// A progress channel: the sender for the operations, the receiver for the executor.
    pub(crate) fn channel() -> (Self, UnboundedReceiver<String>) {
        let (sender, receiver) = unbounded_channel();
        (Self(sender), receiver)
    }

    /// One progress line. An executor that has stopped listening is no reason to fail the
    /// operation: the line is then dropped.
    pub fn say(&self, line: String) {
        let _ = self.0.send(line);
    }
}
