//! The API test server over real HTTP: discovery, LIST with selectors and pages, server-side
//! apply (create, update, conflicts, force, field removal, dry run), DELETE, counters and faults.

use std::time::Duration;

use serde_json::{Value, json};

use crate::test_support::apiserver::{ApiServer, Rollout, Verb};
use crate::test_support::http::{self, Response};

const APPLY: &str = "application/apply-patch+yaml";

fn get(server: &ApiServer, path: &str) -> Response {
    http::send(server.address(), "GET", path, None, b"").unwrap()
}

fn apply(server: &ApiServer, path: &str, query: &str, body: &Value) -> Response {
    let body = body.to_string();
    http::send(
        server.address(),
        "PATCH",
        &format!("{path}?{query}"),
        Some(APPLY),
        body.as_bytes(),
    )
    .unwrap()
}

fn deployment(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    })
}

const WEB: &str = "/apis/apps/v1/namespaces/default/deployments/web";

fn config_map(name: &str, labels: &Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "data": {"key": name},
    })
}

#[test]
fn discovery_lists_builtin_groups_and_kinds_from_applied_crds() {
    let server = ApiServer::start();
    assert_eq!(get(&server, "/version").body["major"], "1");
    assert_eq!(get(&server, "/api").body["versions"], json!(["v1"]));
    let core = get(&server, "/api/v1").body;
    let configmaps = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["name"] == "configmaps")
        .unwrap();
    assert_eq!(configmaps["kind"], "ConfigMap");
    assert_eq!(configmaps["namespaced"], true);
    let groups = get(&server, "/apis").body;
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"apps") && names.contains(&"batch") && names.contains(&"networking.k8s.io"),
        "{names:?}"
    );
    assert_eq!(get(&server, "/apis/example.com/v1").status, 404);
    assert_eq!(
        get(&server, "/api/v1/namespaces/default/nodes").status,
        404,
        "nodes are cluster-scoped"
    );
    assert_eq!(
        get(&server, "/api/v1/configmaps/x").status,
        404,
        "a namespaced object needs its namespace"
    );

    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"kind": "Widget", "plural": "widgets"},
            "versions": [{"name": "v1", "served": true, "storage": true}],
        },
    });
    let response = apply(
        &server,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        "fieldManager=mcctl",
        &crd,
    );
    assert_eq!(response.status, 200, "{:?}", response.body);
    let widgets = get(&server, "/apis/example.com/v1").body;
    assert_eq!(widgets["resources"][0]["kind"], "Widget");
    assert_eq!(widgets["resources"][0]["namespaced"], false);
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}});
    assert_eq!(
        apply(
            &server,
            "/apis/example.com/v1/widgets/w",
            "fieldManager=mcctl",
            &widget
        )
        .status,
        200
    );
    assert_eq!(
        get(&server, "/apis/example.com/v1/widgets/w").body["spec"]["size"],
        3
    );
}

#[test]
fn aggregated_discovery_answers_when_asked_for() {
    let server = ApiServer::start();
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let groups = http::send_accepting(server.address(), "GET", "/apis", accept, None, b"").unwrap();
    assert_eq!(
        groups.header("content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    assert_eq!(groups.body["kind"], "APIGroupDiscoveryList");
    let apps = groups.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["metadata"]["name"] == "apps")
        .unwrap();
    let deployments = &apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["resource"] == "deployments")
        .unwrap();
    assert_eq!(deployments["responseKind"]["kind"], "Deployment");
    assert_eq!(deployments["scope"], "Namespaced");
    let core = http::send_accepting(server.address(), "GET", "/api", accept, None, b"").unwrap();
    assert_eq!(core.body["items"][0]["metadata"]["name"], "");
    assert_eq!(core.body["items"][0]["versions"][0]["version"], "v1");
    assert_eq!(
        get(&server, "/apis").body["kind"],
        "APIGroupList",
        "plain JSON without the media type"
    );
}

