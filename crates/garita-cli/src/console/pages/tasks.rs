//! Tareas: the inbox (`GET /tareas`, and `POST /tareas` for another
//! view), a task's page (`POST /tareas/ver`), answering it
//! (`POST /tareas/responder`) and rejecting it with a note
//! (`POST /tareas/rechazar`). The answer is the app layer's task
//! operation, recorded as given by the signed-in officer; the form is
//! built from the task's fields by `ops::task_form`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use garita_app::ops::console::SignedInUser;
use garita_app::ops::inbox::{inbox, InboxQuery, InboxView};
use garita_app::ops::task_form::{answer_from_form, form_fields};
use garita_app::ops::tasks::TaskReply;
use garita_app::Operations;
use garita_engine::Task;
use serde::Deserialize;
use serde_json::json;

use super::access::{form_reader, officer, reader};
use super::{base, refused, with};
use crate::console::guard::Refusal;
use crate::console::page_texts::{maybe_moment, moment};
use crate::console::render::page;
use crate::console::texts::text;
use crate::console::ConsoleState;

/// The inbox's view switch.
#[derive(Debug, Deserialize)]
pub struct ViewForm {
    csrf: Option<String>,
    #[serde(default)]
    view: String,
}

/// A form naming a task.
#[derive(Debug, Deserialize)]
pub struct TaskForm {
    csrf: Option<String>,
    #[serde(default)]
    task: String,
    #[serde(default)]
    note: String,
}

/// The inbox, "mine" first.
pub async fn inbox_page(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    match reader(&state, &headers).await {
        Ok(signed) => show_inbox(&state, &signed, InboxView::Mine).await,
        Err(response) => response,
    }
}

/// The inbox in the view the form names.
pub async fn inbox_view(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<ViewForm>,
) -> Response {
    match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => show_inbox(&state, &signed, InboxView::parse(&sent.view)).await,
        Err(response) => response,
    }
}

async fn show_inbox(state: &ConsoleState, signed: &SignedInUser, view: InboxView) -> Response {
    let query = InboxQuery {
        email: signed.user.email.clone(),
        role: signed.user.role,
        view,
    };
    let found = match inbox(&state.session, query).await {
        Ok(found) => found,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    let language = signed.user.language;
    let counts = found.counts;
    let views: Vec<_> = InboxView::ALL
        .into_iter()
        .map(|v| {
            let count = match v {
                InboxView::Mine => counts.mine,
                InboxView::Group => counts.group,
                InboxView::All => counts.all,
                InboxView::Overdue => counts.overdue,
            };
            json!({"name": v.as_str(), "count": count})
        })
        .collect();
    let tasks: Vec<_> = found
        .tasks
        .iter()
        .map(|task| {
            json!({
                "id": task.id,
                "title": task.title,
                "workflow": task.workflow,
                "assignee": task.assignee,
                "due": maybe_moment(language, task.due),
                "overdue": task.overdue,
            })
        })
        .collect();
    let context = with(
        base(language, "tasks_title", Some(signed), "tareas"),
        json!({"views": views, "view": view.as_str(), "tasks": tasks}),
    );
    page(StatusCode::OK, "tareas.html", context)
}

/// A task's page, for any role.
pub async fn show(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<TaskForm>,
) -> Response {
    let signed = match form_reader(&state, &headers, sent.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    task_page(&state, &signed, &sent.task, StatusCode::OK, None, None).await
}

/// Answers a task with the form's fields, as the signed-in officer.
pub async fn answer(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| {
        sent.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let task_id = value("task").unwrap_or_default();
    let (guard, signed) = match officer(&state, &headers, value("csrf").as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let task = match state.session.show_task(&task_id).await {
        Ok(task) => task,
        Err(e) => return refused(Refusal::of_error(&e), Some(&signed)),
    };
    let answers: Vec<(String, String)> = sent
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("answer.")
                .map(|name| (name.to_owned(), value.clone()))
        })
        .collect();
    let fields = match answer_from_form(&form_fields(task.fields.as_ref()), &answers) {
        Ok(fields) => fields,
        Err(e) => return answer_refused(&state, &signed, &task.id, &e).await,
    };
    let reply = TaskReply {
        fields,
        note: None,
        by: Some(guard.email().to_owned()),
    };
    match state.session.complete_task(&task.id, reply).await {
        Ok(_) => {
            let notice = text(signed.user.language, "answer_recorded");
            task_page(
                &state,
                &signed,
                &task.id,
                StatusCode::OK,
                Some(notice),
                None,
            )
            .await
        }
        Err(e) => answer_refused(&state, &signed, &task.id, &e).await,
    }
}

/// Rejects a task with the form's note, as the signed-in officer.
pub async fn reject(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(sent): Form<TaskForm>,
) -> Response {
    let (guard, signed) = match officer(&state, &headers, sent.csrf.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let reply = TaskReply {
        fields: serde_json::Map::new(),
        note: Some(sent.note.clone()),
        by: Some(guard.email().to_owned()),
    };
    match state.session.reject_task(&sent.task, reply).await {
        Ok(_) => {
            let notice = text(signed.user.language, "answer_recorded");
            task_page(
                &state,
                &signed,
                &sent.task,
                StatusCode::OK,
                Some(notice),
                None,
            )
            .await
        }
        Err(e) => answer_refused(&state, &signed, &sent.task, &e).await,
    }
}

/// The task's page again, saying why the answer was refused (a store
/// failure is the error page instead).
async fn answer_refused(
    state: &ConsoleState,
    signed: &SignedInUser,
    task: &str,
    error: &garita_app::AppError,
) -> Response {
    match Refusal::of_error(error) {
        Refusal::Refused(why) => {
            task_page(
                state,
                signed,
                task,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await
        }
        other => refused(other, Some(signed)),
    }
}

async fn task_page(
    state: &ConsoleState,
    signed: &SignedInUser,
    task: &str,
    status: StatusCode,
    notice: Option<&str>,
    message: Option<String>,
) -> Response {
    let task: Task = match state.session.show_task(task).await {
        Ok(task) => task,
        Err(e) => return refused(Refusal::of_error(&e), Some(signed)),
    };
    let language = signed.user.language;
    let now = state.session.app.clock.now();
    let answer = task.answer.as_ref().map(|a| {
        json!({
            "outcome": a.outcome.as_str(),
            "by": a.by,
            "at": moment(language, a.at),
            "fields": a.fields.as_object().map(|fields| {
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect::<std::collections::BTreeMap<_, _>>()
            }),
            "note": a.note,
        })
    });
    let context = with(
        base(language, "tasks_title", Some(signed), "tareas"),
        json!({
            "title": task.title,
            "task": {
                "id": task.id,
                "run_id": task.run_id,
                "title": task.title,
                "body": task.body,
                "workflow": task.workflow,
                "assignee": task.assignee,
                "status": task.status.as_str(),
            },
            "due": maybe_moment(language, task.due),
            "overdue": task.status == garita_engine::TaskStatus::Open && task.due.is_some_and(|d| d < now),
            "created": moment(language, task.created_at),
            "fields": form_fields(task.fields.as_ref()),
            "answer": answer,
            "may_act": signed.user.role.may_act_as_officer(),
            "notice": notice,
            "message": message,
        }),
    );
    page(status, "tarea.html", context)
}
