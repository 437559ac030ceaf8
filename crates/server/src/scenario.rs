//! The scenario and suggestion routes: `/api/scenarios…` (stored what-if plans), `/api/compare`
//! (unsaved edits → before/after) and `/api/suggest` (where new play space helps most).
//!
//! Reading is public (unless scenarios are private); every change needs the `editor` role
//! ([`crate::caller`]) and is recorded with its author. SQLite work and
//! recomputation run on the blocking pool; a bad request changes nothing and answers JSON.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use analysis::GapOutlines;
use analysis::names::{Lang, Streets};
use analysis::scenario::{Rows, ScenarioEngine};
use analysis::suggest::SuggestOptions;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use model::FacilityKind;
use model::scenario::Edit;
use serde_json::{Value as Json, json};
use store::accounts::Role;
use store::scenario::{
    Comment, EditAuthor, Scenario, ScenarioInfo, ScenarioStoreError, Scenarios as ScenarioBackend,
    Status,
};

use crate::caller::{Caller, account_store, editing_possible, lock, require, require_reader};
use crate::edit_json::{edit_from_json, edit_to_json, edits_from_json};
use crate::error::{ErrorCode, Failure, blocking, invalid, quoted};
use crate::limits::{Class, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, check_edits};
use crate::state::{AppState, Scenarios};

/// Most edits `/api/compare` takes in one request.
pub const MAX_COMPARE_EDITS: usize = 1000;
/// Most suggestions `/api/suggest` answers.
pub const MAX_SUGGESTIONS: usize = 50;
/// Suggestions when `count` is not given.
pub const DEFAULT_SUGGESTIONS: usize = 5;

impl From<ScenarioStoreError> for Failure {
    fn from(e: ScenarioStoreError) -> Failure {
        use ScenarioStoreError as E;
        let (status, code) = match &e {
            E::UnknownScenario(_) | E::UnknownEdit { .. } => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound)
            }
            E::DuplicateName(_) => (StatusCode::CONFLICT, ErrorCode::ScenarioExists),
            E::Replaced(_) => (StatusCode::CONFLICT, ErrorCode::Replaced),
            E::BadName { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidName),
            E::InvalidEdit { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidEdit),
            E::ReadOnly(_) => (StatusCode::FORBIDDEN, ErrorCode::ReadOnly),
            E::DiskNearlyFull { .. } => (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::DiskFull),
            E::StatusNotAllowed { .. } => (StatusCode::FORBIDDEN, ErrorCode::StatusNotAllowed),
            E::NotDraft { .. } => (StatusCode::CONFLICT, ErrorCode::NotDraft),
            E::BadComment(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CommentTooLong),
            E::UnknownStatus(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidRequest),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        };
        Failure::Plain(status, code, e.to_string())
    }
}

type Answer = Result<Response, Failure>;

fn unavailable(code: ErrorCode, what: &str) -> Failure {
    Failure::Plain(StatusCode::SERVICE_UNAVAILABLE, code, what.to_string())
}

fn scenarios(s: &AppState) -> Result<&Scenarios, Failure> {
    s.0.scenarios.as_ref().ok_or_else(|| {
        unavailable(
            ErrorCode::NoScenarios,
            "Scenarios are not enabled on this server.",
        )
    })
}

fn engine(s: &AppState) -> Result<Arc<ScenarioEngine>, Failure> {
    scenarios(s)?.engine.clone().map_err(|e| {
        unavailable(
            ErrorCode::NoNetwork,
            &format!("Scenarios are unavailable: {e}"),
        )
    })
}

fn store(s: &AppState) -> Result<Arc<Mutex<Box<dyn ScenarioBackend>>>, Failure> {
    scenarios(s)?.store.clone().ok_or_else(|| {
        unavailable(
            ErrorCode::NoScenarios,
            "This server keeps no scenarios (it has no GeoPackage to keep them in).",
        )
    })
}

