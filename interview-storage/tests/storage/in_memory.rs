//! The conformance suite against interview-core's `InMemoryBookingStore`, the test
//! double every other crate uses: it must behave as the real stores do.

use std::sync::Arc;

use interview_core::store::BookingStore;
use interview_core::testing::InMemoryBookingStore;

use crate::conformance::{Fixture, conformance_suite};

struct InMemory(Arc<InMemoryBookingStore>);

impl Fixture for InMemory {
    async fn start() -> Self {
        Self(Arc::new(InMemoryBookingStore::new()))
    }

    fn store(&self) -> Arc<dyn BookingStore> {
        self.0.clone()
    }
}

conformance_suite!(InMemory);

#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[tokio::test]
async fn the_in_memory_job_store_keeps_webhooks_as_the_sql_stores_do() {
    let store =
        interview_core::testing::InMemoryJobStore::new(Arc::new(InMemoryBookingStore::new()));
    crate::queue::webhook_store_conforms(&store).await;
}
