//! Holding refresh replies until a test releases them, and announcing each held one: the test
//! waits for "a refresh is at the server" on a channel instead of sleeping.

use tokio::sync::watch;

/// The switch and the counter behind [`crate::demo::DemoServer::hold_refresh_replies`].
#[derive(Debug)]
pub(crate) struct ReplyHold {
    on: watch::Sender<bool>,
    arrived: watch::Sender<u64>,
}

impl Default for ReplyHold {
    fn default() -> Self {
        Self {
            on: watch::Sender::new(false),
            arrived: watch::Sender::new(0),
        }
    }
}

impl ReplyHold {
    /// Holds replies from now on.
    pub(crate) fn hold(&self) {
        self.on.send_replace(true);
    }

    /// Releases every held reply; new ones pass.
    pub(crate) fn release(&self) {
        self.on.send_replace(false);
    }

    /// Waits while holding is on, after counting this reply as held.
    pub(crate) async fn wait_if_held(&self) {
        let mut on = self.on.subscribe();
        if !*on.borrow_and_update() {
            return;
        }
        self.arrived.send_modify(|n| *n += 1);
        // A closed channel (server gone) also ends the wait.
        let _ = on.wait_for(|held| !*held).await;
    }

    /// Waits until `count` replies in all have been held.
    pub(crate) async fn arrived(&self, count: u64) {
        let mut arrived = self.arrived.subscribe();
        let _ = arrived.wait_for(|n| *n >= count).await;
    }
}