#[test]
fn list_filters_by_label_selector_and_pages_with_continue_tokens() {
    let server = ApiServer::start();
    for (name, labels) in [
        ("a", json!({"app": "web", "tier": "front"})),
        ("b", json!({"app": "web", "tier": "back"})),
        ("c", json!({"app": "db"})),
        ("d", json!({})),
    ] {
        let response = apply(
            &server,
            &format!("/api/v1/namespaces/default/configmaps/{name}"),
            "fieldManager=mcctl",
            &config_map(name, &labels),
        );
        assert_eq!(response.status, 200, "{:?}", response.body);
    }
    let names = |path: &str| -> Vec<String> {
        let response = get(&server, path);
        assert_eq!(response.status, 200, "{path}: {:?}", response.body);
        response.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let base = "/api/v1/namespaces/default/configmaps";
    assert_eq!(
        names(&format!("{base}?labelSelector=app%3Dweb")),
        ["a", "b"]
    );
    assert_eq!(
        names(&format!("{base}?labelSelector=app%3D%3Dweb,tier!%3Dback")),
        ["a"]
    );
    assert_eq!(
        names(&format!("{base}?labelSelector=app%20in%20(web,db)")),
        ["a", "b", "c"]
    );
    assert_eq!(
        names(&format!("{base}?labelSelector=app%20notin%20(web)")),
        ["c", "d"]
    );
    assert_eq!(names(&format!("{base}?labelSelector=tier")), ["a", "b"]);
    assert_eq!(names(&format!("{base}?labelSelector=!app")), ["d"]);
    assert_eq!(
        names("/api/v1/configmaps?labelSelector=app"),
        ["a", "b", "c"]
    );
    assert_eq!(
        get(&server, &format!("{base}?labelSelector=a%20in%20x")).status,
        400
    );

    let first = get(&server, &format!("{base}?limit=3")).body;
    assert_eq!(first["kind"], "ConfigMapList");
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    assert_eq!(first["metadata"]["remainingItemCount"], 1);
    assert!(first["metadata"]["resourceVersion"].is_string());
    let token = first["metadata"]["continue"].as_str().unwrap();
    let second = get(&server, &format!("{base}?limit=3&continue={token}")).body;
    assert_eq!(second["items"][0]["metadata"]["name"], "d");
    assert!(second["metadata"]["continue"].is_null());
    // The second page is a LIST too, but counted apart as a later page of the same list.
    assert_eq!(server.count_continued_for("configmaps"), 1);
    assert_eq!(server.count_continued(), 1);
    server.reset_counts();
    assert_eq!(server.count_continued(), 0);
}

#[test]
fn missing_objects_and_namespaces_answer_404_with_a_status() {
    let server = ApiServer::start();
    let missing = get(&server, "/api/v1/namespaces/default/configmaps/nope");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["kind"], "Status");
    assert_eq!(missing.body["reason"], "NotFound");
    let mut object = config_map("x", &json!({}));
    object["metadata"]["namespace"] = json!("absent");
    let response = apply(
        &server,
        "/api/v1/namespaces/absent/configmaps/x",
        "fieldManager=mcctl",
        &object,
    );
    assert_eq!(response.status, 404);
    assert_eq!(response.body["details"]["name"], "absent");
    let response = apply(
        &server,
        "/api/v1/namespaces/default/configmaps/x",
        "",
        &config_map("x", &json!({})),
    );
    assert_eq!(response.status, 400, "fieldManager is required");
}

#[test]
fn apply_creates_then_updates_with_generation_and_defaults() {
    let server = ApiServer::start();
    let created = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(2, "nginx:1.27"),
    );
    assert_eq!(created.status, 200, "{:?}", created.body);
    let metadata = &created.body["metadata"];
    assert!(metadata["uid"].is_string() && metadata["creationTimestamp"].is_string());
    assert_eq!(metadata["generation"], 1);
    assert_eq!(metadata["managedFields"][0]["manager"], "mcctl");
    let owned = &metadata["managedFields"][0]["fieldsV1"];
    assert!(owned["f:spec"]["f:replicas"].is_object(), "{owned}");
    assert!(
        owned["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["."]
            .is_object(),
        "{owned}"
    );
    let spec = &created.body["spec"];
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(spec["progressDeadlineSeconds"], 600);
    assert_eq!(spec["strategy"]["type"], "RollingUpdate");
    let container = &spec["template"]["spec"]["containers"][0];
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(container["imagePullPolicy"], "IfNotPresent");
    assert!(
        owned["f:spec"]["f:revisionHistoryLimit"].is_null(),
        "defaults have no manager"
    );

    // The status updater writes once the rollout is done; after that the object is at rest.
    crate::support::wait_for("the rollout", || {
        get(&server, WEB).body["status"]["availableReplicas"] == 2
    });
    let at_rest = get(&server, WEB).body["metadata"]["resourceVersion"].clone();
    let same = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(2, "nginx:1.27"),
    );
    assert_eq!(same.body["metadata"]["generation"], 1);
    assert_eq!(
        same.body["metadata"]["resourceVersion"], at_rest,
        "a no-op apply writes nothing"
    );
    let updated = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(3, "nginx:1.27"),
    );
    assert_eq!(updated.body["metadata"]["generation"], 2);
    assert_eq!(get(&server, WEB).body["spec"]["replicas"], 3);
}

