use crate::snapshot;
use crate::support::TestContext;

#[test]
fn show_renders_a_saved_plan_as_text_and_json() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    let show = context.run(&["show", "plan.json"]);
    show.expect_code(0);
    snapshot!(context, "show_saved_plan", show.stdout);
    let plan = context.run(&["plan", "--json"]).json();
    let shown = context.run(&["show", "--json", "plan.json"]).json();
    assert_eq!(shown["changes"], plan["changes"]);
    assert_eq!(shown["summary"], plan["summary"]);
    assert_eq!(shown["format_version"], "1");
}

#[test]
fn show_without_a_plan_summarises_the_state() {
    let context = TestContext::new("examples/quickstart");
    let empty = context.run(&["show"]);
    empty.expect_code(0);
    assert!(
        empty.stdout.contains("The state is empty"),
        "{}",
        empty.stdout
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let show = context.run(&["show"]);
    show.expect_code(0);
    assert!(
        show.stdout
            .contains("workspace `quickstart`): 3 object(s), 3 placement(s)"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains(
            "placed    apps/Deployment/default/web 4 replica(s) by PropagationPolicy/default/web"
        ),
        "{}",
        show.stdout
    );
    let json = context.run(&["show", "--json"]).json();
    assert_eq!(
        json["clusters"]["eu-1"]["placements"]["apps/Deployment/default/web"]["replicas"],
        4
    );
}

#[test]
fn show_of_a_missing_file_is_an_error() {
    let context = TestContext::new("examples/quickstart");
    let show = context.run(&["show", "nope.json"]);
    show.expect_code(1);
    assert!(
        show.stderr.contains("cannot read plan file `nope.json`"),
        "{}",
        show.stderr
    );
}
