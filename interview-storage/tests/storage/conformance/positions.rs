//! Positions in every store: saved whole and read back equal, replaced by id, a
//! taken slug refused with nothing changed, listed in byte order of title and id,
//! and bookings that keep the position they belong to.

use std::sync::Arc;

use interview_core::interview::Stage;
use interview_core::position::{
    CompetencyDraft, Position, PositionDefaults, PositionDraft, RubricDraft, Slug, StageDraft,
};
use interview_core::store::{BookingStore, StoreError};

use super::booking;

fn slug(text: &str) -> Slug {
    Slug::parse(text).unwrap()
}

/// A position with `id`, `slug` and `title` and every default.
pub(crate) fn plain_position(id: &str, slug: &str, title: &str) -> Position {
    let mut draft = PositionDraft::named(id);
    draft.slug = Some(slug.to_owned());
    draft.title = title.to_owned();
    Position::parse(&draft, &PositionDefaults::default()).unwrap()
}

/// A position with everything set to something other than its default.
pub(crate) fn full_position() -> Position {
    let rubric = |what: &str| RubricDraft {
        one: format!("Cannot describe {what}."),
        three: format!("Describes {what} they built, with trade-offs."),
        five: format!("Designs {what} at scale and says why; \"quotes\" & ümlauts."),
    };
    let mut draft = PositionDraft::named("sre-2031");
    draft.slug = Some("site-reliability".to_owned());
    draft.title = "Site Reliability Engineer — Plattform".to_owned();
    draft.company = Some("Acme GmbH".to_owned());
    draft.description =
        "## The role\n\n- Keep **Kubernetes** running\n- On call 1 week in 6\n".to_owned();
    draft.competencies = vec![
        CompetencyDraft {
            name: "Incident response".to_owned(),
            description: "Leads an outage from page to post-mortem.".to_owned(),
            rubric: rubric("incidents"),
        },
        CompetencyDraft {
            name: "Observability".to_owned(),
            description: String::new(),
            rubric: rubric("dashboards"),
        },
    ];
    draft.plan = vec![
        StageDraft {
            stage: Stage::Introduction,
            minutes: 3,
            focus: Some("Greet and explain the format.".to_owned()),
            competencies: Vec::new(),
        },
        StageDraft {
            stage: Stage::Technical,
            minutes: 25,
            focus: Some("A recent outage, step by step.".to_owned()),
            competencies: vec!["Incident response".to_owned(), "Observability".to_owned()],
        },
        StageDraft {
            stage: Stage::WrapUp,
            minutes: 2,
            focus: None,
            competencies: Vec::new(),
        },
    ];
    draft.language = "de-DE".to_owned();
    draft.phone_region = Some("DE".to_owned());
    draft.knowledge = "Hybrid: two days a week in Berlin. Salary band on request.".to_owned();
    Position::parse(&draft, &PositionDefaults::default()).unwrap()
}

pub(crate) async fn a_position_is_saved_whole_and_read_back_equal(store: Arc<dyn BookingStore>) {
    let position = full_position();
    // Not the defaults: a store that dropped a field would read back another value.
    assert_ne!(position.competencies, Position::default().competencies);
    assert_ne!(position.plan, Position::default().plan);
    assert_ne!(position.language, Position::default().language);
    assert_ne!(position.phone_region, Position::default().phone_region);
    store.save_position(&position).await.unwrap();

    assert_eq!(
        store.position(&position.id).await.unwrap(),
        Some(position.clone())
    );
    assert_eq!(
        store.position_by_slug(&position.slug).await.unwrap(),
        Some(position.clone())
    );
    assert_eq!(store.positions().await.unwrap(), vec![position.clone()]);
    // The id is not a slug of it, nor the slug an id.
    assert_eq!(
        store.position(&slug("site-reliability")).await.unwrap(),
        None
    );
    assert_eq!(
        store.position_by_slug(&slug("sre-2031")).await.unwrap(),
        None
    );
}

pub(crate) async fn default_positions_with_the_standard_plan_read_back_equal(
    store: Arc<dyn BookingStore>,
) {
    // The standard plan's stages are shares of the length, not whole minutes.
    let mut draft = PositionDraft::named("default");
    draft.title = "Software Engineer".to_owned();
    draft.duration_minutes = Some(45);
    let defaults = PositionDefaults {
        company: Some("Acme".to_owned()),
        ..PositionDefaults::default()
    };
    let configured = Position::parse(&draft, &defaults).unwrap();
    for position in [Position::default(), configured] {
        store.save_position(&position).await.unwrap();
        assert_eq!(
            store.position(&position.id).await.unwrap(),
            Some(position.clone())
        );
    }
}