#[test]
fn apply_accepts_yaml_bodies() {
    let server = ApiServer::start();
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  namespace: default\ndata:\n  key: value\n";
    let response = http::send(
        server.address(),
        "PATCH",
        "/api/v1/namespaces/default/configmaps/y?fieldManager=mcctl",
        Some(APPLY),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["data"]["key"], "value");
}

#[test]
fn apply_conflicts_without_force_and_takes_ownership_with_force() {
    let server = ApiServer::start();
    apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(2, "nginx:1.27"),
    );
    let edit = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 5}});
    let conflict = apply(&server, WEB, "fieldManager=kubectl-edit", &edit);
    assert_eq!(conflict.status, 409, "{:?}", conflict.body);
    assert_eq!(conflict.body["reason"], "Conflict");
    let cause = &conflict.body["details"]["causes"][0];
    assert_eq!(cause["field"], ".spec.replicas");
    assert_eq!(cause["message"], "conflict with \"mcctl\" using apps/v1");

    let forced = apply(&server, WEB, "fieldManager=kubectl-edit&force=true", &edit);
    assert_eq!(forced.status, 200, "{:?}", forced.body);
    assert_eq!(forced.body["spec"]["replicas"], 5);
    let managers: Vec<&Value> = forced.body["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let mcctl = managers
        .iter()
        .find(|entry| entry["manager"] == "mcctl")
        .unwrap();
    assert!(
        mcctl["fieldsV1"]["f:spec"]["f:replicas"].is_null(),
        "ownership moved: {mcctl}"
    );

    // Now mcctl conflicts on replicas, and its force takes the field back.
    assert_eq!(
        apply(
            &server,
            WEB,
            "fieldManager=mcctl",
            &deployment(2, "nginx:1.27")
        )
        .status,
        409
    );
    let back = apply(
        &server,
        WEB,
        "fieldManager=mcctl&force=true",
        &deployment(2, "nginx:1.27"),
    );
    assert_eq!(back.body["spec"]["replicas"], 2);
    // Applying the same value as another manager shares the field instead of conflicting.
    assert_eq!(apply(&server, WEB, "fieldManager=other", &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}})).status, 200);
}

#[test]
fn fields_a_manager_stops_applying_are_removed_unless_another_owns_them() {
    let server = ApiServer::start();
    let path = "/api/v1/namespaces/default/configmaps/c";
    let mut full = config_map("c", &json!({"app": "web", "team": "a"}));
    full["data"]["extra"] = json!("1");
    apply(&server, path, "fieldManager=mcctl", &full);
    let shared = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"extra": "1"}});
    apply(&server, path, "fieldManager=other", &shared);

    let reduced = config_map("c", &json!({"app": "web"}));
    let result = apply(&server, path, "fieldManager=mcctl", &reduced).body;
    assert_eq!(
        result["metadata"]["labels"],
        json!({"app": "web"}),
        "team was only mcctl's"
    );
    assert_eq!(
        result["data"]["extra"], "1",
        "extra is still owned by `other`"
    );
    assert_eq!(result["data"]["key"], "c");
}

#[test]
fn dry_run_computes_the_result_without_storing_it() {
    let server = ApiServer::start();
    let response = apply(
        &server,
        WEB,
        "fieldManager=mcctl&dryRun=All",
        &deployment(2, "nginx"),
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "Always"
    );
    assert_eq!(get(&server, WEB).status, 404);
    apply(&server, WEB, "fieldManager=mcctl", &deployment(2, "nginx"));
    let dry = apply(
        &server,
        WEB,
        "fieldManager=mcctl&dryRun=All",
        &deployment(4, "nginx"),
    );
    assert_eq!(dry.body["spec"]["replicas"], 4);
    assert_eq!(dry.body["metadata"]["generation"], 2);
    assert_eq!(get(&server, WEB).body["spec"]["replicas"], 2);
}

