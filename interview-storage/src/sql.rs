//! What the SQLite and PostgreSQL stores share: turning `sqlx` errors into
//! [`StoreError`]s.

use interview_core::store::StoreError;

/// Which database error codes mean "try again later" for a backend.
pub(crate) type TransientCode = fn(&str) -> bool;

/// Maps a `sqlx` error: a unique violation is a [`StoreError::Conflict`]; a pool
/// timeout, a closed pool, an I/O or TLS failure, or a database code the backend calls
/// transient is [`StoreError::Unavailable`]; a value that does not decode is
/// [`StoreError::Corrupt`]; anything else is [`StoreError::Backend`].
pub(crate) fn store_error(error: sqlx::Error, transient: TransientCode) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => StoreError::Conflict,
        _ if is_unavailable(&error, transient) => StoreError::Unavailable(Box::new(error)),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(error.to_string())
        }
        _ => StoreError::Backend(Box::new(error)),
    }
}

/// Whether `error` means the database cannot be reached now (worth retrying later):
/// a pool timeout, a closed pool, an I/O or TLS failure, or a code `transient` names.
pub(crate) fn is_unavailable(error: &sqlx::Error, transient: TransientCode) -> bool {
    match error {
        sqlx::Error::Database(database) => database.code().is_some_and(|code| transient(&code)),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

/// Whether the error is a foreign key violation (the booking a row refers to is gone).
pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.is_foreign_key_violation())
}

/// Maps a failed migration: a database that cannot be reached is
/// [`StoreError::Unavailable`], anything else (a changed or missing migration) is
/// [`StoreError::Backend`].
pub(crate) fn migrate_error(
    error: sqlx::migrate::MigrateError,
    transient: TransientCode,
) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(inner) => match store_error(inner, transient) {
            // A unique violation while migrating is not a booking conflict.
            StoreError::Conflict => StoreError::Backend("migration hit a unique violation".into()),
            mapped => mapped,
        },
        other => StoreError::Backend(Box::new(other)),
    }
}