/// The caller of a change (role editor; a session's CSRF token).
async fn editor(s: &AppState, headers: &HeaderMap) -> Result<Caller, Failure> {
    scenarios(s)?;
    require(s, headers, Role::Editor, true).await
}

/// Checks the caller of a reading request where scenarios are private; public otherwise.
async fn reader(s: &AppState, headers: &HeaderMap) -> Result<(), Failure> {
    let private = scenarios(s)?.private;
    require_reader(s, headers, private).await.map(|_| ())
}

/// Display names by login, for the authors the answers show (`author_name`).
#[derive(Default)]
struct People(HashMap<String, String>);

impl People {
    /// The users of the server's accounts (none without accounts).
    fn of(accounts: Option<&Mutex<Box<dyn store::accounts::Accounts>>>) -> People {
        let users = accounts.map(|a| lock(a).users());
        People(
            users
                .and_then(Result::ok)
                .unwrap_or_default()
                .into_iter()
                .map(|u| (u.login, u.display_name))
                .collect(),
        )
    }

    /// The display name of `author`, else `author` itself.
    fn name(&self, author: &str) -> String {
        self.0
            .get(author)
            .cloned()
            .unwrap_or_else(|| author.to_string())
    }

    /// `v["author_name"]` from `v["author"]`.
    fn add_to(&self, v: &mut Json) {
        let name = self.name(v["author"].as_str().unwrap_or(""));
        v["author_name"] = name.into();
    }
}

/// Runs expensive work of `class` through its gate on the blocking pool.
async fn gated<T: Send + 'static>(
    s: &AppState,
    class: Class,
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    s.0.gates
        .of(class)
        .run(work)
        .await
        .unwrap_or_else(|r| Err(Failure::Refused(r)))
}

/// The cheap checks of JSON edits: vertex counts before any geometry is read (`bounds`
/// `None`), or, once the geometries are valid, their positions near the data (`bounds`).
fn precheck(edits: &[Json], bounds: Option<[f64; 4]>) -> Result<(), Failure> {
    check_edits(edits, bounds).map_err(|(status, code, m)| Failure::Plain(status, code, m))
}

fn counted(field: &str, text: &str) -> usize {
    if field == "name" {
        text.trim().chars().count()
    } else {
        text.chars().count()
    }
}

/// A scenario name or description within its length limit (422 beyond, without echoing it).
fn within(field: &str, text: &Option<String>, max: usize) -> Result<(), Failure> {
    match text {
        // Names are kept trimmed, so their surrounding whitespace does not count.
        Some(t) if counted(field, t) > max => Err(Failure::Plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidName,
            format!(
                "the {field} has {} characters; at most {max} are allowed",
                counted(field, t)
            ),
        )),
        _ => Ok(()),
    }
}

/// Runs `read` on the store on the blocking pool; its answer with the authors' names.
async fn read_with_people<T: Send + 'static>(
    s: &AppState,
    read: impl FnOnce(&mut dyn ScenarioBackend) -> Result<T, ScenarioStoreError> + Send + 'static,
) -> Result<(T, People), Failure> {
    let store = store(s)?;
    let accounts = account_store(s);
    blocking(move || {
        let found = with_store(&store, read)?;
        Ok((found, People::of(accounts.as_deref())))
    })
    .await
}

fn with_store<T>(
    store: &Mutex<Box<dyn ScenarioBackend>>,
    work: impl FnOnce(&mut dyn ScenarioBackend) -> Result<T, ScenarioStoreError>,
) -> Result<T, Failure> {
    // A panic while holding the lock cannot leave a half-written scenario (every change is
    // one SQLite transaction), so a poisoned lock is still usable.
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    work(&mut **guard).map_err(Failure::from)
}