#[test]
fn delete_removes_objects_and_their_dependents_unless_orphaned() {
    let server = ApiServer::start();
    let created = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(1, "nginx:1"),
    )
    .body;
    let uid = created["metadata"]["uid"].clone();
    let owned = |name: &str| {
        json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid}]},
        })
    };
    server.insert(owned("web-1"));
    let response = http::send(
        server.address(),
        "DELETE",
        &format!("{WEB}?propagationPolicy=Background"),
        None,
        b"",
    )
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "Success");
    assert_eq!(get(&server, WEB).status, 404);
    assert!(
        server
            .object("apps/replicasets", "default", "web-1")
            .is_none()
    );
    assert_eq!(
        http::send(server.address(), "DELETE", WEB, None, b"")
            .unwrap()
            .status,
        404
    );

    let created = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(1, "nginx:1"),
    )
    .body;
    let mut orphan = owned("web-2");
    orphan["metadata"]["ownerReferences"][0]["uid"] = created["metadata"]["uid"].clone();
    server.insert(orphan);
    http::send(
        server.address(),
        "DELETE",
        &format!("{WEB}?propagationPolicy=Orphan"),
        None,
        b"",
    )
    .unwrap();
    assert!(
        server
            .object("apps/replicasets", "default", "web-2")
            .is_some()
    );
}

#[test]
fn counters_count_requests_by_verb_and_resource() {
    let server = ApiServer::start();
    apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(1, "nginx:1"),
    );
    get(&server, "/apis/apps/v1/namespaces/default/deployments");
    get(&server, "/apis/apps/v1/deployments");
    get(&server, WEB);
    get(&server, "/apis");
    assert_eq!(server.count_for(Verb::Apply, "apps/deployments"), 1);
    assert_eq!(server.count_for(Verb::List, "apps/deployments"), 2);
    assert_eq!(server.count_for(Verb::Get, "apps/deployments"), 1);
    assert_eq!(server.count(Verb::Discovery), 1);
    server.reset_counts();
    assert_eq!(server.count(Verb::List), 0);
}

#[test]
fn injected_faults_throttle_fail_delay_and_drop() {
    let server = ApiServer::start();
    server.throttle_next(2);
    let throttled = get(&server, "/api/v1/namespaces");
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("1"));
    assert_eq!(throttled.body["reason"], "TooManyRequests");
    assert_eq!(get(&server, "/api/v1/namespaces").status, 429);
    assert_eq!(get(&server, "/api/v1/namespaces").status, 200);
    assert_eq!(
        server.count_for(Verb::List, "namespaces"),
        3,
        "throttled requests count too"
    );

    server.fail_next(1);
    assert_eq!(get(&server, "/version").status, 500);

    server.set_latency(Duration::from_millis(200));
    let started = std::time::Instant::now();
    get(&server, "/version");
    assert!(started.elapsed() >= Duration::from_millis(200));
    server.set_latency(Duration::ZERO);

    server.drop_next_connections(1);
    assert!(http::send(server.address(), "GET", "/version", None, b"").is_err());
    assert_eq!(get(&server, "/version").status, 200);
}

#[test]
fn deployments_become_available_or_stay_progressing() {
    let server = ApiServer::start();
    server.set_rollout(Rollout::AvailableAfter(Duration::from_millis(50)));
    apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(2, "nginx:1"),
    );
    crate::support::wait_for("the Deployment to be available", || {
        get(&server, WEB).body["status"]["availableReplicas"] == 2
    });
    server.set_rollout(Rollout::Never);
    let updated = apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(3, "nginx:1"),
    )
    .body;
    assert_eq!(updated["metadata"]["generation"], 2);
    std::thread::sleep(Duration::from_millis(100));
    let status = &get(&server, WEB).body["status"];
    assert_eq!(status["observedGeneration"], 2);
    assert_eq!(status["availableReplicas"], 0);
    assert_eq!(status["conditions"][0]["status"], "False");

    let patched = http::send(
        server.address(),
        "PATCH",
        &format!("{WEB}/status"),
        Some("application/merge-patch+json"),
        br#"{"status":{"availableReplicas":3},"spec":{"replicas":9}}"#,
    )
    .unwrap();
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["status"]["availableReplicas"], 3);
    assert_eq!(
        patched.body["spec"]["replicas"], 3,
        "the status subresource ignores spec"
    );
}

