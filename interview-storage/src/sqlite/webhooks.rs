//! The HR platform's webhook endpoints and deliveries in the SQLite file.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interview_core::store::{StoreError, WebhookStore};
use interview_core::webhooks::{Delivery, DeliveryQuery, EndpointId, WebhookEndpoint};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::recruiting::{optional_timestamp, stored_time};
use super::{SqliteBookingStore, store_error, timestamp};
use crate::record::{DeliveryColumns, EndpointColumns, events_text};

const ENDPOINT_COLUMNS: &str = "id, url, events, description, secret, previous_secret, \
     previous_secret_until, disabled, created_at, updated_at";

const DELIVERY_COLUMNS: &str = "endpoint_id, event_id, event_type, token, status, attempts, \
     response_status, last_error, first_attempt_at, last_attempt_at, delivered_at";

fn endpoint_from_row(row: &SqliteRow) -> Result<WebhookEndpoint, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    EndpointColumns {
        id: text("id")?,
        url: text("url")?,
        events: row.try_get("events").map_err(store_error)?,
        description: text("description")?,
        secret: text("secret")?,
        previous_secret: row.try_get("previous_secret").map_err(store_error)?,
        previous_secret_until: optional_timestamp(row, "previous_secret_until")?,
        disabled: row.try_get("disabled").map_err(store_error)?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
    }
    .into_endpoint()
}

fn delivery_from_row(row: &SqliteRow) -> Result<Delivery, StoreError> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(store_error);
    DeliveryColumns {
        endpoint_id: text("endpoint_id")?,
        event_id: text("event_id")?,
        event_type: text("event_type")?,
        token: text("token")?,
        status: text("status")?,
        attempts: row.try_get("attempts").map_err(store_error)?,
        response_status: row.try_get("response_status").map_err(store_error)?,
        last_error: row.try_get("last_error").map_err(store_error)?,
        first_attempt_at: timestamp(row, "first_attempt_at")?,
        last_attempt_at: timestamp(row, "last_attempt_at")?,
        delivered_at: optional_timestamp(row, "delivered_at")?,
    }
    .into_delivery()
}

/// Binds what both writes of an endpoint set, in this order: url, events,
/// description, secret, previous secret and until when, disabled, updated at, id.
fn bind_endpoint<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, <sqlx::Sqlite as sqlx::Database>::Arguments>,
    endpoint: &'q WebhookEndpoint,
) -> sqlx::query::Query<'q, sqlx::Sqlite, <sqlx::Sqlite as sqlx::Database>::Arguments> {
    query
        .bind(endpoint.url.as_str())
        .bind(events_text(endpoint.events.as_deref()))
        .bind(&endpoint.description)
        .bind(endpoint.secret.expose())
        .bind(endpoint.previous_secret.as_ref().map(|p| p.secret.expose()))
        .bind(
            endpoint
                .previous_secret
                .as_ref()
                .map(|p| stored_time(p.until)),
        )
        .bind(endpoint.disabled)
        .bind(stored_time(endpoint.updated_at))
        .bind(endpoint.id.as_str())
}

#[async_trait]
impl WebhookStore for SqliteBookingStore {
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> Result<(), StoreError> {
        bind_endpoint(
            sqlx::query(
                "INSERT INTO interview_webhook_endpoints \
                 (url, events, description, secret, previous_secret, previous_secret_until, \
                  disabled, updated_at, id, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            endpoint,
        )
        .bind(stored_time(endpoint.created_at))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn webhook(&self, id: &EndpointId) -> Result<Option<WebhookEndpoint>, StoreError> {
        let sql =
            format!("SELECT {ENDPOINT_COLUMNS} FROM interview_webhook_endpoints WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(endpoint_from_row).transpose()
    }

    async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let sql = format!(
            "SELECT {ENDPOINT_COLUMNS} FROM interview_webhook_endpoints \
             ORDER BY created_at, id COLLATE BINARY"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(endpoint_from_row).collect()
    }

    async fn update_webhook(&self, endpoint: &WebhookEndpoint) -> Result<bool, StoreError> {
        let done = bind_endpoint(
            sqlx::query(
                "UPDATE interview_webhook_endpoints SET url = ?, events = ?, description = ?, \
                 secret = ?, previous_secret = ?, previous_secret_until = ?, disabled = ?, \
                 updated_at = ? WHERE id = ?",
            ),
            endpoint,
        )
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_webhook(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM interview_webhook_deliveries WHERE endpoint_id = ?")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let done = sqlx::query("DELETE FROM interview_webhook_endpoints WHERE id = ?")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delivery(
        &self,
        endpoint: &EndpointId,
        event_id: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM interview_webhook_deliveries \
             WHERE endpoint_id = ? AND event_id = ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(endpoint.as_str())
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    async fn save_delivery(&self, delivery: &Delivery) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO interview_webhook_deliveries \
             (endpoint_id, event_id, event_type, token, status, attempts, response_status, \
              last_error, first_attempt_at, last_attempt_at, delivered_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (endpoint_id, event_id) DO UPDATE SET \
              status = excluded.status, attempts = excluded.attempts, \
              response_status = excluded.response_status, last_error = excluded.last_error, \
              last_attempt_at = excluded.last_attempt_at, delivered_at = excluded.delivered_at",
        )
        .bind(delivery.endpoint_id.as_str())
        .bind(&delivery.event_id)
        .bind(delivery.event_type.as_str())
        .bind(&delivery.token)
        .bind(delivery.status.as_str())
        .bind(i64::from(delivery.attempts))
        .bind(delivery.response_status.map(i64::from))
        .bind(&delivery.last_error)
        .bind(stored_time(delivery.first_attempt_at))
        .bind(stored_time(delivery.last_attempt_at))
        .bind(delivery.delivered_at.map(stored_time))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn deliveries(
        &self,
        endpoint: &EndpointId,
        query: &DeliveryQuery,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM interview_webhook_deliveries \
             WHERE endpoint_id = ? AND (? IS NULL OR status = ?) \
             ORDER BY last_attempt_at DESC, event_id DESC LIMIT ?"
        );
        let status = query.status.map(|status| status.as_str());
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(endpoint.as_str())
            .bind(status)
            .bind(status)
            .bind(i64::from(query.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(delivery_from_row).collect()
    }

    async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM interview_webhook_deliveries WHERE last_attempt_at < ?")
                .bind(stored_time(before))
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
