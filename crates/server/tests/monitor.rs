//! Monitoring end to end on SQLite and PostgreSQL: target schedules and the scheduler
//! (two schedulers racing for one slot queue one scan), stored diffs, finding triage
//! respected by later scans.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use support::Api;

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_server::schedule;
use tollgate_server::store::{new_id, now_ms, DueOutcome, Store, TriageRow};
use tollgate_server::{Database, Running, ServerConfig};

/// A loopback JSON API with a few weaknesses a scan reports (the same ones every time).
async fn stub_target() -> SocketAddr {
    serve(|req| {
        let json = |status, body: &str| {
            RawResponse::new(status, body.to_string()).header("content-type", "application/json")
        };
        match req.path.split('?').next().unwrap_or("/") {
            "/" => json(200, r#"{"name":"stub","links":{"items":"/api/items"}}"#)
                .header("server", "nginx/1.18.0")
                .header("access-control-allow-origin", "*"),
            "/api/items" => json(200, r#"[{"id":1,"name":"mug"}]"#),
            _ => json(404, r#"{"detail":"not found"}"#),
        }
    })
    .await
}

fn fingerprints(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|f| {
            f["fingerprint"]
                .as_str()
                .or_else(|| f["finding"]["fingerprint"].as_str())
                .expect("fingerprint")
                .to_string()
        })
        .collect()
}

fn score_of(findings: &Value) -> u8 {
    let findings: Vec<tollgate_core::Finding> =
        serde_json::from_value(findings.clone()).expect("findings");
    tollgate_core::score_findings(&findings).score
}

/// Scan, triage two findings, scan again (both suppressed, score not lowered, nothing
/// new or fixed), reopen one and let the other's acceptance expire, scan a third time
/// (both new again). Every completed scan has exactly one stored diff.
async fn triage_flow(running: Running, label: &str) {
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("admin key");
    let operator = api.key(&admin, "ops-alice", "operator").await;
    let viewer = api.key(&admin, "dashboard", "viewer").await;
    let stub = stub_target().await;
    let target = api
        .ok(
            "POST",
            "/api/v1/targets",
            &operator,
            Some(json!({"url": format!("http://{stub}/"), "profile": "quick"})),
        )
        .await;
    let tid = target["id"].as_str().expect("id").to_string();

    let started = Instant::now();
    let first = api.scan_completed(&operator, &tid).await;
    let first_id = first["id"].as_str().expect("id").to_string();
    eprintln!(
        "[{label}] first scan: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let findings = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{first_id}/findings?limit=200"),
            &viewer,
            None,
        )
        .await;
    let items = findings["items"].as_array().expect("items");
    assert!(
        items.len() >= 3,
        "the stub's weaknesses are found: {findings}"
    );
    assert!(
        items.iter().all(|f| f["triage_state"] == "open"),
        "{findings}"
    );
    let all = fingerprints(&findings["items"]);
    let (accepted, false_pos) = (all[0].clone(), all[1].clone());

    // Bad triage input: 4xx with a reason, never stored.
    let put = |fp: &str| format!("/api/v1/targets/{tid}/triage/{fp}");
    for (body, status) in [
        (json!({"state": "accepted_risk"}), 422),
        (json!({"state": "false_positive", "reason": "  "}), 422),
        (
            json!({"state": "accepted_risk", "reason": "r", "expires": "2020-01-01"}),
            422,
        ),
        (
            json!({"state": "accepted_risk", "reason": "r", "expires": "next week"}),
            422,
        ),
        (
            json!({"state": "false_positive", "reason": "r", "expires": "2099-01-01"}),
            422,
        ),
        (json!({"state": "ignored", "reason": "r"}), 422),
        (json!({"state": "open", "who": "me"}), 422),
    ] {
        let (s, v) = api
            .call("PUT", &put(&accepted), &operator, Some(body.clone()))
            .await;
        assert_eq!(s, status, "{body} → {v}");
    }
    let (s, _) = api
        .call(
            "PUT",
            &put("0000000000000000"),
            &operator,
            Some(json!({"state": "false_positive", "reason": "r"})),
        )
        .await;
    assert_eq!(s, 404, "an unknown fingerprint");
    let (s, _) = api
        .call(
            "PUT",
            &format!("/api/v1/targets/tgt_nope/triage/{accepted}"),
            &operator,
            Some(json!({"state": "open"})),
        )
        .await;
    assert_eq!(s, 404, "an unknown target");
    let (s, _) = api
        .call(
            "PUT",
            &put(&accepted),
            &viewer,
            Some(json!({"state": "false_positive", "reason": "r"})),
        )
        .await;
    assert_eq!(s, 403, "a viewer may not triage");

    let v = api
        .ok(
            "PUT",
            &put(&accepted),
            &operator,
            Some(json!({"state": "accepted_risk", "reason": "legacy API, retired in Q1", "expires": "2099-01-31"})),
        )
        .await;
    assert_eq!(v["state"], "accepted_risk");
    assert_eq!(v["effective_state"], "accepted_risk");
    assert_eq!(v["expires"], "2099-01-31");
    assert_eq!(v["set_by"]["key_name"], "ops-alice");
    assert!(v["set_by"]["key_id"]
        .as_str()
        .expect("id")
        .starts_with("key_"));
    api.ok(
        "PUT",
        &put(&false_pos),
        &operator,
        Some(json!({"state": "false_positive", "reason": "the header is set by the CDN"})),
    )
    .await;
    // The findings list shows the triage.
    let findings = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{first_id}/findings?limit=200"),
            &viewer,
            None,
        )
        .await;
    for f in findings["items"].as_array().expect("items") {
        let expected = match f["fingerprint"].as_str() {
            Some(fp) if fp == accepted => "accepted_risk",
            Some(fp) if fp == false_pos => "false_positive",
            _ => "open",
        };
        assert_eq!(f["triage_state"], expected, "{f}");
    }

    // The second scan respects it.
    let second = api.scan_completed(&operator, &tid).await;
    let second_id = second["id"].as_str().expect("id").to_string();
    let report = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{second_id}/report"),
            &viewer,
            None,
        )
        .await;
    let kept = fingerprints(&report["findings"]);
    let hidden = fingerprints(&report["suppressed"]);
    assert_eq!(kept.len(), all.len() - 2, "{report}");
    assert!(!kept.contains(&accepted) && !kept.contains(&false_pos));
    assert_eq!(hidden, {
        let mut h = vec![accepted.clone(), false_pos.clone()];
        h.sort_by_key(|fp| all.iter().position(|a| a == fp));
        h
    });
    let reasons: Vec<&str> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("legacy API") && r.contains("ops-alice")),
        "{reasons:?}"
    );
    assert_eq!(second["findings_count"], kept.len());
    // Scored without the triaged findings: not lowered by them.
    let first_report = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{first_id}/report"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(second["score"], score_of(&report["findings"]));
    assert_eq!(first["score"], score_of(&first_report["findings"]));
    assert!(
        second["score"].as_i64() >= first["score"].as_i64(),
        "{first} {second}"
    );
    assert_eq!(report["score"]["grade"].as_str(), second["grade"].as_str());
    // SARIF leaves them out too.
    for (scan, present) in [(&first_id, true), (&second_id, false)] {
        let (s, sarif) = api
            .call(
                "GET",
                &format!("/api/v1/scans/{scan}/report?format=sarif"),
                &viewer,
                None,
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(sarif.to_string().contains(&accepted), present, "{scan}");
    }
    // The stored diff calls neither new nor fixed.
    let d = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{second_id}/diff"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(d["previous_scan_id"], first_id.as_str(), "{d}");
    assert_eq!(d["new"], json!([]), "{d}");
    assert_eq!(d["fixed"], json!([]), "{d}");
    assert_eq!(d["unchanged_count"], kept.len(), "{d}");
    // ?against= computes the same; other targets, unfinished scans, unknown ids: 4xx.
    let computed = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{second_id}/diff?against={first_id}"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(computed, d);
    let other = api
        .ok(
            "POST",
            "/api/v1/targets",
            &operator,
            Some(json!({"url": format!("http://{stub}/other"), "profile": "quick"})),
        )
        .await;
    let other_scan = api
        .ok(
            "POST",
            "/api/v1/scans",
            &operator,
            Some(json!({"target_id": other["id"]})),
        )
        .await;
    let other_scan = other_scan["id"].as_str().unwrap();
    api.ok(
        "POST",
        &format!("/api/v1/scans/{other_scan}/cancel"),
        &operator,
        None,
    )
    .await;
    for (against, status) in [(other_scan, 422), ("scn_nope", 404)] {
        let (s, v) = api
            .call(
                "GET",
                &format!("/api/v1/scans/{second_id}/diff?against={against}"),
                &viewer,
                None,
            )
            .await;
        assert_eq!(s, status, "{v}");
    }
    // A failed scan of the same target (written directly: a scan queued through the
    // API may be finished by a worker before the test looks).
    let queued_id = new_id("scn");
    sqlx::query("INSERT INTO scans (id, target_id, state, checks_done, checks_total, cancel_requested, attempts, created_at, error) VALUES ($1, $2, 'failed', 0, 0, 0, 1, $3, 'test')")
        .bind(&queued_id)
        .bind(&tid)
        .bind(now_ms())
        .execute(running.store.pool())
        .await
        .expect("a failed scan");
    let (s, v) = api
        .call(
            "GET",
            &format!("/api/v1/scans/{second_id}/diff?against={queued_id}"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(s, 409, "{v}");

    // Reopen one; let the other's acceptance expire (through the store: the API
    // refuses a past date).
    let v = api
        .ok(
            "PUT",
            &put(&accepted),
            &operator,
            Some(json!({"state": "open"})),
        )
        .await;
    assert_eq!(v["state"], "open");
    running
        .store
        .upsert_triage(&TriageRow {
            target_id: tid.clone(),
            fingerprint: false_pos.clone(),
            state: "accepted_risk".into(),
            reason: Some("was fine until yesterday".into()),
            expires_at: Some(now_ms() - 24 * 3600 * 1000),
            set_by_key_id: "key_test".into(),
            set_by_key_name: "test".into(),
            updated_at: now_ms(),
        })
        .await
        .expect("triage");
    let third = api.scan_completed(&operator, &tid).await;
    let third_id = third["id"].as_str().expect("id").to_string();
    let report = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{third_id}/report"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(
        fingerprints(&report["findings"]).len(),
        all.len(),
        "{report}"
    );
    assert!(report.get("suppressed").is_none(), "{report}");
    let notes = report["coverage"]["notes"].to_string();
    assert!(notes.contains("expired"), "{notes}");
    let d = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{third_id}/diff"),
            &viewer,
            None,
        )
        .await;
    let mut new = fingerprints(&d["new"]);
    new.sort();
    let mut expected = vec![accepted.clone(), false_pos.clone()];
    expected.sort();
    assert_eq!(new, expected, "open again: {d}");
    assert_eq!(d["fixed"], json!([]), "{d}");

    // Triage list, paged, newest first; it says the acceptance expired.
    let page = api
        .ok(
            "GET",
            &format!("/api/v1/targets/{tid}/triage?limit=1"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(
        page["items"][0]["fingerprint"],
        false_pos.as_str(),
        "{page}"
    );
    assert_eq!(page["items"][0]["state"], "accepted_risk");
    assert_eq!(page["items"][0]["effective_state"], "open");
    assert_eq!(page["next_offset"], 1);
    let rest = api
        .ok(
            "GET",
            &format!("/api/v1/targets/{tid}/triage?limit=1&offset=1"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(rest["items"][0]["fingerprint"], accepted.as_str());
    assert!(rest["next_offset"].is_null(), "{rest}");

    // Stored diffs: one per completed scan, newest first.
    let diffs = api
        .ok(
            "GET",
            &format!("/api/v1/targets/{tid}/diffs"),
            &viewer,
            None,
        )
        .await;
    let ids: Vec<&str> = diffs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["scan_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [third_id.as_str(), second_id.as_str(), first_id.as_str()]
    );
    let oldest = &diffs["items"][2];
    assert!(oldest["previous_scan_id"].is_null());
    assert_eq!(oldest["new_count"], all.len());
    assert_eq!(diffs["items"][0]["new_count"], 2);
    assert_eq!(diffs["items"][1]["score_after"], second["score"]);
    assert_eq!(diffs["items"][1]["score_before"], first["score"]);
    let page = api
        .ok(
            "GET",
            &format!("/api/v1/targets/{tid}/diffs?limit=2"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(page["next_offset"], 2);
    for id in [&first_id, &second_id, &third_id] {
        assert_eq!(running.store.diff_count(id).await.expect("count"), 1);
    }
    assert_eq!(
        running.store.diff_count(&queued_id).await.expect("count"),
        0
    );
    let (s, _) = api
        .call("GET", "/api/v1/targets/tgt_nope/diffs", &viewer, None)
        .await;
    assert_eq!(s, 404);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn triage_is_respected_by_later_scans_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 2).await;
    triage_flow(running, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn triage_is_respected_by_later_scans_on_postgres() {
    let Some(db) = support::PgDb::create("monitor_triage").await else {
        return;
    };
    let running = support::server(Database::Url(db.url.clone()), 2).await;
    triage_flow(running, "postgres").await;
}

/// A server without workers whose scheduler ticks only at start (the test ticks).
async fn quiet_server(database: Database) -> Running {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.workers = 0;
    config.allow = vec!["127.0.0.1".parse().expect("allow")];
    config.schedule_tick = Duration::from_secs(3600);
    tollgate_server::start(config).await.expect("server starts")
}

/// Schedules through the API (set, shown, refused when invalid, changed, removed),
/// then two schedulers on two connections race for one due slot, repeatedly.
async fn schedule_flow(running: Running, second: Store) {
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("admin key");
    let operator = api.key(&admin, "ops", "operator").await;
    let stub = stub_target().await;
    let url = format!("http://{stub}/");

    for (schedule, words) in [
        (json!({"every": "30s"}), "1 minute"),
        (json!({"every": "soon"}), "not an interval"),
        (json!({"every": "500days"}), "366 days"),
        (json!({"cron": "61 * * * *"}), "not a cron expression"),
        (json!({"cron": "0 3 * *"}), "5:"),
        (json!({"cron": "0 0 31 2 *"}), "never fires"),
        (json!({"every": "1h", "cron": "0 3 * * *"}), "exactly one"),
        (json!({}), "exactly one"),
    ] {
        let (s, v) = api
            .call(
                "POST",
                "/api/v1/targets",
                &operator,
                Some(json!({"url": url, "schedule": schedule})),
            )
            .await;
        assert_eq!(s, 422, "{schedule} → {v}");
        assert!(
            v["detail"].as_str().unwrap().contains(words),
            "{schedule} → {v}"
        );
    }
    for bad in [json!({"every": 5}), json!({"hourly": true}), json!("6h")] {
        let (s, v) = api
            .call(
                "POST",
                "/api/v1/targets",
                &operator,
                Some(json!({"url": url, "schedule": bad})),
            )
            .await;
        assert_eq!(s, 422, "{bad} → {v}");
    }
    let before = now_ms();
    let t = api
        .ok(
            "POST",
            "/api/v1/targets",
            &operator,
            Some(json!({"url": url, "schedule": {"every": "6h"}})),
        )
        .await;
    assert_eq!(t["schedule"], json!({"every": "6h"}), "{t}");
    let tid = t["id"].as_str().unwrap().to_string();
    let row = running.store.target(&tid).await.unwrap().unwrap();
    assert_eq!(row.schedule.as_deref(), Some("every 6h"));
    let next = row.next_run_at.expect("next run");
    assert!(next >= before + 6 * 3600 * 1000 && next <= now_ms() + 6 * 3600 * 1000);
    assert!(t["next_run_at"].is_string(), "{t}");

    // PATCH: cron, name, profile; the intrusive flag needs admin; the guard vets
    // spec URLs; invalid schedules are refused; null removes.
    let path = format!("/api/v1/targets/{tid}");
    let t = api
        .ok(
            "PATCH",
            &path,
            &operator,
            Some(
                json!({"schedule": {"cron": "0  3 * * *"}, "name": "nightly", "profile": "quick"}),
            ),
        )
        .await;
    assert_eq!(t["schedule"], json!({"cron": "0 3 * * *"}), "{t}");
    assert_eq!(
        (t["name"].as_str(), t["profile"].as_str()),
        (Some("nightly"), Some("quick"))
    );
    assert!(
        t["next_run_at"]
            .as_str()
            .unwrap()
            .ends_with("T03:00:00.000Z"),
        "{t}"
    );
    for (body, status) in [
        (json!({"schedule": {"every": "10s"}}), 422),
        (json!({"allow_intrusive": true}), 403),
        (json!({"spec_url": "http://10.0.0.1/openapi.json"}), 422),
        (json!({"name": " "}), 422),
        (json!({"profile": "huge"}), 400),
        (json!({"url": "http://example.com/"}), 422),
    ] {
        let (s, v) = api
            .call("PATCH", &path, &operator, Some(body.clone()))
            .await;
        assert_eq!(s, status, "{body} → {v}");
    }
    let (s, _) = api
        .call(
            "PATCH",
            "/api/v1/targets/tgt_nope",
            &operator,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(s, 404);
    let t = api
        .ok(
            "PATCH",
            &path,
            &admin,
            Some(json!({"allow_intrusive": true, "spec_url": format!("{url}openapi.json")})),
        )
        .await;
    assert_eq!(t["allow_intrusive"], true);
    assert_eq!(
        t["schedule"],
        json!({"cron": "0 3 * * *"}),
        "unchanged: {t}"
    );
    let t = api
        .ok(
            "PATCH",
            &path,
            &operator,
            Some(json!({"schedule": null, "spec_url": null})),
        )
        .await;
    assert!(
        t["schedule"].is_null() && t["next_run_at"].is_null() && t["spec_url"].is_null(),
        "{t}"
    );
    assert_eq!(
        running.store.target(&tid).await.unwrap().unwrap().schedule,
        None
    );
    // A target without a schedule is never due.
    running.store.set_next_run_at(&tid, Some(0)).await.unwrap();
    assert!(schedule::tick(&running.store)
        .await
        .unwrap()
        .queued
        .is_empty());

    // A due target: two schedulers on two connections (two ticks each, on their own
    // tasks) race for the slot, five rounds; one scan is queued and the slot moves on
    // by the interval.
    let t = api
        .ok(
            "PATCH",
            &path,
            &operator,
            Some(json!({"schedule": {"every": "1h"}})),
        )
        .await;
    assert_eq!(t["schedule"], json!({"every": "1h"}));
    let slot = now_ms() - 1000;
    assert!(running
        .store
        .set_next_run_at(&tid, Some(slot))
        .await
        .unwrap());
    let mut queued = Vec::new();
    let mut taken = 0;
    for _ in 0..5 {
        let ticks: Vec<_> = [&running.store, &second, &running.store, &second]
            .into_iter()
            .map(|store| {
                let store = store.clone();
                tokio::spawn(async move { schedule::tick(&store).await.expect("tick") })
            })
            .collect();
        for t in ticks {
            let s = t.await.expect("task");
            queued.extend(s.queued);
            taken += s.taken;
        }
    }
    assert_eq!(
        queued.len(),
        1,
        "one scan for the slot: {queued:?} ({taken} races lost)"
    );
    let scans = running
        .store
        .list_scans(
            Some(&tid),
            tollgate_server::store::Page {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(
        (scans[0].id.as_str(), scans[0].state.as_str()),
        (queued[0].as_str(), "queued")
    );
    let moved = running
        .store
        .target(&tid)
        .await
        .unwrap()
        .unwrap()
        .next_run_at
        .unwrap();
    assert!(
        moved > now_ms() + 3500 * 1000,
        "the next slot is an hour away"
    );
    eprintln!("two schedulers, four ticks a round, five rounds: 1 queued, {taken} slot races lost");

    // Due again while that scan is still queued: the slot is skipped, not stacked.
    running
        .store
        .set_next_run_at(&tid, Some(now_ms() - 1))
        .await
        .unwrap();
    let s = schedule::tick(&second).await.unwrap();
    assert_eq!((s.queued.len(), s.skipped), (0, 1));
    assert!(
        running
            .store
            .target(&tid)
            .await
            .unwrap()
            .unwrap()
            .next_run_at
            .unwrap()
            > now_ms()
    );
    let scans = running
        .store
        .list_scans(
            Some(&tid),
            tollgate_server::store::Page {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(scans.len(), 1);

    // Taken: a stale slot value (another scheduler moved it) queues nothing.
    assert_eq!(
        second
            .queue_due(&tid, slot, Some(now_ms()), &new_id("scn"))
            .await
            .unwrap(),
        DueOutcome::Taken
    );
    second.close().await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schedules_queue_one_scan_per_slot_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = quiet_server(Database::DataDir(dir.path().to_path_buf())).await;
    let second = Store::open_data_dir(dir.path())
        .await
        .expect("second store");
    schedule_flow(running, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schedules_queue_one_scan_per_slot_on_postgres() {
    let Some(db) = support::PgDb::create("monitor_schedule").await else {
        return;
    };
    let running = quiet_server(Database::Url(db.url.clone())).await;
    let second = Store::connect(&db.url).await.expect("second store");
    schedule_flow(running, second).await;
}

/// The server's own scheduler loop queues a due target's scan and a worker runs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_servers_scheduler_runs_due_scans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        Database::DataDir(dir.path().to_path_buf()),
    );
    config.workers = 1;
    config.allow = vec!["127.0.0.1".parse().expect("allow")];
    config.schedule_tick = Duration::from_millis(100);
    let running = tollgate_server::start(config).await.expect("server starts");
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("admin key");
    let stub = stub_target().await;
    let t = api
        .ok(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({"url": format!("http://{stub}/"), "profile": "quick", "schedule": {"every": "1day"}})),
        )
        .await;
    let tid = t["id"].as_str().unwrap().to_string();
    running
        .store
        .set_next_run_at(&tid, Some(now_ms() - 1))
        .await
        .unwrap();
    let started = Instant::now();
    let scan = loop {
        let list = api
            .ok(
                "GET",
                &format!("/api/v1/scans?target_id={tid}"),
                &admin,
                None,
            )
            .await;
        if let Some(s) = list["items"].as_array().unwrap().first() {
            if s["state"] == "completed" {
                break s.clone();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(240), "{list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "scheduled scan queued and completed {:.2} s after its slot",
        started.elapsed().as_secs_f64()
    );
    let scan_id = scan["id"].as_str().unwrap();
    let d = api
        .ok(
            "GET",
            &format!("/api/v1/scans/{scan_id}/diff"),
            &admin,
            None,
        )
        .await;
    assert!(d["previous_scan_id"].is_null(), "{d}");
    let list = api
        .ok(
            "GET",
            &format!("/api/v1/scans?target_id={tid}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    running.stop().await;
}