/// [`with_store`] with the changes recorded as `caller`'s.
fn with_store_as<T>(
    store: &Mutex<Box<dyn ScenarioBackend>>,
    caller: &Caller,
    work: impl FnOnce(&mut dyn ScenarioBackend) -> Result<T, ScenarioStoreError>,
) -> Result<T, Failure> {
    with_store(store, |st| {
        st.set_actor(&caller.actor);
        work(st)
    })
}

/// A scenario as shown: with its edits and their authors.
struct Shown {
    scenario: Scenario,
    authors: Vec<EditAuthor>,
}

/// Reads scenario `id` as shown.
fn shown(st: &mut dyn ScenarioBackend, id: &str) -> Result<Shown, ScenarioStoreError> {
    let scenario = st.get(id)?;
    let authors = st.edit_authors(&scenario.info.id.to_string())?;
    Ok(Shown { scenario, authors })
}

fn parse_body(body: &Bytes) -> Result<Json, Failure> {
    serde_json::from_slice(body).map_err(|e| invalid(format!("the request body is not JSON: {e}")))
}

fn ok(status: StatusCode, v: Json) -> Answer {
    Ok((status, axum::Json(v)).into_response())
}

/// A scenario with its author's name and its edits, each with its `position` (from 0, for
/// `DELETE …/edits/{position}`), author and time.
fn scenario_json(shown: &Shown, people: &People) -> Json {
    let mut v = info_json(&shown.scenario.info, people);
    let edits: Vec<Json> = shown
        .scenario
        .edits
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut j = edit_to_json(e);
            j["position"] = i.into();
            let by = shown.authors.iter().find(|a| a.position == i);
            j["author"] = by.map(|a| a.author.clone()).unwrap_or_default().into();
            j["created"] = by.map(|a| a.created.clone()).unwrap_or_default().into();
            people.add_to(&mut j);
            j
        })
        .collect();
    v["edits"] = edits.into();
    v
}

/// A scenario's fields without its edits, with `author_name`.
fn info_json(info: &ScenarioInfo, people: &People) -> Json {
    let mut v = serde_json::to_value(info).unwrap_or(Json::Null);
    people.add_to(&mut v);
    v
}

/// The comparison of `edits` against the base city, as JSON listing the neighbourhoods `rows`
/// says (the totals always cover the city). Gap areas are traced only when `?gaps=1` asks for
/// them (otherwise the JSON only counts them).
/// The neighbourhoods GeoJSON at `when` (`/api/neighbourhoods?at=…`), with a `time` member.
pub(crate) async fn neighbourhoods_at(
    s: &AppState,
    when: model::time::TimeQuery,
) -> Result<String, Failure> {
    let engine = engine(s)?;
    gated(s, Class::Compare, move || {
        let c = engine.at(&when, GapOutlines::Skipped).map_err(|e| {
            Failure::Plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidRequest,
                e.to_string(),
            )
        })?;
        let mut fc = map::geojson::neighbourhoods_geojson(engine.city(), Some(&c.after.document()));
        fc["time"] = analysis::time::time_json(&when, &engine.city().facilities);
        Ok(fc.to_string())
    })
    .await
}

fn compare(
    engine: &ScenarioEngine,
    edits: &[Edit],
    rows: Rows,
    extra: Extra,
) -> Result<Json, Failure> {
    let outlines = if extra.gaps {
        GapOutlines::Traced
    } else {
        GapOutlines::Skipped
    };
    let c = engine
        .compare_at(edits, extra.when.as_ref(), outlines)
        .map_err(|e| {
            Failure::Plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidEdit,
                e.to_string(),
            )
        })?;
    let mut out = c.to_json(rows);
    if let Some(cell_m) = extra.cells_m {
        let population = &engine.city().population;
        let grid = analysis::effects::CellGrid::new(population, cell_m);
        out["cells"] = analysis::effects::cells_geojson(&c.unit_changes, population, &grid);
    }
    if extra.gaps {
        out["gap_areas"] = serde_json::to_value(c.after.gap_areas_geojson()).unwrap_or(Json::Null);
    }
    if let Some(when) = &extra.when {
        out["time"] = analysis::time::time_json(when, &engine.city().facilities);
    }
    Ok(out)
}

