//! The recruiter's rows: API keys and the tombstones of erased interviews, with
//! their checked conversion into domain types (see the parent module).

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use interview_core::BookingToken;
use interview_core::access::{ApiKey, ApiKeyId, KeyHash, KeyName, Scopes};
use interview_core::position::Slug;
use interview_core::store::listing::MAX_PAGE_SIZE;
use interview_core::store::{InterviewQuery, StatusFilter, StoreError, Tombstone};

use super::corrupt;

/// An API key row with its columns still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct ApiKeyColumns {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) scopes: String,
    pub(crate) secret_hash: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyColumns {
    /// Parses the columns into an [`ApiKey`].
    pub(crate) fn into_api_key(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId::parse(&self.id).ok_or_else(|| corrupt("id", "not a key id"))?,
            name: KeyName::parse(&self.name).map_err(|_| corrupt("name", "not a key name"))?,
            scopes: Scopes::parse_list(&self.scopes)
                .ok_or_else(|| corrupt("scopes", "not a list of known scopes"))?,
            secret_hash: KeyHash::from_hex(&self.secret_hash)
                .ok_or_else(|| corrupt("secret_hash", "not 64 lowercase hex digits"))?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// What is left of an erased booking's row, its columns still unparsed.
#[derive(Debug, Clone)]
pub(crate) struct TombstoneColumns {
    pub(crate) token: String,
    pub(crate) position_id: String,
    pub(crate) scheduled_at: DateTime<Utc>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) erased_at: DateTime<Utc>,
}

impl TombstoneColumns {
    /// Parses the columns into a [`Tombstone`].
    pub(crate) fn into_tombstone(self) -> Result<Tombstone, StoreError> {
        Ok(Tombstone {
            token: BookingToken::parse(&self.token).map_err(|_| corrupt("token", "not a token"))?,
            position_id: Slug::parse(&self.position_id)
                .ok_or_else(|| corrupt("position_id", "not a position id"))?,
            scheduled_at: self.scheduled_at,
            created_at: self.created_at,
            erased_at: self.erased_at,
        })
    }
}

/// How many interviews a page of `query` holds: its limit within 1 to
/// [`MAX_PAGE_SIZE`].
pub(crate) fn page_limit(query: &InterviewQuery) -> usize {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// How many rows a store fetches for a page of `query`: one more than the page
/// holds, so that [`InterviewPage::from_fetched`] knows whether another follows.
///
/// [`InterviewPage::from_fetched`]: interview_core::store::InterviewPage::from_fetched
pub(crate) fn fetch_limit(query: &InterviewQuery) -> i64 {
    // At most MAX_PAGE_SIZE + 1, which fits any integer column.
    i64::try_from(page_limit(query) + 1).unwrap_or(i64::MAX)
}

/// A time bound of a listing (`scheduled_from`, `scheduled_before`) at the
/// stored precision: rounded up to the microsecond, so that `>=` and `<` on the
/// stored values (whole microseconds) mean what they mean on the exact bound.
pub(crate) fn listing_bound(at: DateTime<Utc>) -> DateTime<Utc> {
    let cut = at.trunc_subsecs(6);
    if cut < at {
        cut + TimeDelta::microseconds(1)
    } else {
        cut
    }
}

/// A listing's status filter as the columns hold it: the live status to match
/// (`None` for any), and whether erased rows are wanted (`None` for both).
pub(crate) fn status_columns(filter: Option<StatusFilter>) -> (Option<&'static str>, Option<bool>) {
    match filter {
        None => (None, None),
        Some(StatusFilter::Erased) => (None, Some(true)),
        Some(StatusFilter::Status(status)) => (Some(status.as_str()), Some(false)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn listing_bounds_round_up_to_the_microsecond() {
        let whole = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap() + TimeDelta::microseconds(7);
        assert_eq!(listing_bound(whole), whole);
        assert_eq!(
            listing_bound(whole + TimeDelta::nanoseconds(1)),
            whole + TimeDelta::microseconds(1)
        );
        assert_eq!(
            listing_bound(whole + TimeDelta::nanoseconds(999)),
            whole + TimeDelta::microseconds(1)
        );
    }

    #[test]
    fn a_page_is_one_to_the_most_and_fetches_one_more() {
        for (limit, page) in [(0, 1), (1, 1), (50, 50), (MAX_PAGE_SIZE + 1, MAX_PAGE_SIZE)] {
            let query = InterviewQuery {
                limit,
                ..InterviewQuery::default()
            };
            assert_eq!(page_limit(&query), page);
            assert_eq!(fetch_limit(&query), i64::try_from(page + 1).unwrap());
        }
    }
}
