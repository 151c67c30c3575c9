//! Where the store is: a directory (the embedded sled store) or a
//! PostgreSQL database, chosen by how the location is written:
//! `postgres://…` or `postgresql://…` is a database, anything else a path.

use std::path::{Path, PathBuf};

use crate::config::Settings;

/// The store a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// The sled store in this directory.
    Dir(PathBuf),
    /// The PostgreSQL database at this URL (it may hold a password: show
    /// it only through [`StoreLocation::shown`]).
    Postgres(String),
}

/// Whether `text` names a PostgreSQL database rather than a directory.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

impl StoreLocation {
    /// `given` (`--store`: a URL or a path), else `[store] url`, else
    /// `[store] path`, else `./.garita`.
    pub fn of(given: Option<&Path>, settings: &Settings) -> Self {
        if let Some(given) = given {
            return match given.to_str().filter(|text| is_postgres_url(text)) {
                Some(url) => Self::Postgres(url.to_owned()),
                None => Self::Dir(given.to_path_buf()),
            };
        }
        if let Some(url) = &settings.store.url {
            return Self::Postgres(url.clone());
        }
        Self::Dir(
            settings
                .store
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(".garita")),
        )
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// For messages and logs: the path, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::Postgres(url) => garita_store_postgres::redacted(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(path: Option<&str>, url: Option<&str>) -> Settings {
        let mut settings = Settings::default();
        settings.store.path = path.map(PathBuf::from);
        settings.store.url = url.map(str::to_owned);
        settings
    }

    #[test]
    fn a_url_means_postgres_and_a_path_means_sled() {
        let none = settings(None, None);
        for url in ["postgres://g@db/garita", "postgresql://g:pw@db:5433/garita"] {
            assert_eq!(
                StoreLocation::of(Some(Path::new(url)), &none),
                StoreLocation::Postgres(url.into())
            );
        }
        assert_eq!(
            StoreLocation::of(Some(Path::new("postgres")), &none),
            StoreLocation::Dir("postgres".into()),
            "a directory that happens to be called postgres"
        );
        assert_eq!(
            StoreLocation::of(None, &none),
            StoreLocation::Dir(".garita".into())
        );
    }

    #[test]
    fn the_option_wins_over_the_configuration_and_url_over_path() {
        let both = settings(Some("/srv/garita"), Some("postgres://g@db/garita"));
        assert_eq!(
            StoreLocation::of(None, &both),
            StoreLocation::Postgres("postgres://g@db/garita".into())
        );
        assert_eq!(
            StoreLocation::of(Some(Path::new("/tmp/s")), &both),
            StoreLocation::Dir("/tmp/s".into())
        );
        let path = settings(Some("/srv/garita"), None);
        assert_eq!(
            StoreLocation::of(None, &path),
            StoreLocation::Dir("/srv/garita".into())
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        let shown = StoreLocation::Postgres("postgres://g:s3cret@db/garita".into()).shown();
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