/// Smallest and largest side of a change cell (`?cells=M`), metres.
const CELL_M_RANGE: (f64, f64) = (10.0, 1000.0);

/// What a comparison carries besides its rows: `?cells=M` (the cells of M metres where children
/// gained or lost service), `?gaps=1` (the gap areas after the edits) and `?at=` / `?window=`
/// (the time it is about: before and after both at that time).
#[derive(Debug, Clone, Default)]
struct Extra {
    cells_m: Option<f64>,
    gaps: bool,
    when: Option<model::time::TimeQuery>,
}

fn extra_asked(q: &HashMap<String, String>) -> Result<Extra, Failure> {
    let cells_m = match q.get("cells") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|m| (CELL_M_RANGE.0..=CELL_M_RANGE.1).contains(m))
                .ok_or_else(|| {
                    invalid(format!(
                        "parameter 'cells' must be the side of a cell in metres, from {} to {}, got '{}'",
                        CELL_M_RANGE.0,
                        CELL_M_RANGE.1,
                        quoted(v)
                    ))
                })?,
        ),
    };
    let gaps = match q.get("gaps").map(|g| g.trim()) {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") => true,
        Some(other) => {
            return Err(invalid(format!(
                "parameter 'gaps' must be 1 or 0, got '{}'",
                quoted(other)
            )));
        }
    };
    let when = crate::api::time_asked(q).map_err(invalid)?;
    Ok(Extra {
        cells_m,
        gaps,
        when,
    })
}

/// `?neighbourhoods=changed|all` (default `changed`): which neighbourhoods a comparison lists.
fn rows_asked(q: &HashMap<String, String>) -> Result<Rows, Failure> {
    match q.get("neighbourhoods").map(String::as_str) {
        None | Some("changed") => Ok(Rows::Changed),
        Some("all") => Ok(Rows::All),
        Some(other) => Err(invalid(format!(
            "neighbourhoods must be 'changed' or 'all', not {}",
            quoted(other)
        ))),
    }
}

pub(crate) async fn list(State(s): State<AppState>, headers: HeaderMap) -> Answer {
    reader(&s, &headers).await?;
    let editing = editing_possible(&s).await?;
    let ((list, writable), people) =
        read_with_people(&s, |st| Ok((st.list()?, st.is_writable()))).await?;
    let list: Vec<Json> = list.iter().map(|i| info_json(i, &people)).collect();
    ok(
        StatusCode::OK,
        json!({ "scenarios": list, "editing": editing && writable }),
    )
}

fn text_field(v: &Json, field: &str) -> Result<Option<String>, Failure> {
    match v.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(t)) => Ok(Some(t.clone())),
        Some(other) => Err(invalid(format!(
            "field \"{field}\" must be a string, got {other}"
        ))),
    }
}

/// Runs `work` on the store as `caller` and answers the scenario it names, as shown.
async fn change_and_show(
    s: &AppState,
    caller: Caller,
    status: StatusCode,
    work: impl FnOnce(&mut dyn ScenarioBackend) -> Result<String, ScenarioStoreError> + Send + 'static,
) -> Answer {
    let store = store(s)?;
    let accounts = account_store(s);
    let (shown, people) = gated(s, Class::Write, move || {
        let shown = with_store_as(&store, &caller, |st| {
            let id = work(st)?;
            shown(st, &id)
        })?;
        Ok((shown, People::of(accounts.as_deref())))
    })
    .await?;
    ok(status, scenario_json(&shown, &people))
}

