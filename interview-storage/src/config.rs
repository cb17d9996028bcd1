//! Which stores the configuration asks for: `DATABASE_URL`, `SUPABASE_URL` and
//! `SUPABASE_SERVICE_ROLE_KEY`, and the data folder the embedded defaults live in.
//!
//! [`StorageConfig`] chooses a [`BookingBackend`] and a [`ResumeBackend`] once;
//! the same choice both opens the store ([`BookingBackend::open`],
//! [`ResumeBackend::open`]) and is reported ([`BookingBackend::selection`]), so what
//! an application prints at start is what it runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use interview_core::Secret;
use interview_core::clock::Clock;
use interview_core::config::{Env, Selection};
use interview_core::resume::ResumeStore;
use interview_core::store::{BookingStore, StoreError};
use url::Url;

/// Supabase: bookings through PostgREST and resumes in Storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupabaseConfig {
    /// `SUPABASE_URL`, e.g. `https://abc.supabase.co`.
    pub url: Url,
    /// `SUPABASE_SERVICE_ROLE_KEY`.
    pub service_role_key: Secret,
}

impl SupabaseConfig {
    /// The variables that turn Supabase on.
    pub const VARIABLES: &[&str] = &["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"];

    /// Reads both variables (both or neither); `None` when Supabase is not used.
    pub fn from_env(env: &mut Env<'_>) -> Option<Self> {
        env.group(Self::VARIABLES)?;
        Some(Self {
            url: env.url("SUPABASE_URL", &["https", "http"])?,
            service_role_key: Secret::new(env.get("SUPABASE_SERVICE_ROLE_KEY")?),
        })
    }
}

/// Where bookings and resumes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// `DATABASE_URL`: `sqlite:...` or `postgres://...`; may hold a password.
    pub database_url: Option<Secret>,
    /// `SUPABASE_URL` + `SUPABASE_SERVICE_ROLE_KEY`.
    pub supabase: Option<SupabaseConfig>,
    /// `DATA_DIR`: the SQLite file and the resume folder when nothing else is set.
    pub data_dir: PathBuf,
}

impl StorageConfig {
    /// Reads `DATABASE_URL` and the Supabase variables; `data_dir` holds the
    /// embedded defaults.
    pub fn from_env(env: &mut Env<'_>, data_dir: &Path) -> Self {
        let database_url = env.get("DATABASE_URL").map(Secret::new);
        if let Some(url) = &database_url {
            let scheme_ok = ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|prefix| url.expose().starts_with(prefix));
            if !scheme_ok {
                env.error(
                    "DATABASE_URL",
                    "must start with sqlite:, postgres:// or postgresql://",
                );
            }
        }
        Self {
            database_url,
            supabase: SupabaseConfig::from_env(env),
            data_dir: data_dir.to_owned(),
        }
    }

    /// The booking store this configuration selects: Supabase, then
    /// `DATABASE_URL` (PostgreSQL or SQLite), then the SQLite file in the data folder.
    pub fn bookings(&self) -> BookingBackend {
        match (&self.supabase, &self.database_url) {
            (Some(supabase), _) => BookingBackend::Supabase(supabase.clone()),
            (None, Some(url)) if url.expose().starts_with("postgres") => {
                BookingBackend::Postgres(url.clone())
            }
            (None, Some(url)) => BookingBackend::SqliteUrl(url.clone()),
            (None, None) => BookingBackend::SqliteFile(self.data_dir.join("interviews.db")),
        }
    }

    /// The resume store this configuration selects: Supabase Storage, else the
    /// `resumes` folder in the data folder.
    pub fn resumes(&self) -> ResumeBackend {
        match &self.supabase {
            Some(supabase) => ResumeBackend::Supabase(supabase.clone()),
            None => ResumeBackend::Folder(self.data_dir.join("resumes")),
        }
    }
}

