//! What the integration tests share.

pub(crate) mod agent_server;