pub(crate) async fn create(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Answer {
    let caller = editor(&s, &headers).await?;
    let v = parse_body(&body)?;
    let name =
        text_field(&v, "name")?.ok_or_else(|| invalid("a new scenario needs \"name\"".into()))?;
    within("name", &Some(name.clone()), MAX_NAME_CHARS)?;
    let description = text_field(&v, "description")?;
    within("description", &description, MAX_DESCRIPTION_CHARS)?;
    let description = description.unwrap_or_default();
    let department = text_field(&v, "department")?;
    within("department", &department, MAX_NAME_CHARS)?;
    // A user's scenarios belong to their department unless the request names another.
    let department = department.or_else(|| caller.user.as_ref().map(|u| u.department.clone()));
    change_and_show(&s, caller, StatusCode::CREATED, move |st| {
        let info = st.create(&name, &description)?;
        if let Some(d) = department.filter(|d| !d.trim().is_empty()) {
            st.set_department(&info.id.to_string(), &d)?;
        }
        Ok(info.id.to_string())
    })
    .await
}

pub(crate) async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    reader(&s, &headers).await?;
    let (found, people) = read_with_people(&s, move |st| shown(st, &id)).await?;
    ok(StatusCode::OK, scenario_json(&found, &people))
}

pub(crate) async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let v = parse_body(&body)?;
    if !v.is_object() {
        return Err(invalid(
            "expected {\"name\": …, \"description\": …, \"department\": …}".into(),
        ));
    }
    let name = text_field(&v, "name")?;
    within("name", &name, MAX_NAME_CHARS)?;
    let description = text_field(&v, "description")?;
    within("description", &description, MAX_DESCRIPTION_CHARS)?;
    let department = text_field(&v, "department")?;
    within("department", &department, MAX_NAME_CHARS)?;
    change_and_show(&s, caller, StatusCode::OK, move |st| {
        let mut info = st.get(&id)?.info;
        if name.is_some() || description.is_some() {
            info = st.update(&id, name.as_deref(), description.as_deref())?;
        }
        if let Some(d) = &department {
            info = st.set_department(&info.id.to_string(), d)?;
        }
        Ok(info.id.to_string())
    })
    .await
}

pub(crate) async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let store = store(&s)?;
    let info = gated(&s, Class::Write, move || {
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        let before = st.get(&id).map_err(Failure::from)?.info;
        // A plan put forward or decided on is deleted only by an administrator.
        if before.status != Status::Draft && caller.role < Role::Admin {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::RoleForbidden,
                format!(
                    "scenario '{}' is {}; only an admin deletes it",
                    before.name,
                    before.status.as_str()
                ),
            ));
        }
        st.set_actor(&caller.actor);
        st.delete(&id).map_err(Failure::from)
    })
    .await?;
    ok(StatusCode::OK, json!({ "deleted": info }))
}

/// The scenario after a change and its new comparison: what the map shows at once.
fn changed(engine: &ScenarioEngine, shown: &Shown, people: &People) -> Result<Json, Failure> {
    Ok(json!({
        "scenario": scenario_json(shown, people),
        "comparison": compare(engine, &shown.scenario.edits, Rows::Changed, Extra::default())?,
    }))
}

pub(crate) async fn add_edit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let v = parse_body(&body)?;
    precheck(std::slice::from_ref(&v), None)?;
    let (store, engine) = (store(&s)?, engine(&s)?);
    let accounts = account_store(&s);
    let city = s.0.city.clone();
    let bounds = s.0.data_bounds;
    let out = gated(&s, Class::Write, move || {
        let edit = edit_from_json(&v, &city.walk_ways)
            .map_err(|e| Failure::Plain(e.status(), ErrorCode::InvalidEdit, e.to_string()))?;
        precheck(std::slice::from_ref(&v), bounds)?;
        let shown = with_store_as(&store, &caller, |st| {
            let info = st.add_edit_checked(&id, &edit, &city.facilities)?;
            shown(st, &info.id.to_string())
        })?;
        changed(&engine, &shown, &People::of(accounts.as_deref()))
    })
    .await?;
    ok(StatusCode::CREATED, out)
}