/// A booking store the configuration selects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BookingBackend {
    /// Supabase's PostgREST.
    Supabase(SupabaseConfig),
    /// A PostgreSQL server at this URL.
    Postgres(Secret),
    /// A SQLite database at this `sqlite:` URL.
    SqliteUrl(Secret),
    /// The SQLite file at this path (created with its folder).
    SqliteFile(PathBuf),
}

/// A resume store the configuration selects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResumeBackend {
    /// Supabase Storage.
    Supabase(SupabaseConfig),
    /// A local folder.
    Folder(PathBuf),
}

/// Why a selected store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The store is not compiled into this build.
    #[error("the configuration asks for {0}, which this build does not include")]
    NotInThisBuild(&'static str),
    /// The store failed to open (unreachable, a failed migration, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BookingBackend {
    /// What fills the "bookings" role, and the variable that decided it.
    pub fn selection(&self) -> Selection {
        match self {
            Self::Supabase(supabase) => Selection::new(
                "bookings",
                format!("Supabase at {}", supabase.url),
                "SUPABASE_URL is set",
            ),
            Self::Postgres(_) => Selection::new("bookings", "PostgreSQL", "DATABASE_URL is set"),
            Self::SqliteUrl(_) => {
                Selection::new("bookings", "SQLite", "DATABASE_URL is a sqlite: URL")
            }
            Self::SqliteFile(path) => Selection::new(
                "bookings",
                format!("SQLite at {}", path.display()),
                "neither DATABASE_URL nor SUPABASE_URL is set",
            ),
        }
    }

    /// Opens the store, applying its migrations.
    pub async fn open(&self) -> Result<Arc<dyn BookingStore>, OpenError> {
        match self {
            #[cfg(feature = "supabase")]
            Self::Supabase(supabase) => Ok(Arc::new(crate::supabase::SupabaseBookingStore::new(
                supabase_client(supabase)?,
            ))),
            #[cfg(feature = "postgres")]
            Self::Postgres(url) => Ok(Arc::new(
                crate::postgres::PostgresBookingStore::connect(url.expose()).await?,
            )),
            #[cfg(feature = "sqlite")]
            Self::SqliteUrl(url) => Ok(Arc::new(
                crate::sqlite::SqliteBookingStore::connect(url.expose()).await?,
            )),
            #[cfg(feature = "sqlite")]
            Self::SqliteFile(path) => Ok(Arc::new(
                crate::sqlite::SqliteBookingStore::open(path).await?,
            )),
            #[allow(unreachable_patterns)]
            other => Err(OpenError::NotInThisBuild(other.feature())),
        }
    }

    /// Opens the store as [`BookingBackend::open`] does, with its job queue when
    /// its database can hold one (SQLite and PostgreSQL; Supabase's PostgREST
    /// cannot write a job in a booking's transaction, so it has none).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub async fn open_with_queue(
        &self,
    ) -> Result<(Arc<dyn BookingStore>, Option<crate::queue::JobQueue>), OpenError> {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(url) => {
                let store =
                    Arc::new(crate::postgres::PostgresBookingStore::connect(url.expose()).await?);
                Ok((store.clone(), Some(crate::queue::JobQueue::Postgres(store))))
            }
            #[cfg(feature = "sqlite")]
            Self::SqliteUrl(url) => {
                let store =
                    Arc::new(crate::sqlite::SqliteBookingStore::connect(url.expose()).await?);
                Ok((store.clone(), Some(crate::queue::JobQueue::Sqlite(store))))
            }
            #[cfg(feature = "sqlite")]
            Self::SqliteFile(path) => {
                let store = Arc::new(crate::sqlite::SqliteBookingStore::open(path).await?);
                Ok((store.clone(), Some(crate::queue::JobQueue::Sqlite(store))))
            }
            #[allow(unreachable_patterns)]
            _ => Ok((self.open().await?, None)),
        }
    }

    /// The cargo feature that builds this store.
    fn feature(&self) -> &'static str {
        match self {
            Self::Supabase(_) => "Supabase bookings (feature `supabase`)",
            Self::Postgres(_) => "PostgreSQL (feature `postgres`)",
            Self::SqliteUrl(_) | Self::SqliteFile(_) => "SQLite (feature `sqlite`)",
        }
    }
}