pub(crate) async fn racing_saves_of_one_slug_keep_one(store: Arc<dyn BookingStore>) {
    let saves = (0..8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let position = plain_position(&format!("racer-{i}"), "contested", "Racer");
            (store.save_position(&position).await, position)
        })
    });
    let mut winners = Vec::new();
    for save in saves {
        match save.await.unwrap() {
            (Ok(()), position) => winners.push(position),
            (Err(StoreError::Conflict), _) => {}
            (Err(other), _) => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(store.positions().await.unwrap(), winners);
    assert_eq!(
        store.position_by_slug(&slug("contested")).await.unwrap(),
        winners.pop()
    );
}

pub(crate) async fn saving_a_position_again_replaces_it(store: Arc<dyn BookingStore>) {
    let first = full_position();
    store.save_position(&first).await.unwrap();
    let mut second = plain_position("sre-2031", "sre", "Staff SRE");
    second.archived = true;
    store.save_position(&second).await.unwrap();

    assert_eq!(
        store.position(&first.id).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store.position_by_slug(&slug("sre")).await.unwrap(),
        Some(second.clone())
    );
    // The old slug is free again.
    assert_eq!(store.position_by_slug(&first.slug).await.unwrap(), None);
    assert_eq!(store.positions().await.unwrap(), vec![second]);
    let other = plain_position("other", "site-reliability", "Other");
    store.save_position(&other).await.unwrap();
    assert_eq!(
        store.position_by_slug(&first.slug).await.unwrap(),
        Some(other)
    );
}

pub(crate) async fn a_taken_slug_is_a_conflict_and_nothing_changes(store: Arc<dyn BookingStore>) {
    let owner = plain_position("backend", "engineer", "Backend Engineer");
    let other = plain_position("frontend", "frontend", "Frontend Engineer");
    store.save_position(&owner).await.unwrap();
    store.save_position(&other).await.unwrap();

    // A new position with the taken slug.
    let newcomer = plain_position("platform", "engineer", "Platform Engineer");
    assert!(matches!(
        store.save_position(&newcomer).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.position(&newcomer.id).await.unwrap(), None);
    // An existing position moving to the taken slug.
    let mut moved = other.clone();
    moved.slug = slug("engineer");
    moved.title = "Renamed".to_owned();
    assert!(matches!(
        store.save_position(&moved).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.position(&other.id).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        store.position_by_slug(&slug("engineer")).await.unwrap(),
        Some(owner.clone())
    );
    assert_eq!(store.positions().await.unwrap(), vec![owner, other]);
}

pub(crate) async fn positions_are_listed_by_title_then_id_in_byte_order(
    store: Arc<dyn BookingStore>,
) {
    // Byte order, not a locale's: "Zeta" before "alpha" (uppercase first), and
    // "x-b" before "xa" ('-' is a byte below 'a'; a locale ignoring punctuation
    // would put "xa" first).
    let mut archived = plain_position("zeta", "zeta", "Zeta");
    archived.archived = true;
    let positions = [
        plain_position("xa", "xa", "Backend Engineer"),
        plain_position("alpha", "alpha", "alpha"),
        archived,
        plain_position("x-b", "x-b", "Backend Engineer"),
        plain_position("data", "data", "Data Engineer"),
    ];
    for position in &positions {
        store.save_position(position).await.unwrap();
    }
    let listed: Vec<String> = store
        .positions()
        .await
        .unwrap()
        .into_iter()
        .map(|p| format!("{}/{}/{}", p.title, p.id, p.archived))
        .collect();
    assert_eq!(
        listed,
        [
            "Backend Engineer/x-b/false",
            "Backend Engineer/xa/false",
            "Data Engineer/data/false",
            "Zeta/zeta/true",
            "alpha/alpha/false",
        ]
    );
    assert!(
        store
            .position(&slug("zeta"))
            .await
            .unwrap()
            .unwrap()
            .archived
    );
    assert_eq!(store.position(&slug("missing")).await.unwrap(), None);
    assert_eq!(
        store.position_by_slug(&slug("missing")).await.unwrap(),
        None
    );
}

pub(crate) async fn a_booking_keeps_its_position(store: Arc<dyn BookingStore>) {
    // A booking may name a position no store holds (yet): no foreign key.
    let mut original = booking("Ada Lovelace");
    original.position_id = slug("sre-2031");
    store.create(&original).await.unwrap();
    let read = store.get(&original.token).await.unwrap().unwrap();
    assert_eq!(read.position_id, slug("sre-2031"));
    assert_eq!(read, original);

    let default = booking("Grace Hopper");
    assert_eq!(default.position_id.as_str(), "default");
    store.create(&default).await.unwrap();
    assert_eq!(
        store
            .get(&default.token)
            .await
            .unwrap()
            .unwrap()
            .position_id,
        default.position_id
    );
}