pub(crate) async fn remove_edit(
    State(s): State<AppState>,
    Path((id, position)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let position: usize = position.parse().map_err(|_| {
        invalid(format!(
            "edit position must be a whole number from 0, got '{}'",
            quoted(&position)
        ))
    })?;
    let (store, engine) = (store(&s)?, engine(&s)?);
    let accounts = account_store(&s);
    let out = gated(&s, Class::Write, move || {
        let shown = with_store_as(&store, &caller, |st| {
            let info = st.remove_edit(&id, position)?;
            shown(st, &info.id.to_string())
        })?;
        changed(&engine, &shown, &People::of(accounts.as_deref()))
    })
    .await?;
    ok(StatusCode::OK, out)
}

/// `POST /api/scenarios/{id}/status` `{"status": "proposed"}`: moves the scenario as the
/// caller's role allows ([`Status::may_move`]).
pub(crate) async fn set_status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let v = parse_body(&body)?;
    let to: Status = text_field(&v, "status")?
        .ok_or_else(|| {
            invalid("expected {\"status\": \"proposed\"} (or draft, agreed, rejected)".into())
        })?
        .parse()
        .map_err(Failure::from)?;
    let role = caller.role;
    change_and_show(&s, caller, StatusCode::OK, move |st| {
        Ok(st.set_status(&id, to, role)?.id.to_string())
    })
    .await
}

fn comment_json(c: &Comment, people: &People) -> Json {
    let mut v = serde_json::to_value(c).unwrap_or(Json::Null);
    people.add_to(&mut v);
    v
}

/// `GET /api/scenarios/{id}/comments`: read like the scenario.
pub(crate) async fn comments(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    reader(&s, &headers).await?;
    let (list, people) = read_with_people(&s, move |st| st.comments(&id)).await?;
    let list: Vec<Json> = list.iter().map(|c| comment_json(c, &people)).collect();
    ok(StatusCode::OK, json!({ "comments": list }))
}

/// `POST /api/scenarios/{id}/comments` `{"text", "position"?}` (editor).
pub(crate) async fn add_comment(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let caller = editor(&s, &headers).await?;
    let v = parse_body(&body)?;
    let text = text_field(&v, "text")?.ok_or_else(|| invalid("a comment needs \"text\"".into()))?;
    let position = match v.get("position") {
        None | Some(Json::Null) => None,
        Some(p) => Some(
            p.as_u64()
                .and_then(|p| usize::try_from(p).ok())
                .ok_or_else(|| {
                    invalid("\"position\" must be an edit's position (from 0) or null".into())
                })?,
        ),
    };
    let store = store(&s)?;
    let accounts = account_store(&s);
    let (comment, people) = gated(&s, Class::Write, move || {
        let c = with_store_as(&store, &caller, |st| st.add_comment(&id, position, &text))?;
        Ok((c, People::of(accounts.as_deref())))
    })
    .await?;
    ok(StatusCode::CREATED, comment_json(&comment, &people))
}

pub(crate) async fn compare_stored(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    reader(&s, &headers).await?;
    let rows = rows_asked(&q)?;
    let extra = extra_asked(&q)?;
    let (store, engine) = (store(&s)?, engine(&s)?);
    let out = gated(&s, Class::Compare, move || {
        let scenario = with_store(&store, |st| st.get(&id))?;
        compare(&engine, &scenario.edits, rows, extra)
    })
    .await?;
    ok(StatusCode::OK, out)
}