impl ResumeBackend {
    /// What fills the "resumes" role, and the variable that decided it.
    pub fn selection(&self) -> Selection {
        match self {
            Self::Supabase(_) => {
                Selection::new("resumes", "Supabase Storage", "SUPABASE_URL is set")
            }
            Self::Folder(path) => Selection::new(
                "resumes",
                format!("local folder {}", path.display()),
                "SUPABASE_URL is not set",
            ),
        }
    }

    /// Opens the store; file names carry times from `clock`.
    pub fn open(&self, clock: Arc<dyn Clock>) -> Result<Arc<dyn ResumeStore>, OpenError> {
        match self {
            #[cfg(feature = "supabase")]
            Self::Supabase(supabase) => Ok(Arc::new(
                crate::supabase::SupabaseResumeStore::new(supabase_client(supabase)?)
                    .with_clock(clock),
            )),
            #[cfg(feature = "fs")]
            Self::Folder(path) => Ok(Arc::new(
                crate::fs::LocalResumeStore::new(path.clone()).with_clock(clock),
            )),
            #[allow(unreachable_patterns)]
            other => {
                let _ = clock;
                Err(OpenError::NotInThisBuild(match other {
                    Self::Supabase(_) => "Supabase Storage (feature `supabase`)",
                    Self::Folder(_) => "local resume folders (feature `fs`)",
                }))
            }
        }
    }
}

#[cfg(feature = "supabase")]
fn supabase_client(config: &SupabaseConfig) -> Result<crate::supabase::SupabaseClient, StoreError> {
    crate::supabase::SupabaseClient::from_config(config)
        .map_err(|e| StoreError::Backend(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use interview_core::config::ConfigErrors;

    use super::*;

    fn storage(vars: &[(&str, &str)]) -> Result<StorageConfig, ConfigErrors> {
        Env::read_pairs(vars, |env| {
            Some(StorageConfig::from_env(env, Path::new("data")))
        })
    }

    #[test]
    fn the_choice_follows_the_variables_and_names_the_deciding_one() {
        let shown = |vars: &[(&str, &str)]| {
            let config = storage(vars).unwrap();
            (
                config.bookings().selection().to_string(),
                config.resumes().selection().to_string(),
            )
        };
        let (bookings, resumes) = shown(&[]);
        assert!(
            bookings.contains("SQLite at data/interviews.db"),
            "{bookings}"
        );
        assert!(bookings.contains("neither DATABASE_URL nor SUPABASE_URL is set"));
        assert!(resumes.contains("local folder data/resumes"), "{resumes}");
        let (bookings, _) = shown(&[("DATABASE_URL", "postgres://u:pw-secret@h/db")]);
        assert!(bookings.contains("PostgreSQL") && !bookings.contains("pw-secret"));
        let (bookings, _) = shown(&[("DATABASE_URL", "sqlite:foo.db")]);
        assert!(
            bookings.contains("DATABASE_URL is a sqlite: URL"),
            "{bookings}"
        );
        let (bookings, resumes) = shown(&[
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-role-secret"),
            ("DATABASE_URL", "postgres://h/db"),
        ]);
        assert!(bookings.starts_with("bookings        Supabase at https://abc.supabase.co/"));
        assert!(resumes.contains("Supabase Storage"));
    }

    #[test]
    fn wrong_or_partial_variables_are_named_and_secrets_stay_hidden() {
        let errors = storage(&[
            ("DATABASE_URL", "mysql://x"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-role-secret"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = errors.0.iter().map(|e| e.variable).collect();
        assert_eq!(variables, ["DATABASE_URL", "SUPABASE_URL"]);
        assert!(!errors.to_string().contains("service-role-secret"));
        let config = storage(&[
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-role-secret"),
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("service-role-secret"));
    }
}
