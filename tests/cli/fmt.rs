use crate::snapshot;
use crate::support::TestContext;

/// The `settings` block of `examples/quickstart-hcl/main.hcl`, as written there.
const SETTINGS: &str = r#"settings {
  workspace = "quickstart"

  rollout {
    # The canary cluster goes first in every wave, then the rest.
    order = ["tier=canary", "*"]
  }
}
"#;

/// The same block with its whitespace scrambled.
const SCRAMBLED_SETTINGS: &str = "settings   {\nworkspace   =   \"quickstart\"\n\n\n\n  rollout {\n        # The canary cluster goes first in every wave, then the rest.\n      order = [\"tier=canary\",\"*\"]\n}\n}\n";

#[test]
fn the_examples_are_formatted() {
    let context = TestContext::new("examples/quickstart-hcl");
    let outcome = context.run(&["fmt", "--check"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stdout, "");
    assert_eq!(outcome.stderr, "");
}

#[test]
fn scrambled_whitespace_is_listed_shown_and_fixed() {
    let context = TestContext::new("examples/quickstart-hcl");
    let original = context.read("main.hcl");
    assert!(original.contains(SETTINGS), "{original}");
    let scrambled = original.replacen(SETTINGS, SCRAMBLED_SETTINGS, 1);
    context.write("main.hcl", &scrambled);

    let check = context.run(&["fmt", "--check"]);
    check.expect_code(1);
    assert_eq!(check.stdout, "main.hcl\n");
    snapshot!(context, check.stderr, @"error: 1 file is not formatted; run `mcctl fmt` to format it");
    assert_eq!(
        context.read("main.hcl"),
        scrambled,
        "--check wrote the file"
    );

    let diff = context.run(&["fmt", "--check", "--diff"]);
    diff.expect_code(1);
    // Blank context lines of a diff are a single space; trimmed, the snapshot holds no trailing
    // whitespace.
    let shown: Vec<&str> = diff.stdout.lines().map(str::trim_end).collect();
    snapshot!(context, shown.join("\n"), @r#"
    main.hcl
    --- old/main.hcl
    +++ new/main.hcl
    @@ -1,13 +1,11 @@
     # Workspace settings: the name is the value of the `mcctl.io/workspace` label on every object.
    -settings   {
    -workspace   =   "quickstart"
    -
    -
    +settings {
    +  workspace = "quickstart"

       rollout {
    -        # The canary cluster goes first in every wave, then the rest.
    -      order = ["tier=canary","*"]
    -}
    +    # The canary cluster goes first in every wave, then the rest.
    +    order = ["tier=canary", "*"]
    +  }
     }

     # Member clusters. `directory` makes a cluster Pull: mcctl writes its objects as YAML files
    "#);
    assert_eq!(
        context.read("main.hcl"),
        scrambled,
        "--check --diff wrote the file"
    );

    let fix = context.run(&["fmt"]);
    fix.expect_code(0);
    assert_eq!(fix.stdout, "main.hcl\n");
    assert_eq!(context.read("main.hcl"), original);

    let again = context.run(&["fmt", "--check"]);
    again.expect_code(0);
    assert_eq!(again.stdout, "");
}

#[test]
fn a_syntax_error_fails_with_file_line_and_column() {
    let context = TestContext::new("testdata/config/invalid/hcl-syntax");
    let before = context.read("main.hcl");
    let outcome = context.run(&["fmt"]);
    outcome.expect_code(1);
    snapshot!(context, outcome.stderr, @r#"
    mcctl::config::hcl_syntax

      × invalid HCL: invalid expression; expected `"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or
      │ digit
       ╭─[main.hcl:3:14]
     2 │   directory = "out/eu-1"
     3 │   region    =
       ·              ▲
       ·              ╰── here
     4 │ }
       ╰────
      help: fix the HCL syntax at this position

    error: 1 file could not be formatted and was left as it was
    "#);
    assert_eq!(context.read("main.hcl"), before);
}

#[test]
fn only_the_named_files_are_formatted() {
    let context = TestContext::with_files(&[
        ("a.hcl", "a {\nkey = 1\n}\n"),
        ("b.hcl", "b {\nkey = 1\n}\n"),
    ]);
    let outcome = context.run(&["fmt", "--diff", "a.hcl"]);
    outcome.expect_code(0);
    snapshot!(context, outcome.stdout, @"
    a.hcl
    --- old/a.hcl
    +++ new/a.hcl
    @@ -1,3 +1,3 @@
     a {
    -key = 1
    +  key = 1
     }
    ");
    assert_eq!(context.read("a.hcl"), "a {\n  key = 1\n}\n");
    assert_eq!(context.read("b.hcl"), "b {\nkey = 1\n}\n");
}

#[cfg(unix)]
#[test]
fn a_rewritten_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let context = TestContext::with_files(&[("main.hcl", "a {\nkey = 1\n}\n")]);
    let path = context.path("main.hcl");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    context.run(&["fmt"]).expect_code(0);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}