/// `POST /api/compare`: unsaved edits → comparison. Public unless reading is private: it
/// changes nothing.
pub(crate) async fn compare_unsaved(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    reader(&s, &headers).await?;
    let rows = rows_asked(&q)?;
    let extra = extra_asked(&q)?;
    let v = parse_body(&body)?;
    // The cheap limits first: the edit count and vertex counts on the JSON as sent, before any
    // geometry is read or validated.
    let raw = match &v {
        Json::Array(list) => Some(list),
        Json::Object(m) => m.get("edits").and_then(Json::as_array),
        _ => None,
    };
    if let Some(raw) = raw {
        if raw.len() > MAX_COMPARE_EDITS {
            return Err(Failure::Plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooManyEdits,
                format!(
                    "at most {MAX_COMPARE_EDITS} edits per comparison, got {}",
                    raw.len()
                ),
            ));
        }
        precheck(raw, None)?;
    }
    let engine = engine(&s)?;
    let bounds = s.0.data_bounds;
    let out = gated(&s, Class::Compare, move || {
        let edits = edits_from_json(&v, &engine.city().walk_ways).map_err(|(i, e)| {
            let at = if i == 0 {
                String::new()
            } else {
                format!("edit {i}: ")
            };
            Failure::Plain(e.status(), ErrorCode::InvalidEdit, format!("{at}{e}"))
        })?;
        if let Some(raw) = v
            .as_array()
            .or_else(|| v.get("edits").and_then(Json::as_array))
        {
            precheck(raw, bounds)?;
        }
        compare(&engine, &edits, rows, extra)
    })
    .await?;
    ok(StatusCode::OK, out)
}

/// `?lang=de|en` (default `de`): the language of labels and downloads.
pub(crate) fn lang_asked(q: &HashMap<String, String>) -> Result<Lang, Failure> {
    match q.get("lang") {
        None => Ok(Lang::De),
        Some(l) => Lang::parse(l).ok_or_else(|| {
            invalid(format!(
                "parameter 'lang' must be 'de' or 'en', got '{}'",
                quoted(l)
            ))
        }),
    }
}

/// `GET /api/suggest?kind=K&count=N&area_m2=A&lang=de|en`.
pub(crate) async fn suggest(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    reader(&s, &headers).await?;
    let bad = invalid;
    let kind: FacilityKind = match q.get("kind").map(String::as_str) {
        None | Some("") => FacilityKind::Playground,
        Some(k) => k
            .parse()
            .map_err(|e| bad(format!("parameter 'kind': {e}")))?,
    };
    let count = match q.get("count") {
        None => DEFAULT_SUGGESTIONS,
        Some(c) => c
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|c| (1..=MAX_SUGGESTIONS).contains(c))
            .ok_or_else(|| {
                bad(format!(
                    "parameter 'count' must be a whole number from 1 to {MAX_SUGGESTIONS}, got '{}'",
                    quoted(c)
                ))
            })?,
    };
    let area_m2 = match q.get("area_m2") {
        None => None,
        Some(a) => Some(
            a.trim()
                .parse::<f64>()
                .ok()
                .filter(|a| a.is_finite() && *a >= 0.0)
                .ok_or_else(|| {
                    bad(format!(
                        "parameter 'area_m2' must be a number ≥ 0, got '{}'",
                        quoted(a)
                    ))
                })?,
        ),
    };
    let lang = lang_asked(&q)?;
    let engine = engine(&s)?;
    let candidates = scenarios(&s)?.candidates.clone();
    let streets = scenarios(&s)?.streets.clone();
    let out = gated(&s, Class::Suggest, move || {
        let options = SuggestOptions {
            kind,
            count,
            area_m2,
        };
        let found = engine.suggest(&candidates, &options).map_err(|e| {
            Failure::Plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidRequest,
                e.to_string(),
            )
        })?;
        let streets = streets.get_or_init(|| Streets::new(engine.city()));
        let mut out = analysis::suggest::suggestions_json(&found, streets, lang);
        // The site's own outline too, so the map can draw it.
        if let Some(Json::Array(items)) = out.get_mut("suggestions") {
            for (item, s) in items.iter_mut().zip(&found) {
                item["geometry"] = map::geojson::geometry_json(&s.site.geometry);
            }
        }
        Ok(out)
    })
    .await?;
    ok(StatusCode::OK, out)
}