#[test]
fn seeded_nodes_and_pods_are_listed_and_survive_a_restart() {
    let mut server = ApiServer::start();
    server.seed_node("node-1", "4", "8Gi");
    server.seed_pod("default", "p", "node-1", "500m", "1Gi");
    assert_eq!(
        get(&server, "/api/v1/nodes").body["items"][0]["status"]["allocatable"]["cpu"],
        "4"
    );
    assert_eq!(
        get(&server, "/api/v1/pods").body["items"][0]["spec"]["nodeName"],
        "node-1"
    );

    let address = server.address();
    server.stop();
    assert!(
        http::send(address, "GET", "/version", None, b"").is_err(),
        "a stopped server refuses"
    );
    server.restart();
    assert_eq!(server.address(), address);
    assert_eq!(
        get(&server, "/api/v1/nodes").body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn apply_checks_preconditions_and_ignores_status() {
    let server = ApiServer::start();
    let path = "/api/v1/namespaces/default/configmaps/p";
    let created = apply(
        &server,
        path,
        "fieldManager=mcctl",
        &config_map("p", &json!({})),
    )
    .body;
    let mut stale = config_map("p", &json!({"v": "2"}));
    stale["metadata"]["resourceVersion"] = json!("1");
    let response = apply(&server, path, "fieldManager=mcctl", &stale);
    assert_eq!(response.status, 409, "{:?}", response.body);
    assert!(
        response.body["message"]
            .as_str()
            .unwrap()
            .contains("the object has been modified")
    );
    stale["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"].clone();
    assert_eq!(
        apply(&server, path, "fieldManager=mcctl", &stale).status,
        200
    );

    let mut elsewhere = config_map("p", &json!({}));
    elsewhere["metadata"]["namespace"] = json!("kube-system");
    assert_eq!(
        apply(&server, path, "fieldManager=mcctl", &elsewhere).status,
        400
    );

    let mut with_status = config_map("p", &json!({}));
    with_status["status"] = json!({"phase": "Made up"});
    let result = apply(&server, path, "fieldManager=mcctl", &with_status).body;
    assert!(result["status"].is_null(), "{result}");
}

#[test]
fn managers_share_list_items_and_conflict_only_on_their_fields() {
    let server = ApiServer::start();
    apply(
        &server,
        WEB,
        "fieldManager=mcctl",
        &deployment(1, "nginx:1"),
    );
    let sidecar = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "resources": {"limits": {"cpu": "1"}}}]}}},
    });
    let response = apply(&server, WEB, "fieldManager=limits", &sidecar);
    assert_eq!(response.status, 200, "{:?}", response.body);
    let container = &response.body["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1");
    assert_eq!(container["resources"]["limits"]["cpu"], "1");
    assert_eq!(response.body["metadata"]["generation"], 2);

    // mcctl stops applying the container: its image goes, the item stays for `limits`.
    let mut without = deployment(1, "nginx:1");
    without["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "other", "image": "busybox"}]);
    let result = apply(&server, WEB, "fieldManager=mcctl", &without).body;
    let containers = result["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    let web = containers
        .iter()
        .find(|container| container["name"] == "web")
        .unwrap();
    assert!(web["image"].is_null(), "{web}");
    assert_eq!(web["resources"]["limits"]["cpu"], "1");
}

#[test]
fn a_server_killed_mid_request_answers_nothing_and_stores_nothing() {
    let mut server = ApiServer::start();
    server.set_latency(Duration::from_millis(500));
    let address = server.address();
    let body = deployment(1, "nginx:1").to_string();
    let request = std::thread::spawn(move || {
        http::send(
            address,
            "PATCH",
            &format!("{WEB}?fieldManager=mcctl"),
            Some(APPLY),
            body.as_bytes(),
        )
    });
    crate::support::wait_for("the apply to arrive", || server.count(Verb::Apply) == 1);
    server.stop();
    assert!(
        request.join().unwrap().is_err(),
        "no response from a killed server"
    );
    server.restart();
    server.set_latency(Duration::ZERO);
    assert_eq!(get(&server, WEB).status, 404);
}
